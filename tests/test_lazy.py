"""Lazy loading: WaveformLoader(lazy=True), LazyAudio and the classifiers on it."""

import pickle

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skaudio import (
    MelTransformer,
    PerSampleNormalizer,
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
    WaveformLoader,
)
from skaudio.datasets import make_tones
from skaudio.io import AudioLoadError
from skaudio.lazy import LazyAudio

RATE = 8000


@pytest.fixture
def clips(tmp_path):
    """24 tones of 3 classes as 0.3 s WAV files: ``(paths, y, groups)``."""
    X, y = make_tones(24, n_classes=3, duration=0.3, random_state=0)
    paths = []
    for i, x in enumerate(X):
        path = tmp_path / f"clip_{i:02d}.wav"
        sf.write(path, x, RATE, subtype="PCM_16")
        paths.append(str(path))
    return np.array(paths, dtype=object), y, np.arange(24) % 4


def _mel():
    return MelTransformer(sample_rate=RATE, n_fft=256, hop_length=64, n_mels=16)


def _pipeline(lazy, num_workers=0, classifier=None, **params):
    classifier = classifier or SpectrogramCNNClassifier(
        architecture="simple", filters=4
    )
    classifier.set_params(
        max_epochs=2,
        batch_size=5,
        device="cpu",
        random_state=0,
        iterator_train__num_workers=num_workers,
        iterator_valid__num_workers=num_workers,
        **params,
    )
    steps = [("load", WaveformLoader(sample_rate=RATE, lazy=lazy))]
    if not isinstance(classifier, WaveformCNNClassifier):
        steps.append(("mel", _mel()))
    return Pipeline([*steps, ("clf", classifier)])


def test_lazy_loader_gives_the_in_memory_waveforms(clips):
    paths, _, _ = clips
    eager = WaveformLoader(sample_rate=RATE).fit_transform(paths)
    lazy = WaveformLoader(sample_rate=RATE, lazy=True).fit_transform(paths)
    assert isinstance(lazy, LazyAudio)
    assert len(lazy) == 24 and lazy.shape == eager.shape
    assert lazy.sample_rate == RATE
    np.testing.assert_array_equal(lazy.load(), eager)
    np.testing.assert_array_equal(lazy[3], eager[3])
    np.testing.assert_array_equal(lazy[-1], eager[-1])
    np.testing.assert_array_equal(lazy[5:9].load(), eager[5:9])
    mask = np.arange(24) % 3 == 0
    np.testing.assert_array_equal(lazy[mask].load(), eager[mask])
    np.testing.assert_array_equal(lazy[[7, 2]].load(), eager[[7, 2]])


def test_stateless_steps_record_themselves(clips):
    paths, _, _ = clips
    eager_mel = _mel()
    eager = eager_mel.fit_transform(
        PerSampleNormalizer().fit_transform(
            WaveformLoader(sample_rate=RATE).fit_transform(paths)
        )
    )
    normalizer, mel = PerSampleNormalizer(), _mel()
    lazy = mel.fit_transform(
        normalizer.fit_transform(
            WaveformLoader(sample_rate=RATE, lazy=True).fit_transform(paths)
        )
    )
    assert [type(s) for s in lazy.steps] == [PerSampleNormalizer, MelTransformer]
    assert lazy.shape == eager.shape and lazy.sample_rate is None
    assert mel.n_features_in_ == eager_mel.n_features_in_
    np.testing.assert_array_equal(lazy.load(), eager)
    # Changing a step afterwards does not change what was recorded.
    mel.set_params(n_mels=8)
    assert lazy.load(slice(0, 1)).shape[2] == 16


def test_lazy_audio_refuses_to_become_an_array(clips):
    paths, _, _ = clips
    lazy = WaveformLoader(sample_rate=RATE, lazy=True).fit_transform(paths)
    with pytest.raises(TypeError, match=r"batch by batch.*\.load\(\)"):
        np.asarray(lazy)
    with pytest.raises(TypeError, match="WaveformLoader\\(lazy=False\\)"):
        StandardScaler().fit(lazy)
    with pytest.raises(IndexError, match="integer, a slice"):
        lazy[np.ones((2, 2), dtype=int)]


def test_step_settings_are_checked_when_the_pipeline_is_built(clips):
    paths, y, _ = clips
    # The clips are read at 8 kHz; a 16 kHz Mel step is refused at fit, on the
    # first clip, before any batch is decoded.
    pipeline = _pipeline(lazy=True).set_params(mel__sample_rate=16000)
    with pytest.raises(ValueError, match="sample_rate=16000 Hz but got waveforms"):
        pipeline.fit(paths, y)


