import pickle

import joblib
import numpy as np
import pytest
import soundfile as sf
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import Pipeline
from torch import nn

from skaudio import (
    MelTransformer,
    MFCCTransformer,
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformLoader,
)
from skaudio._compat import InvalidParameterError
from skaudio.datasets import load_fsdd, make_tones
from skaudio.nn.sequence import SequenceCNN
from skaudio.nn.spectrogram import SpectrogramCNN, VisionBackbone

TINY = {"max_epochs": 3, "batch_size": 16, "device": "cpu", "random_state": 0}
SMALL_MEL = {"sample_rate": 8000, "n_fft": 256, "hop_length": 64, "n_mels": 32}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Tiny networks: a second thread only adds synchronisation, and on a busy
    # 2-core machine it made these fits 5-25x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tone_mels():
    """60 log-Mel images (60, 1, 32, 32) of 3 tone classes, with string labels."""
    X, y = make_tones(60, n_classes=3, duration=0.25, random_state=0)
    names = np.array(["low", "mid", "high"])[y]
    return MelTransformer(**SMALL_MEL).fit_transform(X), names


@pytest.fixture(scope="module")
def fsdd_subset(fsdd_home):
    """Digits 0-2, takes 0-4, of all six speakers: 90 one-second clips at 16 kHz."""
    bunch = load_fsdd(fsdd_home)
    y = np.asarray(bunch.target)
    keep = (y < 3) & (np.asarray(bunch.take) < 5)
    X = WaveformLoader(duration=1.0).fit_transform(np.asarray(bunch.filenames)[keep])
    return X, y[keep], np.asarray(bunch.groups)[keep]


# -- canonical pipelines on FSDD, leave one speaker out -----------------------


@pytest.mark.fsdd
def test_mel_spectrogram_cnn_pipeline_leave_one_speaker_out(fsdd_subset):
    X, y, speakers = fsdd_subset
    pipe = Pipeline([("mel", MelTransformer()), ("cnn", SpectrogramCNNClassifier())])
    # A small net without dropout: 75 training clips per fold.
    pipe.set_params(
        cnn__filters=8,
        cnn__n_blocks=3,
        cnn__dropout=0.0,
        cnn__max_epochs=60,
        cnn__lr=3e-3,
        cnn__batch_size=16,
        cnn__device="cpu",
        cnn__random_state=0,
    )
    scores = cross_val_score(pipe, X, y, groups=speakers, cv=LeaveOneGroupOut())
    assert len(scores) == 6
    # Chance is 1/3; unseen speakers from 75 clips are hard for a 2-D CNN
    # (measured: 0.61 mean, folds 0.33-1.0).
    assert scores.mean() > 0.45


@pytest.mark.fsdd
def test_mfcc_sequence_cnn_pipeline_leave_one_speaker_out(fsdd_subset):
    X, y, speakers = fsdd_subset
    pipe = Pipeline(
        [
            (
                "mfcc",
                MFCCTransformer(n_fft=512, hop_length=256, layout="sequence"),
            ),
            ("cnn", SequenceCNNClassifier()),
        ]
    )
    pipe.set_params(
        cnn__filters=16,
        cnn__max_epochs=20,
        cnn__lr=3e-3,
        cnn__batch_size=16,
        cnn__device="cpu",
        cnn__random_state=0,
    )
    scores = cross_val_score(pipe, X, y, groups=speakers, cv=LeaveOneGroupOut())
    assert len(scores) == 6
    assert scores.mean() > 0.55  # chance is 1/3; measured 0.71


# -- binary event detection ---------------------------------------------------


