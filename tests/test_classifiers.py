import inspect
import os
import pickle
import re
import subprocess
import sys
import warnings
from numbers import Integral

import joblib
import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import get_tags
from skorch.callbacks import Callback, LRScheduler

from skaudio._compat import Interval, InvalidParameterError
from skaudio.classifiers import (
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
)
from skaudio.classifiers._base import _AudioCNNClassifier
from skaudio.datasets import load_fsdd, make_tones
from skaudio.io import WaveformLoader, Waveforms
from skaudio.nn import LVFlat, RollMix
from skaudio.preprocessing import PerSampleNormalizer
from skaudio.presets import stride_pool_grid

# A small LV-Flat that still learns the tones in a few epochs.
SMALL = {
    "architecture": "lv-24",
    "filters": (4, 8, 8),
    "dense_units": 8,
    "sample_rate": 8000,
    "max_epochs": 3,
    "lr": 0.01,
    "batch_size": 16,
    "device": "cpu",
}


# -- the contract every classifier keeps ----------------------------------------
# Each family with a small network and the tones reshaped to its input:
# (class, parameters, X from the (60, 2000) tones, input_shape_, n_features_in_).
FAMILIES = {
    "waveform": (WaveformCNNClassifier, SMALL, lambda X: X, (1, 2000), 2000),
    "spectrogram": (
        SpectrogramCNNClassifier,
        {"architecture": "simple", **{k: SMALL[k] for k in ("max_epochs", "lr")}},
        lambda X: X.reshape(len(X), 1, 40, 50),
        (1, 40, 50),
        1,
    ),
    "sequence": (
        SequenceCNNClassifier,
        {"n_blocks": 1, "filters": 8, "max_epochs": 3, "lr": 0.01},
        lambda X: X.reshape(len(X), 20, 100),
        (20, 100),
        20,
    ),
}


@pytest.fixture(params=sorted(FAMILIES))
def family(request, tones):
    """``(make, X, y, input_shape, n_features)`` of one classifier family."""
    cls, params, reshape, input_shape, n_features = FAMILIES[request.param]
    X, y = tones

    def make(**overrides):
        return cls(**{**params, "batch_size": 16, "device": "cpu", **overrides})

    return make, reshape(X), y, input_shape, n_features


def test_string_labels(family):
    make, X, y, input_shape, n_features = family
    y = np.array(["low", "mid", "high"], dtype=object)[y]
    clf = make(random_state=0).fit(X, y)
    assert list(clf.classes_) == ["high", "low", "mid"]
    pred = clf.predict(X)
    assert pred.dtype == object and set(pred) <= set(clf.classes_)
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.input_shape_ == input_shape and clf.n_features_in_ == n_features
    assert clf.module_.n_classes == 3 and clf.module_.in_channels == input_shape[0]


def test_log_proba_is_the_log_of_proba_and_stays_finite(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=1, random_state=0).fit(X, y)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert log_proba.shape == (60, 3) and log_proba.dtype == np.float32
    np.testing.assert_allclose(np.exp(log_proba), proba, atol=1e-6)
    # In a pipeline, and by one batch or several (skorch's batched path).
    # CUDA's kernels round differently for other batch sizes (2e-7 seen).
    pipe = make_pipeline(FunctionTransformer(), clf)
    np.testing.assert_array_equal(pipe.predict_log_proba(X), log_proba)
    np.testing.assert_allclose(
        clf.predict_log_proba(X[:4]), log_proba[:4], rtol=0, atol=1e-6
    )
    # Logits far apart: float32 probabilities of 0, finite logarithms.
    output_layer = [m for m in clf.module_.modules() if isinstance(m, torch.nn.Linear)][
        -1
    ]
    with torch.no_grad():
        for param in output_layer.parameters():
            param.mul_(1e4)
    assert (clf.predict_proba(X) == 0).any()
    assert np.isfinite(clf.predict_log_proba(X)).all()


def test_non_finite_examples_are_named(family):
    make, X, y, _, _ = family
    X = X.copy()
    X[7].flat[3] = np.nan
    X[9].flat[0] = -np.inf
    message = (
        r"^X holds NaN or infinite values in 2 of its 60 examples \(the first: X\[7\]\)"
    )
    with pytest.raises(ValueError, match=message):
        make(max_epochs=1).fit(X, y)
    clf = make(max_epochs=1).fit(np.nan_to_num(X, posinf=0, neginf=0), y)
    with pytest.raises(ValueError, match=message):
        clf.predict(X)


def test_a_loss_that_is_no_longer_a_number_stops_the_fit(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=3, lr=1e30, random_state=0)
    with pytest.raises(ValueError, match=r"the training loss became nan in epoch \d"):
        clf.fit(X, y)
    assert len(clf.history_) < 3  # stopped at once


