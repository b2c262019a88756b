import re

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skaudio import PerSampleNormalizer, WaveformCNNClassifier, WaveformLoader
from skaudio.datasets import make_tones
from skaudio.inference import (
    Event,
    WindowPredictions,
    aggregate_windows,
    detect_events,
    predict_windows,
    sliding_windows,
    split_loader,
)

RATE = 1000


class LoudnessModel:
    """A fixed 'classifier': P(loud) is the share of samples above 0.5."""

    classes_ = np.array(["quiet", "loud"])

    def __init__(self):
        self.shapes = []

    def predict_proba(self, X):
        self.shapes.append(X.shape)
        p_loud = (np.abs(X) > 0.5).mean(axis=-1)
        return np.stack([1 - p_loud, p_loud], axis=1)


def _recording(duration, events):
    """Quiet noise with loud stretches at the given (onset, offset) seconds."""
    x = np.random.default_rng(0).uniform(-0.1, 0.1, round(duration * RATE))
    for onset, offset in events:
        x[round(onset * RATE) : round(offset * RATE)] = 1.0
    return x.astype(np.float32)


def test_sliding_windows_cover_the_recording():
    x = np.arange(2500, dtype=np.float32)
    windows, starts = sliding_windows(x, sample_rate=RATE, window=1.0, hop=0.5)
    assert windows.shape == (4, 1000) and windows.dtype == np.float32
    np.testing.assert_allclose(starts, [0, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(windows[1], x[500:1500])
    np.testing.assert_array_equal(windows[3], x[1500:])
    # Shorter than a window: one zero-padded window.
    windows, starts = sliding_windows(x[:300], sample_rate=RATE, window=1, hop=1)
    assert windows.shape == (1, 1000) and starts.tolist() == [0.0]
    assert windows[0, 300:].tolist() == [0.0] * 700
    # Channels stay, windows come first.
    stereo = np.stack([x, -x])
    windows, _ = sliding_windows(stereo, sample_rate=RATE, window=1, hop=0.5)
    assert windows.shape == (4, 2, 1000)
    np.testing.assert_array_equal(windows[2, 1], -x[1000:2000])


def test_sliding_windows_reject_bad_hop():
    with pytest.raises(ValueError, match="hop=2 s is longer than window=1 s"):
        sliding_windows(np.zeros(100), sample_rate=RATE, window=1, hop=2)
    with pytest.raises(ValueError, match="at least one sample"):
        sliding_windows(np.zeros(100), sample_rate=RATE, window=1, hop=1e-6)
    with pytest.raises(ValueError, match=r"'window' parameter .* range \(0.0, inf\)"):
        sliding_windows(np.zeros(100), sample_rate=RATE, window=np.inf, hop=1)
    for shape in ((0,), (1, 2, 25)):
        message = f"with at least one sample; got shape {shape}."
        with pytest.raises(ValueError, match=re.escape(message)):
            sliding_windows(np.ones(shape), sample_rate=RATE, window=1, hop=1)
    # soundfile.read's stereo layout, (n_times, n_channels): a hint, not two
    # windows of 2 samples each.
    with pytest.raises(ValueError, match=r"shape \(3200, 2\): more channels than"):
        sliding_windows(np.ones((3200, 2)), sample_rate=RATE, window=1, hop=1)


def test_predict_windows_fixes_window_length_and_batches():
    model = LoudnessModel()
    x = _recording(3.0, [(1.0, 2.0)])
    p = predict_windows(
        model, x, sample_rate=RATE, window=0.5, hop=0.25, n_times=800, batch_size=4
    )
    assert p.proba.shape == (11, 2) and p.duration == 3.0
    assert {s[1] for s in model.shapes} == {800}
    assert [s[0] for s in model.shapes] == [4, 4, 3]
    # Window starting at 1.0 s is loud over its 500 real samples of 800.
    np.testing.assert_allclose(p.proba[4], [1 - 500 / 800, 500 / 800])
    assert p.classes.tolist() == ["quiet", "loud"]
    # Each batch carries the recording's rate.
    model.rates = []
    model.predict_proba = lambda X: (
        model.rates.append(X.sample_rate) or np.ones((len(X), 2))
    )
    predict_windows(model, x, sample_rate=RATE, window=0.5, hop=0.25, batch_size=4)
    assert model.rates == [RATE] * 3


def test_predict_windows_refuses_another_rate_and_a_loader():
    X, y = make_tones(8, n_classes=2, duration=0.25, sample_rate=8000, random_state=0)
    clf = WaveformCNNClassifier(
        architecture="simple", sample_rate=8000, max_epochs=1, random_state=0
    ).fit(X, y)
    recording = np.concatenate(X)
    rate = (
        r"^The model takes waveforms at 8000 Hz, but the recording is at "
        r"sample_rate=16000 Hz: resample it to 8000 Hz first, e.g. "
        r"skaudio.io.load_audio\(path, sample_rate=8000\).$"
    )
    with pytest.raises(ValueError, match=rate):
        predict_windows(clf, recording, sample_rate=16000, window=0.25, hop=0.25)
    # Before the clip length, which another rate would give in wrong seconds.
    with pytest.raises(ValueError, match=rate):
        predict_windows(clf, recording, sample_rate=16000, window=2.0, n_times=2000)
    # hop defaults to half the window, as skaudio predict --window.
    halves = predict_windows(clf, recording, sample_rate=8000, window=0.25)
    assert halves.hop == 0.125 and halves.starts[:3].tolist() == [0, 0.125, 0.25]
    pipe = make_pipeline(WaveformLoader(sample_rate=8000, duration=0.25), clf)
    with pytest.raises(ValueError, match=r"split_loader\(pipeline\)\[1\]"):
        predict_windows(pipe, recording, sample_rate=8000, window=0.25, hop=0.25)
    with pytest.raises(ValueError, match="batch_size"):
        predict_windows(
            clf, recording, sample_rate=8000, window=0.25, hop=1, batch_size=0
        )


def test_predict_windows_names_a_window_or_channels_the_model_cannot_take():
    X, y = make_tones(8, n_classes=2, duration=0.25, sample_rate=8000, random_state=0)
    pipe = make_pipeline(
        PerSampleNormalizer(),
        WaveformCNNClassifier(
            architecture="simple", sample_rate=8000, max_epochs=1, random_state=0
        ),
    ).fit(X, y)
    recording = np.concatenate(X)
    with pytest.raises(ValueError, match=r"Windows of 4000 samples \(0.5 s\) do not"):
        predict_windows(pipe, recording, sample_rate=8000, window=0.5, hop=0.25)
    with pytest.raises(ValueError, match="Use window=0.25 or shorter, with n_times"):
        predict_windows(pipe, recording, sample_rate=8000, window=0.5, hop=0.25)
    with pytest.raises(ValueError, match="n_times=2000 to pad each window"):
        predict_windows(pipe, recording, sample_rate=8000, window=0.125, hop=0.125)
    with pytest.raises(ValueError, match="n_times=3000 does not fit.*n_times=2000"):
        predict_windows(
            pipe, recording, sample_rate=8000, window=0.25, hop=0.25, n_times=3000
        )
    # A window longer than the clips would be seen only in part: refused.
    with pytest.raises(ValueError, match="would see only the first 0.25 s of each"):
        predict_windows(
            pipe, recording, sample_rate=8000, window=0.5, hop=0.25, n_times=2000
        )
    p = predict_windows(
        pipe, recording, sample_rate=8000, window=0.125, hop=0.125, n_times=2000
    )
    assert p.proba.shape == (16, 2)
    stereo = np.stack([recording, recording])
    with pytest.raises(ValueError, match=r"2 channels.*waveform.mean\(axis=0\)"):
        predict_windows(pipe, stereo, sample_rate=8000, window=0.25, hop=0.25)


def test_aggregate_windows():
    model = LoudnessModel()
    x = _recording(4.0, [(0.0, 0.5)])
    p = predict_windows(model, x, sample_rate=RATE, window=0.5, hop=0.5)
    mean = aggregate_windows(p)
    np.testing.assert_allclose(mean, [7 / 8, 1 / 8])
    assert p.classes[mean.argmax()] == "quiet"
    peak = aggregate_windows(p, "max")
    np.testing.assert_allclose(peak, [1, 1])
    with pytest.raises(ValueError, match="method"):
        aggregate_windows(p, "median")


@pytest.mark.parametrize("hop", [0.1, 0.25, 0.5])
def test_detect_events_finds_known_positions(hop):
    truth = [(1.0, 2.0), (3.5, 3.8), (6.0, 7.5)]
    x = _recording(8.0, truth)
    p = predict_windows(LoudnessModel(), x, sample_rate=RATE, window=0.5, hop=hop)
    events = detect_events(p, "loud", threshold=0.5)
    assert len(events) == 3
    for event, (onset, offset) in zip(events, truth, strict=True):
        assert abs(event.onset - onset) <= hop + 1e-9
        assert abs(event.offset - offset) <= hop + 1e-9
        assert 0.5 <= event.score <= 1
    # The short middle event goes with min_duration.
    kept = detect_events(p, "loud", threshold=0.5, min_duration=0.6)
    assert [round(e.onset) for e in kept] == [1, 6]


def test_detect_events_edges_and_errors():
    p_event = np.array([1, 1, 0, 0, 1.0])
    p = WindowPredictions(
        np.arange(5) * 1.0,
        np.stack([1 - p_event, p_event], 1),
        np.array([0, 1]),
        1.0,
        1.0,
        4.5,
    )
    # Events touching either end of the recording; the last ends at its end.
    assert detect_events(p, 1) == [Event(0.0, 2.0, 1.0), Event(4.0, 4.5, 1.0)]
    assert detect_events(p, 0) == [Event(2.0, 4.0, 1.0)]
    with pytest.raises(ValueError, match="event label 'yes' is not one of"):
        detect_events(p, "yes")
    with pytest.raises(ValueError, match="threshold"):
        detect_events(p, 1, threshold=2)


def test_detect_events_on_a_trained_model():
    from skaudio import WaveformCNNClassifier

    rng = np.random.default_rng(0)
    t = np.arange(2000) / 8000
    noise = rng.normal(0, 0.3, (40, 2000))
    tone = np.sin(2 * np.pi * 1000 * t) + rng.normal(0, 0.3, (40, 2000))
    X = np.concatenate([noise, tone]).astype(np.float32)
    y = np.array(["noise"] * 40 + ["tone"] * 40)
    model = make_pipeline(
        PerSampleNormalizer(),
        WaveformCNNClassifier(
            architecture="simple", sample_rate=8000, max_epochs=15, random_state=0
        ),
    ).fit(X, y)
    recording = rng.normal(0, 0.3, 8000 * 4)
    recording[12000:20000] += np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)
    p = predict_windows(model, recording, sample_rate=8000, window=0.25, hop=0.125)
    (event,) = detect_events(p, "tone", min_duration=0.2)
    assert abs(event.onset - 1.5) <= 0.25 and abs(event.offset - 2.5) <= 0.25


def test_split_loader():
    pipe = make_pipeline(WaveformLoader(), PerSampleNormalizer(), LoudnessModel())
    loader, rest = split_loader(pipe)
    assert loader is pipe[0]
    assert [step for _, step in rest.steps] == [step for _, step in pipe.steps[1:]]
    assert [name for name, _ in rest.steps] == ["persamplenormalizer", "loudnessmodel"]
    loader, rest = split_loader(make_pipeline(WaveformLoader(), LoudnessModel()))
    assert isinstance(rest, LoudnessModel)
    model = LoudnessModel()
    assert split_loader(model) == (None, model)