def _events_in_noise(n, random_state):
    """Half the clips hold a 0.1 s 1.5 kHz tone burst somewhere in 0.5 s of noise."""
    rng = np.random.default_rng(random_state)
    sr, n_times, n_burst = 8000, 4000, 800
    X = 0.3 * rng.standard_normal((n, n_times))
    y = np.where(np.arange(n) % 2, "event", "background")
    t = np.arange(n_burst) / sr
    for i in np.flatnonzero(y == "event"):
        start = rng.integers(0, n_times - n_burst)
        X[i, start : start + n_burst] += 0.3 * np.sin(2 * np.pi * 1500 * t)
    return X.astype(np.float32), y


def test_binary_event_detection_in_noise():
    X_train, y_train = _events_in_noise(80, random_state=0)
    X_test, y_test = _events_in_noise(40, random_state=1)
    detector = Pipeline(
        [
            ("mel", MelTransformer(**SMALL_MEL, layout="sequence")),
            (
                "cnn",
                SequenceCNNClassifier(
                    filters=16,
                    lr=3e-3,
                    max_epochs=15,
                    batch_size=16,
                    device="cpu",
                    random_state=0,
                ),
            ),
        ]
    ).fit(X_train, y_train)
    assert list(detector.classes_) == ["background", "event"]
    assert np.mean(detector.predict(X_test) == y_test) >= 0.9
    p_event = detector.predict_proba(X_test)[:, 1]
    assert p_event[y_test == "event"].mean() > p_event[y_test == "background"].mean()


# -- labels, persistence, shapes ---------------------------------------------


def _sequences(X):
    return X[:, 0]  # (n, n_mels, n_frames): Mel bands as channels


@pytest.mark.parametrize(
    ("make", "to_input"),
    [
        (lambda: SpectrogramCNNClassifier(filters=4, n_blocks=2, **TINY), None),
        (lambda: SequenceCNNClassifier(filters=8, **TINY), _sequences),
    ],
    ids=["spectrogram", "sequence"],
)
def test_string_labels_and_joblib_round_trip(tmp_path, tone_mels, make, to_input):
    X, y = tone_mels
    X = X if to_input is None else to_input(X)
    clf = make().fit(X, y)
    assert list(clf.classes_) == ["high", "low", "mid"]
    assert set(clf.predict(X)) <= {"high", "low", "mid"}
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_whole_pipeline_pickles(tone_mels):
    X, y = make_tones(30, n_classes=3, duration=0.25, random_state=0)
    pipe = Pipeline(
        [
            ("mel", MelTransformer(**SMALL_MEL)),
            ("cnn", SpectrogramCNNClassifier(**TINY)),
        ]
    ).fit(X, y)
    loaded = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(loaded.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize(
    ("shape", "input_shape"),
    [
        ((12, 1, 13, 7), (1, 13, 7)),
        ((12, 2, 40, 5), (2, 40, 5)),
        ((12, 20, 9), (1, 20, 9)),
        ((12, 1, 1, 1), (1, 1, 1)),
    ],
)
def test_spectrogram_classifier_input_sizes(shape, input_shape):
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape).astype(np.float32)
    y = np.arange(shape[0]) % 2
    clf = SpectrogramCNNClassifier(filters=4, n_blocks=3, **TINY).fit(X, y)
    assert clf.input_shape_ == input_shape
    assert clf.module_.in_channels == input_shape[0]
    assert clf.predict_proba(X).shape == (shape[0], 2)
    longer = np.zeros((2, *shape[1:-1], shape[-1] + 1), dtype=np.float32)
    with pytest.raises(ValueError, match="was fitted on shape"):
        clf.predict(longer)
    with pytest.raises(ValueError, match="expects X of 3 or 4"):
        clf.predict(np.zeros((2, shape[1]), dtype=np.float32))


def test_sequence_classifier_input_layouts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 6, 20)).astype(np.float32)
    y = np.arange(12) % 3
    clf = SequenceCNNClassifier(filters=4, **TINY).fit(X, y)
    assert clf.input_shape_ == (6, 20)
    assert clf.module_.in_channels == 6 and clf.module_.n_classes == 3
    with pytest.raises(ValueError, match="expecting 6 features"):
        clf.predict(X[:, :5])