def test_an_unknown_device_is_named(family):
    make, X, y, _, _ = family
    with pytest.raises(ValueError, match=r"^device='tpu' is not a torch device: use"):
        make(device="tpu").fit(X, y)
    if torch.cuda.is_available():
        return
    absent = r"^device='cuda' but CUDA is not available on this machine; use"
    with pytest.raises(ValueError, match=absent):
        make(device="cuda").fit(X, y)
    clf = make(max_epochs=1).fit(X, y).set_params(device="cuda")
    with pytest.raises(ValueError, match=absent):
        clf.predict(X)


def test_int_labels_keep_their_values(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=1, random_state=0).fit(X, y * 10 + 5)
    assert list(clf.classes_) == [5, 15, 25]
    assert set(clf.predict(X)) <= {5, 15, 25}


def test_same_seed_same_fit(family):
    make, X, y, _, _ = family
    first = make(random_state=7).fit(X, y)
    second = make(random_state=7).fit(X, y)
    other = make(random_state=8).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    np.testing.assert_array_equal(
        first.fit(X, y).predict_proba(X), second.predict_proba(X)
    )


def test_clone_is_unfitted_with_the_same_parameters(family):
    make, X, y, _, _ = family
    clf = make(random_state=0)
    params = clf.get_params(deep=False)
    clf.fit(X, y)
    twin = clone(clf)
    assert not hasattr(twin, "module_") and not hasattr(twin, "classes_")
    assert twin.get_params(deep=False).keys() == params.keys()
    for name, value in clf.get_params(deep=False).items():
        assert value is params[name] or value == params[name], name
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), clf.predict_proba(X))


def test_learns_the_tones(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 15}, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.9


@pytest.mark.parametrize("architecture", ["lv-24", "rollmix"])
def test_same_seed_same_predictions(tones, architecture):
    X, y = tones
    params = {**SMALL, "architecture": architecture, "max_epochs": 2}
    if architecture == "rollmix":
        params["n_rolls"] = 2
    first = WaveformCNNClassifier(**params, random_state=7).fit(X, y)
    second = WaveformCNNClassifier(**params, random_state=7).fit(X, y)
    other = WaveformCNNClassifier(**params, random_state=8).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    # Refitting the same estimator repeats itself too.
    np.testing.assert_array_equal(
        first.fit(X, y).predict_proba(X), second.predict_proba(X)
    )


def test_seeding_leaves_torch_global_state_alone(family):
    make, X, y, _, _ = family
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make(max_epochs=1, random_state=0).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_joblib_round_trip_of_fitted_pipeline(tmp_path, family):
    make, X, y, _, _ = family
    y = np.array(["low", "mid", "high"], dtype=object)[y]
    pipe = make_pipeline(FunctionTransformer(), make(random_state=0)).fit(X, y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert loaded[-1].get_params()["device"] == "cpu"


def test_waveform_pipeline_with_normalizer_round_trips(tmp_path, tones):
    X, y = tones
    pipe = make_pipeline(
        PerSampleNormalizer(), WaveformCNNClassifier(**SMALL, random_state=0)
    ).fit(X, y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


def test_device_auto(family):
    make, X, y, _, _ = family
    clf = make(device="auto", max_epochs=1)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.device == expected
    assert clf.get_params()["device"] == "auto"
    assert clone(clf).get_params()["device"] == "auto"
    clf.fit(X, y)
    assert next(clf.module_.parameters()).device.type == expected
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.get_params()["device"] == "auto"
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_grid_search_over_stride_and_pool_with_groups(fsdd_home):
    fsdd = load_fsdd(fsdd_home)
    speakers = np.unique(fsdd.groups)[:3]
    keep = np.isin(fsdd.groups, speakers) & (fsdd.target < 3) & (fsdd.take < 4)
    paths, y, groups = fsdd.filenames[keep], fsdd.target[keep], fsdd.groups[keep]
    assert len(paths) == 36
    pipe = make_pipeline(
        WaveformLoader(sample_rate=8000, duration=0.5, n_jobs=1),
        PerSampleNormalizer(),
        WaveformCNNClassifier(**{**SMALL, "max_epochs": 2}, random_state=0),
    )
    pipe.steps[-1] = ("cnn", pipe.steps[-1][1])
    grid = stride_pool_grid(8000, prefix="cnn__")[1:3]  # (2, 2) and (4, 1)
    search = GridSearchCV(pipe, grid, cv=LeaveOneGroupOut(), n_jobs=1)
    search.fit(paths, y, groups=groups)
    assert search.n_splits_ == 3
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_ in [
        {"cnn__stride": 2, "cnn__pool": 2},
        {"cnn__stride": 4, "cnn__pool": 1},
    ]
    best = search.best_estimator_.named_steps["cnn"]
    assert (best.module_.stride, best.module_.pool) == (
        search.best_params_["cnn__stride"],
        search.best_params_["cnn__pool"],
    )
    assert set(search.predict(paths[:4])) <= {0, 1, 2}


def test_hyperparameters_reach_the_network(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).set_params(
        stride=4, pool=1, kernel_size=5, dropout=0.0
    )
    clf.fit(X, y)
    net = clf.module_
    assert isinstance(net, LVFlat)
    assert (net.stride, net.pool, net.kernel_size, net.dropout) == (4, 1, 5, 0.0)
    assert net.filters == (4, 8, 8) and net.dense_units == 8
    # An unset hyperparameter keeps the preset's value, pool halved at 8 kHz.
    lv24 = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y).module_
    assert (lv24.stride, lv24.pool) == (2, 2)
    # skorch's module__ arguments win over everything.
    net = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}, module__pool=3).fit(X, y)
    assert net.module_.pool == 3


