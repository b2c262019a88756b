"""scikit-learn's common estimator checks over every estimator of skaudio.

Estimators are discovered by walking the package, so a new one is checked
without being listed here. Each gets cheap parameters from ``CHECK_PARAMS``;
``EXPECTED_FAILED_CHECKS`` names every check it is known to fail and why.
"""

import importlib
import inspect
import pkgutil
from importlib.util import find_spec

import numpy as np
import pytest
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

import skaudio

# Cheap settings so that the checks run in seconds (tiny networks, few epochs).
# The feature transformers get clips of 1 to 10 samples from these checks, so
# a tiny FFT with zero padding (any length works) and a Mel filterbank whose
# filters all cover one of its 5 bins.
_TINY_STFT = {"n_fft": 8, "hop_length": 2, "pad_mode": "constant"}
CHECK_PARAMS = {
    "MelTransformer": {**_TINY_STFT, "n_mels": 2},
    "MFCCTransformer": {**_TINY_STFT, "n_mels": 2, "n_mfcc": 2},
    "RandomRoll": {"n_rolls": 2, "random_state": 0},
    "SpectrogramTransformer": _TINY_STFT,
    # The checks feed (n, 2..20) arrays: a two-layer net with short kernels.
    "WaveformCNNClassifier": {
        "architecture": "simple",
        "filters": (4, 8),
        "kernel_sizes": (3, 3),
        "stride": 1,
        "pool": 1,
        "max_epochs": 10,
        "lr": 0.05,
        "batch_size": 64,
        "device": "cpu",
        "random_state": 0,
    },
    # (n, n_features) arrays are read as one-channel sequences of n_features
    # frames: one short block, no per-example standardisation (it would erase
    # the offsets that tell the checks' blobs apart).
    "SequenceCNNClassifier": {
        "n_blocks": 1,
        "filters": 8,
        "kernel_size": 3,
        "pool": 1,
        "dropout": 0.0,
        "input_norm": "none",
        "max_epochs": 10,
        "lr": 0.05,
        "batch_size": 64,
        "device": "cpu",
        "random_state": 0,
    },
    # The checks feed (n, 2..20) arrays: tiny networks and a tiny STFT.
    "WaveformDenoiser": {
        "n_layers": 2,
        "filters": 4,
        "kernel_size": 3,
        "max_epochs": 2,
        "device": "cpu",
        "random_state": 0,
    },
    "SpectrogramSeparator": {
        "n_fft": 8,
        "hop_length": 2,
        "kernel_sizes": (3,),
        "widths": 4,
        "n_layers": 1,
        "max_epochs": 2,
        "device": "cpu",
        "random_state": 0,
    },
}

_SKORCH_INIT = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_, which the rest of skorch reads before fit"
    ),
}
# The checks fit a regressor on one target column, y of shape (n,) or (n, 1).
# The denoiser's target is a waveform shaped like X, the separator's has shape
# (n, n_sources, n_times), so every check that fits them on the checks' own y
# stops at the shape of y. tests/test_regressors.py checks the same properties
# (pickle, idempotent fit, sample order, n_features_in_, dtypes, NaN, memmap,
# parameters not overwritten) with waveform targets.
_WAVEFORM_TARGET_CHECKS = (
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_partial_fit_n_features",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_regressor_data_not_an_array",
    "check_regressor_multioutput",
    "check_regressors_int",
    "check_regressors_no_decision_function",
    "check_regressors_train",
)
_WAVEFORM_TARGETS = {
    **_SKORCH_INIT,
    **dict.fromkeys(
        _WAVEFORM_TARGET_CHECKS,
        "targets are waveforms (shaped like X, or one per source); the check "
        "fits on one target column",
    ),
}
_WAVEFORM_TARGETS["check_n_features_in_after_fitting"] += (
    "; and predict takes recordings of any length (the networks are "
    "convolutional along time), so a clip length unlike fit's is no error"
)
# {estimator name: {check name: reason}}
EXPECTED_FAILED_CHECKS = {
    "WaveformCNNClassifier": _SKORCH_INIT,
    "SequenceCNNClassifier": _SKORCH_INIT,
    "WaveformDenoiser": _WAVEFORM_TARGETS,
    "SpectrogramSeparator": _WAVEFORM_TARGETS,
}

# Estimators whose input is not a numeric 2-D array: the common checks cannot
# feed them (sklearn yields no check for them) so they have their own tests.
HAND_TESTED = {
    "SpectrogramCNNClassifier": (
        "takes 3-D/4-D spectrograms; see tests/test_spectrogram_classifiers.py"
    ),
    "WaveformLoader": "takes file paths; see tests/test_io.py",
}


# Modules that need an optional extra (module -> a package of that extra).
OPTIONAL = {"skaudio.cluster": "distributed"}


def _discover_estimators():
    classes = {}
    for module in pkgutil.walk_packages(skaudio.__path__, "skaudio."):
        if module.name in OPTIONAL and find_spec(OPTIONAL[module.name]) is None:
            continue
        for name, obj in inspect.getmembers(importlib.import_module(module.name)):
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                # Augmentation objects (skaudio.augment) are parameters of the
                # classifiers, with get_params for clone/repr, not estimators.
                and hasattr(obj, "fit")
                and obj.__module__.startswith("skaudio")
                and not name.startswith("_")
            ):
                classes[name] = obj
    return dict(sorted(classes.items()))


ESTIMATORS = _discover_estimators()


def _instances():
    for name, cls in ESTIMATORS.items():
        if name not in HAND_TESTED:
            yield cls(**CHECK_PARAMS.get(name, {}))


@parametrize_with_checks(
    list(_instances()),
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", sorted(HAND_TESTED))
def test_hand_tested_estimators_are_skipped_by_sklearn(name):
    # If sklearn starts yielding checks for one of these, test it here instead.
    assert not get_tags(ESTIMATORS[name]()).input_tags.two_d_array


def test_every_estimator_is_exported():
    assert set(ESTIMATORS) <= set(skaudio.__all__)


@pytest.mark.parametrize(
    "name", [name for name in ESTIMATORS if name != "WaveformLoader"]
)
def test_file_paths_and_a_single_example_are_named(name):
    estimator = ESTIMATORS[name](**CHECK_PARAMS.get(name, {}))
    paths = np.array([["a.wav"], ["b.wav"]])
    one = np.zeros(64, dtype=np.float32)
    y_paths = [0, 1] if is_classifier(estimator) else None
    y_one = one if is_regressor(estimator) else None
    with pytest.raises(
        TypeError, match=f"{name} takes arrays.*'a.wav'.*WaveformLoader"
    ):
        estimator.fit(paths, paths if is_regressor(estimator) else y_paths)
    with pytest.raises(ValueError, match=r"X of shape \(64,\), one example"):
        estimator.fit(one, y_one)
    numbers = np.full((2, 64), 0.5).astype(str)
    with pytest.raises(
        TypeError, match=rf"^{name} takes arrays .* X holds text \(e.g. '0.5'\): "
    ):
        estimator.fit(numbers, numbers if is_regressor(estimator) else y_paths)
    complex_ = np.ones((2, 64), dtype=np.complex64)
    with pytest.raises(
        ValueError, match=rf"^Complex data not supported: {name} takes real"
    ):
        estimator.fit(complex_, complex_.real if is_regressor(estimator) else y_paths)