# -- architectures and hyperparameters ----------------------------------------


def _conv_widths(module):
    return [m.out_channels for m in module.modules() if isinstance(m, nn.Conv2d)]


def test_architecture_presets_and_overrides(tone_mels):
    X, y = tone_mels
    simple = SpectrogramCNNClassifier(architecture="simple", **TINY).fit(X, y)
    assert _conv_widths(simple.module_) == [16, 32]
    vgg = SpectrogramCNNClassifier(**TINY).fit(X, y)
    assert isinstance(vgg.module_, SpectrogramCNN)
    assert _conv_widths(vgg.module_) == [16, 32, 64, 128]
    small = SpectrogramCNNClassifier(architecture="simple", filters=4, **TINY)
    assert _conv_widths(small.fit(X, y).module_) == [4, 8]
    tall = SpectrogramCNNClassifier(n_blocks=2, kernel_size=(7, 3), pool=(1, 2), **TINY)
    convs = [m for m in tall.fit(X, y).module_.modules() if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(7, 3), (7, 3)]


@pytest.mark.parametrize("architecture", VisionBackbone.architectures)
def test_vision_backbones_train(tone_mels, architecture):
    pytest.importorskip("torchvision")
    X, y = tone_mels
    clf = SpectrogramCNNClassifier(
        architecture=architecture, **{**TINY, "max_epochs": 1}
    )
    clf.fit(X[:20], y[:20])
    assert isinstance(clf.module_, VisionBackbone)
    assert clf.predict_proba(X[:3]).shape == (3, 3)


def test_backbone_weights_file_reaches_the_network(tmp_path, tone_mels):
    torchvision = pytest.importorskip("torchvision")
    X, y = tone_mels
    state = torchvision.models.resnet18(weights=None).state_dict()
    path = tmp_path / "resnet18-imagenet.pth"
    torch.save(state, path)
    clf = SpectrogramCNNClassifier(
        architecture="resnet18", weights=str(path), **{**TINY, "max_epochs": 0}
    ).fit(X, y)
    network = clf.module_.network
    torch.testing.assert_close(
        network.layer1[0].conv1.weight, state["layer1.0.conv1.weight"]
    )
    torch.testing.assert_close(
        network.conv1.weight, state["conv1.weight"].mean(dim=1, keepdim=True)
    )


def test_hyperparameters_that_do_not_apply_are_errors(tone_mels, tmp_path):
    X, y = tone_mels
    with pytest.raises(ValueError, match="n_blocks=2 does not apply"):
        SpectrogramCNNClassifier(architecture="resnet18", n_blocks=2, **TINY).fit(X, y)
    with pytest.raises(ValueError, match="weights=.* does not apply"):
        SpectrogramCNNClassifier(weights=str(tmp_path / "w.pth"), **TINY).fit(X, y)