@pytest.mark.parametrize("num_workers", [0, 2])
@pytest.mark.parametrize(
    "classifier",
    [
        SpectrogramCNNClassifier(architecture="simple", filters=4),
        SequenceCNNClassifier(n_blocks=1, filters=4),
        WaveformCNNClassifier(
            architecture="simple",
            filters=(4, 4),
            kernel_sizes=(9, 3),
            stride=4,
            pool=2,
            sample_rate=RATE,
        ),
    ],
    ids=lambda c: type(c).__name__,
)
def test_lazy_fit_and_predict_equal_in_memory(clips, classifier, num_workers):
    paths, y, _ = clips
    # early_stopping also checks the validation split of the lazy dataset.
    params = {"early_stopping": True, "validation_fraction": 0.25}
    eager = _pipeline(False, 0, clone(classifier), **params).fit(paths, y)
    lazy = _pipeline(True, num_workers, clone(classifier), **params).fit(paths, y)
    np.testing.assert_array_equal(lazy.predict_proba(paths), eager.predict_proba(paths))
    assert lazy[-1].input_shape_ == eager[-1].input_shape_
    assert lazy[-1].n_features_in_ == eager[-1].n_features_in_
    np.testing.assert_array_equal(
        lazy[-1].history[:, "valid_loss"], eager[-1].history[:, "valid_loss"]
    )


def test_lazy_pipeline_in_grid_search_with_groups(clips):
    paths, y, groups = clips
    grid = {"clf__lr": [1e-3, 1e-2]}
    cv = GroupKFold(n_splits=2)
    results = [
        GridSearchCV(_pipeline(lazy), grid, cv=cv).fit(paths, y, groups=groups)
        for lazy in (False, True)
    ]
    np.testing.assert_array_equal(
        results[1].cv_results_["mean_test_score"],
        results[0].cv_results_["mean_test_score"],
    )
    # A LazyAudio itself is split by scikit-learn like an array.
    loader = WaveformLoader(sample_rate=RATE)
    eager, lazy = (
        _mel().fit_transform(loader.set_params(lazy=lazy).fit_transform(paths))
        for lazy in (False, True)
    )
    clf = _pipeline(False)[-1]
    np.testing.assert_array_equal(
        cross_val_score(clf, lazy, y, groups=groups, cv=cv),
        cross_val_score(clf, eager, y, groups=groups, cv=cv),
    )


def test_fitted_lazy_pipeline_clones_and_pickles(clips):
    paths, y, _ = clips
    pipeline = _pipeline(lazy=True)
    assert clone(pipeline).get_params()["load__lazy"] is True
    pipeline.fit(paths, y)
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(
        restored.predict_proba(paths), pipeline.predict_proba(paths)
    )
    lazy = pipeline[:-1].transform(paths)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(lazy)).load(), lazy.load())


@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_bad_file_is_named_when_its_batch_is_decoded(clips, tmp_path, num_workers):
    paths, y, _ = clips
    pipeline = _pipeline(lazy=True, num_workers=num_workers).fit(paths, y)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    error = AudioLoadError if num_workers == 0 else RuntimeError
    with pytest.raises(error, match="broken.wav.*not a readable audio file"):
        pipeline.predict(np.array([*paths[:3], str(broken)], dtype=object))


def test_clips_of_another_length_in_a_later_batch_are_an_error(clips, tmp_path):
    paths, y, _ = clips
    longer = tmp_path / "longer.wav"
    sf.write(longer, np.zeros(RATE), RATE, subtype="PCM_16")
    pipeline = _pipeline(lazy=True).set_params(load__duration=None).fit(paths, y)
    # Batches of 5: the longer clip comes alone, in the second batch.
    X = np.array([*paths[:5], str(longer)], dtype=object)
    with pytest.raises(ValueError, match="longer.wav.*Set WaveformLoader's duration"):
        pipeline.predict(X)


def test_lazy_audio_as_a_torch_dataset(clips):
    paths, y, _ = clips
    lazy = WaveformLoader(sample_rate=RATE, lazy=True).fit_transform(paths)
    dataset = lazy.dataset(y, example_shape=(1, lazy.shape[1]))
    x, target = dataset[4]
    assert tuple(x.shape) == (1, lazy.shape[1]) and int(target) == y[4]
    with pytest.raises(ValueError, match="Cannot reshape examples"):
        lazy.dataset(example_shape=(3, 7))
    with pytest.raises(ValueError, match="y has 2 targets for 24 files"):
        lazy.dataset(y[:2])


def test_partial_fit_on_lazy_audio(clips):
    paths, y, _ = clips
    X = _mel().fit_transform(
        WaveformLoader(sample_rate=RATE, lazy=True).fit_transform(paths)
    )
    clf = SpectrogramCNNClassifier(
        architecture="simple", filters=4, max_epochs=1, device="cpu", random_state=0
    )
    clf.partial_fit(X[:12], y[:12], classes=[0, 1, 2]).partial_fit(X[12:], y[12:])
    assert len(clf.history) == 2
    assert clf.predict_proba(X).shape == (24, 3)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, y[:5])