def test_presets_and_custom_network(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "architecture": "rollmix"}, n_rolls=2)
    assert isinstance(clf.set_params(max_epochs=1).fit(X, y).module_, RollMix)
    clf = WaveformCNNClassifier(**{**SMALL, "architecture": LVFlat, "max_epochs": 1})
    assert clf.fit(X, y).module_.pool == 8  # LVFlat's own default
    with pytest.raises(ValueError, match="n_rolls=2 does not apply"):
        WaveformCNNClassifier(**SMALL, n_rolls=2).fit(X, y)
    with pytest.raises(InvalidParameterError, match="architecture"):
        WaveformCNNClassifier(architecture="lv-99").fit(X, y)


def test_short_inputs(tones):
    X, y = tones
    X = X[:, :100]  # lv-24 at 8 kHz needs 127 samples
    clf = WaveformCNNClassifier(**SMALL, random_state=0).fit(X, y)
    assert clf.module_.min_length > 100
    assert clf.predict(X).shape == (60,)
    with pytest.raises(ValueError, match="100 features"):
        clf.predict(X[:, :50])


def test_multichannel_and_bad_shapes(tones):
    X, y = tones
    X3 = np.stack([X, -X], axis=1)
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X3, y)
    assert clf.module_.in_channels == 2 and clf.input_shape_ == (2, 2000)
    assert clf.predict(X3).shape == (60,)
    with pytest.raises(ValueError, match="fitted on shape"):
        clf.predict(X3[:, :, :1000])
    with pytest.raises(ValueError, match="2 or 3 dimensions"):
        clf.fit(X3[..., None], y)


def test_unfitted_and_initialize():
    clf = WaveformCNNClassifier()
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, 100)))
    with pytest.raises(RuntimeError, match="call fit"):
        clf.initialize()