def test_grid_search_over_network_parameters(tone_mels):
    X, y = tone_mels
    search = GridSearchCV(
        SpectrogramCNNClassifier(filters=4, **TINY),
        {"n_blocks": [1, 2], "kernel_size": [3, (5, 3)]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    convs = [m for m in best.module_.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == best.n_blocks
    expected = (3, 3) if best.kernel_size == 3 else (5, 3)
    assert convs[0].kernel_size == expected


def test_sequence_grid_parameters_reach_the_network(tone_mels):
    X, y = tone_mels
    clf = SequenceCNNClassifier(
        n_blocks=3, filters=(4, 6, 8), kernel_size=3, head="lstm", **TINY
    )
    clf.set_params(hidden_size=5, bidirectional=True).fit(_sequences(X), y)
    assert isinstance(clf.module_, SequenceCNN)
    convs = [m for m in clf.module_.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.out_channels, c.kernel_size) for c in convs] == [
        (4, (3,)),
        (6, (3,)),
        (8, (3,)),
    ]
    assert isinstance(clf.module_.rnn, nn.LSTM) and clf.module_.rnn.hidden_size == 5


# -- the estimator contract, by hand (the common checks need 2-D input) -------


def test_spectrogram_classifier_contract(tone_mels):
    X, y = tone_mels
    clf = SpectrogramCNNClassifier(n_blocks=2, filters=4, **TINY)
    params = clf.get_params(deep=False)
    assert params["n_blocks"] == 2 and params["architecture"] == "vgg"
    assert params["max_epochs"] == 3 and params["device"] == "cpu"
    twin = clone(clf)
    assert twin.get_params(deep=False) == params
    with pytest.raises(NotFittedError):
        clf.predict(X)
    a = clf.fit(X, y).predict_proba(X)
    b = twin.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)  # same random_state, same model
    assert clone(clf).get_params(deep=False) == params  # fitting changed no parameter
    with pytest.raises(InvalidParameterError, match="norm"):
        SpectrogramCNNClassifier(norm="weight", **TINY).fit(X, y)
    with pytest.raises(InvalidParameterError, match="architecture"):
        SpectrogramCNNClassifier(architecture="vgg16", **TINY).fit(X, y)


# -- default pipelines on files of any rate -------------------------------------


def _tone_files(folder, sample_rate, n=6, seconds=0.5):
    """``n`` clips at ``sample_rate``: low and high tones, alternating."""
    folder.mkdir()
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    paths = []
    for i in range(n):
        paths.append(folder / f"{i}.wav")
        sf.write(
            paths[-1], np.sin(2 * np.pi * (300 if i % 2 else 2000) * t), sample_rate
        )
    return paths, np.array(["high", "low"] * (n // 2))


@pytest.mark.parametrize("sample_rate", [8000, 16000, 44100])
@pytest.mark.parametrize(
    "features, classifier",
    [
        (MelTransformer, SpectrogramCNNClassifier),
        (MFCCTransformer, SequenceCNNClassifier),
        (MFCCTransformer, SpectrogramCNNClassifier),
        (MelTransformer, SequenceCNNClassifier),
    ],
)
def test_default_pipelines_fit_files_of_any_rate(
    tmp_path, sample_rate, features, classifier
):
    paths, y = _tone_files(tmp_path / "clips", sample_rate)
    pipe = Pipeline(
        [
            ("load", WaveformLoader()),
            ("features", features()),
            ("cnn", classifier(max_epochs=1, random_state=0)),
        ]
    ).fit(paths, y)
    assert pipe.named_steps["load"].sample_rate_ == 16000
    assert pipe.predict_proba(paths).shape == (6, 2)


def test_rate_mismatch_between_steps_names_both_rates(tmp_path):
    paths, y = _tone_files(tmp_path / "clips", 44100)
    X = WaveformLoader(sample_rate=None).fit_transform(paths)
    for step in (MelTransformer(), MFCCTransformer()):
        with pytest.raises(
            ValueError, match=r"sample_rate=16000 Hz.*loaded at 44100 Hz"
        ):
            step.fit(X)
    pipe = Pipeline([("mel", MelTransformer()), ("cnn", SpectrogramCNNClassifier())])
    with pytest.raises(ValueError, match=r"MelTransformer\(sample_rate=44100\)"):
        pipe.fit(X, y)
    # A fitted pipeline refuses waveforms of another rate at predict too.
    pipe = Pipeline(
        [
            ("mel", MelTransformer(sample_rate=44100, n_fft=2048, hop_length=1024)),
            ("cnn", SpectrogramCNNClassifier(max_epochs=1, random_state=0)),
        ]
    ).fit(X, y)
    X16 = WaveformLoader(duration=0.5).fit_transform(paths)
    with pytest.raises(ValueError, match="44100 Hz but got waveforms loaded at 16000"):
        pipe.predict(X16)
    # Plain arrays carry no rate and are taken as they are.
    assert pipe.predict(np.asarray(X)).shape == (6,)
