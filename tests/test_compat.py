"""One test per private name of scikit-learn or skorch that skaudio uses.

Each test exercises one touchpoint of ``skaudio._compat`` directly on the
libraries' own classes, so that an upgrade that changes one fails here, under
the touchpoint's name, before the estimators fail in less obvious ways.
"""

from numbers import Integral

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochTimer

from skaudio import _compat


class _Linear(torch.nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.width = width
        self.linear = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.linear(x)


def _net(**kwargs):
    return NeuralNetClassifier(
        _Linear, max_epochs=1, train_split=None, verbose=0, **kwargs
    )


def _data():
    X = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    return X, np.arange(8) % 2


class _Constrained(BaseEstimator):
    _parameter_constraints = {"n": [_compat.Interval(Integral, 1, None, closed="left")]}

    def __init__(self, n=1, free=None):
        self.n = n
        self.free = free


def test_param_validation_classes_and_check_parameters():
    _compat.check_parameters(_Constrained(n=2, free="anything"))
    with pytest.raises(_compat.InvalidParameterError, match="'n' parameter of _Con"):
        _compat.check_parameters(_Constrained(n=0))
    assert issubclass(_compat.InvalidParameterError, ValueError)
    assert _compat.StrOptions({"a"}).is_satisfied_by("a")
    assert _compat.HasMethods(["fit"]).is_satisfied_by(_Constrained(n=1)) is False
    assert _compat.HasMethods(["get_params"]).is_satisfied_by(_Constrained(n=1))


def test_validate_params_decorator():
    @_compat.validate_params(
        {"k": [_compat.StrOptions({"a"})]}, prefer_skip_nested_validation=True
    )
    def f(k):
        return k

    assert f("a") == "a"
    with pytest.raises(
        _compat.InvalidParameterError, match="'k' parameter of .*f must be"
    ):
        f("b")


def test_dunder_param_names_lists_double_underscore_arguments():
    net = _net(module__width=5)
    assert _compat.dunder_param_names(net) == ["module__width"]
    net.set_params(optimizer__momentum=0.5)
    assert sorted(_compat.dunder_param_names(net)) == [
        "module__width",
        "optimizer__momentum",
    ]


def test_rebuild_callbacks_honours_disable():
    net = _net().initialize()
    assert net.callbacks_
    net.callbacks = "disable"
    _compat.rebuild_callbacks(net)
    assert net.callbacks_ == []


def test_predict_nonlinearity_is_softmax_for_cross_entropy():
    net = _net(criterion=torch.nn.CrossEntropyLoss).initialize()
    logits = torch.tensor([[0.0, 1.0]])
    torch.testing.assert_close(
        _compat.predict_nonlinearity(net)(logits), torch.softmax(logits, dim=-1)
    )


def test_train_epochs_skips_the_subclass_fit_and_routes():
    calls = []

    class Net(NeuralNetClassifier):
        def partial_fit(self, X, y=None, classes=None, **fit_params):
            calls.append("partial_fit")
            return super().partial_fit(X, y, **fit_params)

    net = Net(_Linear, max_epochs=2, train_split=None, verbose=0).initialize()
    X, y = _data()
    _compat.train_epochs(net, X, y, {}, routing="fit")
    _compat.train_epochs(net, X, y, {}, routing="partial_fit")
    assert calls == [] and len(net.history) == 4


def test_overriding_get_param_names_changes_get_params():
    class Net(NeuralNetClassifier):
        def _get_param_names(self):
            return ["lr", "max_epochs"]

    assert set(Net(_Linear).get_params(deep=False)) == {"lr", "max_epochs"}


def test_default_callbacks_property_is_what_skorch_uses():
    class Net(NeuralNetClassifier):
        @property
        def _default_callbacks(self):
            return [("timer", EpochTimer())]

    net = Net(_Linear, train_split=None)
    assert [name for name, _ in net.get_default_callbacks()] == ["timer"]
    assert "callbacks__timer" in net.get_params()


def test_skorch_reads_the_device_attribute_at_use_and_pickles_it():
    # skaudio's base stores device="auto" and resolves it in a property.
    class Net(NeuralNetClassifier):
        @property
        def device(self):
            return "cpu"

        @device.setter
        def device(self, value):
            self.__dict__["device"] = value

    net = Net(_Linear, device="no such device", max_epochs=1, train_split=None)
    X, y = _data()
    net.fit(X, y)
    assert next(net.module_.parameters()).device.type == "cpu"
    assert net.__getstate__()["device"] == "no such device"