def test_early_stopping_and_log(tones, capsys):
    X, y = tones
    clf = WaveformCNNClassifier(
        **{**SMALL, "lr": 0.0, "max_epochs": 20},
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X, y)
    # No learning: epoch 1 sets the best loss, 2 and 3 miss, stop.
    assert len(clf.history) == 3
    assert clf.history[-1, "valid_loss"] > 0
    assert 0 <= clf.history[-1, "valid_acc"] <= 1
    batches = clf.history[-1, "batches"]
    assert sum(b.get("valid_batch_size", 0) for b in batches) == 12  # stratified 20 %
    assert sum(b.get("train_batch_size", 0) for b in batches) == 48
    assert capsys.readouterr().out == ""  # verbose=0 is silent

    WaveformCNNClassifier(**{**SMALL, "max_epochs": 2}, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "dur"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2"]


class _EpochWeights(Callback):
    """Record the weights at the end of each epoch's training (epoch -> state)."""

    def initialize(self):
        self.weights_ = {}
        return self

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        # The last training batch of an epoch leaves its final weights; taken
        # here, the epoch that early stopping interrupts is recorded too.
        if training:
            state = net.module_.state_dict()
            self.weights_[len(net.history)] = {k: v.clone() for k, v in state.items()}


def _same_weights(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_early_stopping_restores_the_best_epoch_not_the_last(tones):
    X, y = tones
    record = _EpochWeights()
    # lr=0.2 learns for ten epochs, then a step overshoots (epoch 11): the
    # best validation loss is 2 epochs before the last.
    clf = WaveformCNNClassifier(
        **{**SMALL, "lr": 0.2, "max_epochs": 12},
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=0.2,
        random_state=0,
        callbacks=[("record", record)],
    ).fit(X, y)
    losses = clf.history[:, "valid_loss"]
    best = int(np.argmin(losses)) + 1
    last = len(clf.history)
    assert best < last and losses[last - 1] > losses[best - 1]
    assert not _same_weights(record.weights_[best], record.weights_[last])
    assert _same_weights(clf.module_.state_dict(), record.weights_[best])
    # ...and predictions come from those weights.
    Xv = X[:5].reshape(5, 1, -1)
    with torch.no_grad():
        expected = clf.module_(torch.from_numpy(Xv)).softmax(-1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X[:5]), expected, rtol=1e-5)


def test_validation_split_is_stratified_per_class():
    # Unbalanced classes: 30, 20 and 10 examples; 20 % of each is held out.
    X, y = make_tones(60, n_classes=3, duration=0.05, random_state=0)
    y = np.repeat([0, 1, 2], [30, 20, 10])
    clf = WaveformCNNClassifier(
        **SMALL, early_stopping=True, validation_fraction=0.2, random_state=0
    )
    for seed in range(3):
        torch.manual_seed(seed)
        train, valid = clf.get_split_datasets(X[:, None], y)
        assert np.bincount(y[valid.indices]).tolist() == [6, 4, 2]
        assert np.bincount(y[train.indices]).tolist() == [24, 16, 8]


def test_no_validation_split_by_default(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=2).fit(X, y)
    assert "valid_loss" not in clf.history[-1]
    assert sum(b["train_batch_size"] for b in clf.history[-1, "batches"]) == 60


def test_training_batches_are_shuffled(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=1)
    iterator = clf.get_iterator(clf.get_dataset(X, y), training=True)
    assert isinstance(iterator.sampler, torch.utils.data.RandomSampler)
    iterator = clf.get_iterator(clf.get_dataset(X, y), training=False)
    assert isinstance(iterator.sampler, torch.utils.data.SequentialSampler)
    clf.set_params(iterator_train__shuffle=False)
    iterator = clf.get_iterator(clf.get_dataset(X, y), training=True)
    assert isinstance(iterator.sampler, torch.utils.data.SequentialSampler)


def test_partial_fit_and_warm_start(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=1, random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]
    module = clf.module_
    clf.partial_fit(X, y)
    assert clf.module_ is module and len(clf.history) == 2
    with pytest.raises(
        ValueError,
        match=r"^y holds labels that are not among the classes of the network "
        r"built before: \[5\]\. The classes are fixed .* with classes= in the first",
    ):
        clf.partial_fit(X[:3], [0, 1, 5])
    with pytest.raises(ValueError, match=r"not among classes: \[2\]"):
        clone(clf).partial_fit(X, y, classes=[0, 1])
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.module_ is module and len(clf.history) == 3
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.module_ is not module and len(clf.history) == 1


def test_params_are_validated_at_fit(tones):
    X, y = tones
    for params in [{"stride": 0}, {"dropout": 1.5}, {"device": 3}, {"lr": -1}]:
        clf = WaveformCNNClassifier(**{**SMALL, **params})
        with pytest.raises(InvalidParameterError):
            clf.fit(X, y)
    with pytest.raises(ValueError, match="unexpected argument"):
        WaveformCNNClassifier(**SMALL, modul__x=1).fit(X, y)


# -- how another classifier plugs into the base -------------------------------
class _Tiny(torch.nn.Module):
    def __init__(self, *, in_channels, n_classes, width=3):
        super().__init__()
        self.width = width
        self.conv = torch.nn.Conv1d(in_channels, width, 5)
        self.out = torch.nn.Linear(width, n_classes)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x)).mean(dim=-1))


class _TinyClassifier(_AudioCNNClassifier):
    _module_factory = staticmethod(_Tiny)
    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "width": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, width=3, **kwargs):
        super().__init__(**kwargs)
        self.width = width


def test_subclass_plugs_in_with_its_own_parameters(tones):
    X, y = tones
    clf = _TinyClassifier(width=5, max_epochs=2, device="cpu", random_state=0)
    params = clf.get_params()
    assert params["width"] == 5 and params["max_epochs"] == 2
    assert set(WaveformCNNClassifier().get_params()) - {"architecture"} >= {
        "max_epochs",
        "random_state",
        "device",
    }
    assert (
        repr(clf)
        == "_TinyClassifier(device='cpu', max_epochs=2, random_state=0, width=5)"
    )
    clone(clf).fit(X, y)
    clf.fit(X, y)
    assert clf.module_.width == 5 and clf.module_.out.out_features == 3
    np.testing.assert_array_equal(
        clone(clf).fit(X, y).predict_proba(X), clf.predict_proba(X)
    )
    with pytest.raises(InvalidParameterError, match="width"):
        clf.set_params(width=0).fit(X, y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fitted_on_gpu_loads_on_cpu(tmp_path, tones):
    X, y = tones
    for device in ["cuda", "auto"]:
        clf = WaveformCNNClassifier(**{**SMALL, "device": device}, random_state=0)
        clf.fit(X, y)
        assert next(clf.module_.parameters()).is_cuda
        path = tmp_path / f"{device}.joblib"
        joblib.dump(clf, path)
        np.save(tmp_path / "X.npy", X)
        np.save(tmp_path / "expected.npy", clf.predict_proba(X))
        script = (
            "import joblib, numpy as np, torch, warnings;"
            "assert not torch.cuda.is_available();"
            "warnings.simplefilter('ignore');"
            f"clf = joblib.load({str(path)!r});"
            "assert next(clf.module_.parameters()).device.type == 'cpu';"
            f"X = np.load({str(tmp_path / 'X.npy')!r});"
            f"expected = np.load({str(tmp_path / 'expected.npy')!r});"
            "np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-5)"
        )
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([sys.executable, "-c", script], check=True, env=env)


def test_waveform_classifier_refuses_waveforms_of_another_rate():
    X = Waveforms(np.zeros((4, 4000), dtype=np.float32), 8000)
    with pytest.raises(
        ValueError,
        match="^WaveformCNNClassifier has sample_rate=16000 Hz but got .* at 8000 Hz",
    ):
        WaveformCNNClassifier(architecture="simple").fit(X, [0, 1, 0, 1])
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, max_epochs=1)
    clf.fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="sample_rate=8000 Hz but got .* at 16000 Hz"):
        clf.predict(Waveforms(np.zeros((4, 4000), dtype=np.float32), 16000))


def test_one_batch_prediction_equals_skorch_batched_path(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "batch_size": 8}, random_state=0)
    clf.fit(X, y)
    batched = clf.predict_proba(X)  # more than one batch: skorch's iterator
    one_batch_each = np.concatenate(
        [clf.predict_proba(X[i : i + 8]) for i in range(0, len(X), 8)]
    )
    np.testing.assert_array_equal(one_batch_each, batched)
    assert not clf.module_.training
    n_epochs = len(clf.history_)
    clf.partial_fit(X, y)  # training switches the network back
    assert clf.module_.training and len(clf.history_) > n_epochs


@pytest.mark.parametrize(
    "clf",
    [
        WaveformCNNClassifier(architecture="simple", max_epochs=1),
        SpectrogramCNNClassifier(architecture="simple", max_epochs=1),
        SequenceCNNClassifier(max_epochs=1),
    ],
    ids=lambda clf: type(clf).__name__,
)
def test_one_class_is_refused(clf):
    X = np.zeros((6, 16, 16), dtype=np.float32)
    name = type(clf).__name__
    message = (
        f"^{name} needs at least 2 classes to learn from; y holds one class: 'dog'"
    )
    with pytest.raises(ValueError, match=message):
        clf.fit(X, ["dog"] * 6)
    with pytest.raises(ValueError, match=message):  # Python strings, not NumPy's
        clf.fit(X, np.array(["dog"] * 6, dtype=object))


def test_early_stopping_on_too_little_data_names_validation_fraction():
    X = np.random.default_rng(0).standard_normal((20, 400)).astype(np.float32)
    y = np.arange(20) % 10
    clf = WaveformCNNClassifier(
        architecture="simple", early_stopping=True, max_epochs=1
    )
    with pytest.raises(
        ValueError, match=r"validation_fraction=0.1 of the 20 .*\(2\).*10 classes"
    ):
        clf.fit(X, y)
    clf.set_params(validation_fraction=0.5).fit(X, y)  # 10 of each: enough
    # 18 held out leave 2 for training, fewer than the 10 classes
    with pytest.raises(
        ValueError,
        match=r"^early_stopping=True holds out validation_fraction=0.9 of the 20 "
        r"training examples \(18\), but a stratified split needs at least one "
        r"example of each of the 10 classes on both sides\. Lower "
        r"validation_fraction, give more data, or set early_stopping=False\.$",
    ):
        clf.set_params(validation_fraction=0.9).fit(X, y)
    # A class of one example cannot be on both sides: named by its label.
    with pytest.raises(
        ValueError,
        match=r"1 class\(es\) have one example only \(e.g. 'solo'\): a stratified",
    ):
        labels = np.where(np.arange(20) == 3, "solo", np.arange(20) % 2).astype(str)
        clf.set_params(validation_fraction=0.5).fit(X, labels)


def test_epoch_table_has_no_colour_codes_in_a_pipe(capsys):
    X = np.random.default_rng(0).standard_normal((12, 400)).astype(np.float32)
    WaveformCNNClassifier(architecture="simple", max_epochs=2, verbose=1).fit(
        X, np.arange(12) % 2
    )
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out


def test_filter_growth_reaches_the_networks(family):
    make, X, y, _, _ = family
    clf = make(max_epochs=1)
    if "filter_growth" not in clf.get_params():
        pytest.skip("the waveform networks take one filter count per block")
    clf.set_params(filters=4, filter_growth=2).fit(X, y)
    assert clf.module_.filters == 4 and clf.module_.filter_growth == 2


# -- a new classifier family, written as _AudioCNNClassifier's docstring says ---
class _TinyNet(torch.nn.Module):
    def __init__(self, *, in_channels, n_classes, width=8, depth=1):
        super().__init__()
        self.width, self.depth = width, depth
        self.layers = torch.nn.Sequential(
            torch.nn.Conv1d(in_channels, width, 5),
            torch.nn.AdaptiveAvgPool1d(1),
            torch.nn.Flatten(),
            torch.nn.Linear(width, n_classes),
        )

    def forward(self, x):
        return self.layers(x)


def _tiny_classifier():
    """Define the docstring's subclass now, so that class creation is tested."""

    class TinyClassifier(_AudioCNNClassifier):
        _module_factory = staticmethod(_TinyNet)
        _parameter_constraints = {
            **_AudioCNNClassifier._parameter_constraints,
            "width": [Interval(Integral, 1, None, closed="left")],
        }

        def __init__(self, *, width=8, depth=None, **kwargs):
            super().__init__(**kwargs)
            self.width = width
            self.depth = depth

    return TinyClassifier


BASE_PARAMETERS = [
    "augment",
    "frontend",
    "max_epochs",
    "batch_size",
    "lr",
    "optimizer",
    "lr_schedule",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "callbacks",
    "warm_start",
    "device",
    "random_state",
    "verbose",
    "iterator_train__shuffle",
]


def test_a_subclass_shows_its_own_parameters_then_the_base_ones(tones):
    TinyClassifier = _tiny_classifier()
    parameters = inspect.signature(TinyClassifier).parameters
    assert list(parameters) == ["width", "depth", *BASE_PARAMETERS, "kwargs"]
    assert parameters["width"].default == 8
    assert parameters["kwargs"].kind is inspect.Parameter.VAR_KEYWORD
    assert list(inspect.signature(TinyClassifier.__init__).parameters)[:2] == [
        "self",
        "width",
    ]
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY
        for name, p in parameters.items()
        if name != "kwargs"
    )
    clf = TinyClassifier(width=3, max_epochs=1, device="cpu")
    assert clf.get_params()["width"] == 3 and clone(clf).width == 3
    assert repr(clf) == "TinyClassifier(device='cpu', max_epochs=1, width=3)"

    # Its own parameters reach the network; None keeps the network's default.
    X, y = tones
    clf.fit(X, y)
    assert (clf.module_.width, clf.module_.depth) == (3, 1)
    clf.set_params(width=5, depth=2).fit(X, y)
    assert (clf.module_.width, clf.module_.depth) == (5, 2)
    with pytest.raises(InvalidParameterError, match="'width' parameter"):
        clf.set_params(width=0).fit(X, y)


def test_subclasses_of_a_subclass_and_bases_with_training_options(tones):
    X, y = tones
    TinyClassifier = _tiny_classifier()

    class SameTiny(TinyClassifier):
        """No __init__ of its own: the parent's parameters, unchanged."""

    assert list(inspect.signature(SameTiny).parameters)[:2] == ["width", "depth"]
    assert SameTiny(width=2, max_epochs=1).fit(X, y).module_.width == 2

    class TrainingBase(_AudioCNNClassifier):
        """A base's own parameters are training options, not network ones."""

        _is_base = True

        def __init__(self, *, option="a", **kwargs):
            super().__init__(**kwargs)
            self.option = option

    class TinyOnBase(TrainingBase):
        _module_factory = staticmethod(_TinyNet)

        def __init__(self, *, width=8, **kwargs):
            super().__init__(**kwargs)
            self.width = width

    assert list(inspect.signature(TinyOnBase).parameters)[:3] == [
        "width",
        "option",
        "augment",
    ]
    # `option` would be an unexpected argument of _TinyNet if it reached it.
    assert TinyOnBase(width=4, option="b", max_epochs=1).fit(X, y).module_.width == 4

    class QuickTiny(TinyClassifier):
        """A training option with another default is not a network parameter."""

        def __init__(self, *, max_epochs=1, **kwargs):
            super().__init__(max_epochs=max_epochs, **kwargs)

    assert QuickTiny().max_epochs == 1
    assert len(QuickTiny(device="cpu").fit(X, y).history_) == 1

    class NoNetwork(_AudioCNNClassifier):
        def __init__(self, *, width=8, **kwargs):
            super().__init__(**kwargs)
            self.width = width

    with pytest.raises(
        NotImplementedError,
        match=r"^NoNetwork must set _module_factory or override _network\(\)\.$",
    ):
        NoNetwork(max_epochs=1).fit(X, y)


def test_preset_parameters_choose_the_network_and_are_not_passed_to_it(tones):
    X, y = tones

    class PresetTiny(_AudioCNNClassifier):
        _preset_params = ("variant",)

        def __init__(self, *, variant="narrow", width=None, **kwargs):
            super().__init__(**kwargs)
            self.variant = variant
            self.width = width

        def _network(self):
            return _TinyNet, {"width": {"narrow": 2, "wide": 6}[self.variant]}

    clf = PresetTiny(variant="wide", max_epochs=1).fit(X, y)
    assert clf.module_.width == 6  # `variant` itself would fail inside _TinyNet
    assert clf.set_params(width=3).fit(X, y).module_.width == 3


def test_validation_accuracy_is_that_of_predict(tones):
    X, y = tones
    labels = np.array(["low", "mid", "high"])[y]
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 6}, random_state=0)
    clf.fit(X, labels)
    score = dict(clf.callbacks_)["valid_acc"].scoring  # the history's valid_acc
    encoded = clf.label_encoder_.transform(labels)
    expected = np.mean(clf.predict(X) == labels)
    assert 0.5 < expected < 1  # neither chance nor perfect: the value tells
    assert score(clf, X[:, None], encoded) == pytest.approx(expected)


def test_epoch_table_keeps_its_colours_on_a_terminal(tones, capsys, monkeypatch):
    X, y = tones
    params = {**SMALL, "max_epochs": 2, "verbose": 1}
    WaveformCNNClassifier(**params).fit(X, y)
    plain = capsys.readouterr().out.splitlines()
    # a pipe: the rows hold the values alone, e.g. "1  1.0925  0.0124"
    assert [line.split()[0] for line in plain[2:]] == ["1", "2"]
    assert all(re.fullmatch(r"[\d. ]+", line) for line in plain[2:])
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    WaveformCNNClassifier(**params).fit(X, y)
    assert "\x1b[" in capsys.readouterr().out  # skorch colours the best values


def test_callbacks_set_after_fit_take_effect_at_once(tones):
    X, y = tones

    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y)
    counter = CountEpochs()
    clf.set_params(callbacks=[("count", counter)])
    clf.partial_fit(X, y)  # no new initialisation: the callbacks were rebuilt
    assert counter.epochs == 1


def test_a_failed_fit_leaves_the_classifier_unfitted(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**SMALL, module__no_such_argument=1)
    with pytest.raises(TypeError, match="no_such_argument"):
        clf.fit(X, y)  # fails building the network, after the labels were read
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        clf.predict(X)


def test_a_module_argument_that_contradicts_the_classifier_is_refused(tones):
    X, y = tones  # 3 classes, one channel
    clf = WaveformCNNClassifier(**{**SMALL, "architecture": "sincnet"})
    with pytest.raises(
        ValueError,
        match=r"module__sample_rate=16000 contradicts sample_rate=8000; set "
        r"sample_rate=16000 instead",
    ):
        clf.set_params(module__sample_rate=16000).fit(X, y)
    with pytest.raises(ValueError, match=r"module__filters=\(8, 8, 8\) contradicts"):
        WaveformCNNClassifier(**SMALL, module__filters=(8, 8, 8)).fit(X, y)
    with pytest.raises(
        ValueError, match="module__n_classes=5, but the training data give n_classes=3"
    ):
        WaveformCNNClassifier(**SMALL, module__n_classes=5).fit(X, y)
    # The same value as the classifier's is no contradiction.
    clf = WaveformCNNClassifier(
        **{**SMALL, "architecture": "sincnet", "max_epochs": 1},
        module__sample_rate=8000,
    )
    assert clf.fit(X, y).module_.sample_rate == 8000
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}, module__filters=[4, 8, 8])
    assert clf.fit(X, y).module_.filters == (4, 8, 8)  # SMALL's, as a list


def test_a_pool_far_too_large_for_the_clips_is_refused(tones):
    X, y = tones  # clips of 2000 samples
    clf = WaveformCNNClassifier(architecture="lv-24", pool=100, sample_rate=8000)
    with pytest.raises(
        ValueError,
        match=r"needs clips of \d+ samples \(its strides and pools: stride=None, "
        r"pool=100\), and would pad each clip of 2000 samples to it",
    ):
        clf.fit(X, y)  # before: millions of samples per clip, gigabytes
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.set_params(pool=4, max_epochs=1).fit(X, y)  # no padding: accepted


def test_hyperparameter_the_network_does_not_take_is_named(tones):
    X, y = tones
    TinyClassifier = _tiny_classifier()

    class TinyWithDropout(TinyClassifier):
        def __init__(self, *, dropout=0.5, **kwargs):
            super().__init__(**kwargs)
            self.dropout = dropout

    with pytest.raises(
        ValueError,
        match=r"^dropout=0\.5 does not apply to architecture '_TinyNet' \(_TinyNet "
        r"takes \['depth', 'width'\]\)\.$",
    ):
        TinyWithDropout(max_epochs=1).fit(X, y)
    clf = SpectrogramCNNClassifier(architecture="bcresnet", convs_per_block=2)
    with pytest.raises(
        ValueError,
        match=r"^convs_per_block=2 does not apply to architecture 'bcresnet' "
        r"\(BCResNet takes \[",
    ):
        clf.fit(X.reshape(60, 1, 40, 50), y)


def test_initialize_before_fit_says_to_fit():
    with pytest.raises(
        RuntimeError,
        match="^WaveformCNNClassifier builds its network from the training data; "
        "call fit instead of initialize.$",
    ):
        WaveformCNNClassifier().initialize()


def test_input_shape_errors_name_the_classifier_and_the_shapes(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X[:, None], y)
    with pytest.raises(
        ValueError,
        match=r"^X has examples of shape \(1, 1000\) \(channels first\), but "
        r"WaveformCNNClassifier was fitted on shape \(1, 2000\)\.$",
    ):
        clf.predict(X[:, None, :1000])
    with pytest.raises(
        ValueError,
        match=r"^WaveformCNNClassifier expects X of 2 or 3 dimensions \(samples, "
        r"\[channels,\] 1-D signal\), got shape \(2, 1, 1, 2000\)\.$",
    ):
        clf.predict(X[:2, None, None])
    # Fitted with a channel axis, given none: the layouts, not "features".
    with pytest.raises(
        ValueError,
        match=r"^X has shape \(2, 2000\), but WaveformCNNClassifier was fitted on "
        r"X of shape \(n_samples, 1, 2000\), with a channel axis: pass X with the "
        r"same axes, e.g. X\[:, np.newaxis\]\.$",
    ):
        clf.predict(X[:2])
    # And the other way round.
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"^X has shape \(2, 1, 2000\), but WaveformCNNClassifier was fitted "
        r"on X of shape \(n_samples, 2000\), without a channel axis: pass X with "
        r"the same axes, e.g. X\[:, 0\]\.$",
    ):
        clf.predict(X[:2, None])


def test_read_only_input_is_accepted_without_warnings(tones):
    X, y = tones
    X = X[:, None].astype(np.float32)  # taken as it is, without a copy
    X.setflags(write=False)  # e.g. memory-mapped by joblib
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y)
        clf.predict_proba(X)
        clf.predict_proba(X[:2])  # one batch


def test_named_callbacks_and_their_messages(tones, capsys):
    X, y = tones
    clf = WaveformCNNClassifier(
        **{**SMALL, "lr": 0.0, "max_epochs": 10},
        early_stopping=True,
        n_iter_no_change=1,
        lr_schedule="cosine",
        verbose=1,
    ).fit(X, y)
    names = [name for name, _ in clf.callbacks_]
    assert names[-3:] == ["early_stopping", "lr_schedule", "print_log"]
    out = capsys.readouterr().out
    assert "Stopping since valid_loss has not improved in the last 1 epochs." in out
    # the skorch names reach the callbacks' parameters
    clf.set_params(callbacks__early_stopping__patience=3).fit(X, y)
    assert dict(clf.callbacks_)["early_stopping"].patience == 3


@pytest.mark.parametrize("max_epochs", [1, 3])
def test_cosine_schedule_runs_one_period_per_call(tones, max_epochs):
    X, y = tones
    clf = WaveformCNNClassifier(
        **{**SMALL, "max_epochs": max_epochs, "lr": 0.01},
        lr_schedule="cosine",
        warm_start=True,
    )
    # Epoch e of a period of T trains at lr * (1 + cos(pi * e / T)) / 2: from
    # lr towards 0, for each fit (warm or not) and each partial_fit.
    period = [0.005 * (1 + np.cos(np.pi * e / max_epochs)) for e in range(max_epochs)]
    clf.fit(X, y)
    clf.fit(X, y)  # warm_start: the same network, a new period
    clf.partial_fit(X, y)
    np.testing.assert_allclose(clf.history_[:, "event_lr"], period * 3, atol=1e-12)
    assert clf.optimizer_.param_groups[0]["lr"] == 0.01  # lr again between calls
    with pytest.raises(ValueError, match="both set the learning rate"):
        WaveformCNNClassifier(
            **SMALL, lr_schedule="cosine", callbacks=[LRScheduler(policy="StepLR")]
        ).fit(X, y)


def test_fit_and_partial_fit_under_metadata_routing(tones):
    X, y = tones
    clf = WaveformCNNClassifier(**{**SMALL, "max_epochs": 1})
    with sklearn.config_context(enable_metadata_routing=True):
        clf.partial_fit(X, y, classes=np.unique(y))
        clf.partial_fit(X, y)
        clf.fit(X, y)
    assert len(clf.history_) == 1


def test_tags_follow_the_seed_and_the_input_layout():
    assert get_tags(WaveformCNNClassifier()).non_deterministic
    assert not get_tags(WaveformCNNClassifier(random_state=0)).non_deterministic
    assert get_tags(WaveformCNNClassifier()).input_tags.three_d_array
    assert get_tags(SequenceCNNClassifier()).input_tags.three_d_array
    tags = get_tags(SpectrogramCNNClassifier()).input_tags  # (n, n_freqs, n_frames)
    assert tags.three_d_array and not tags.two_d_array


def test_training_options_given_to_the_constructor_are_kept(family):
    make, X, y, _, _ = family
    options = {
        "max_epochs": 2,
        "batch_size": 7,
        "lr": 0.5,
        "optimizer": torch.optim.SGD,
        "early_stopping": True,
        "validation_fraction": 0.3,
        "n_iter_no_change": 4,
        "callbacks": [],
        "warm_start": True,
        "device": "cpu",
        "random_state": 3,
        "verbose": 2,
        "iterator_train__shuffle": False,
    }
    clf = make(**options)
    params = clf.get_params()
    assert {name: params[name] for name in options} == options
    assert {name: getattr(clone(clf), name) for name in options} == options
