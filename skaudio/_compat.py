"""Every private name of scikit-learn and skorch that skaudio relies on.

Nothing else in skaudio imports a private module of either library or calls one
of their private methods: what is used goes through this module, and
``tests/test_compat.py`` checks each touchpoint on its own, so that an upgrade
that moves one fails there first, with the touchpoint's name.

Touchpoints
-----------
scikit-learn
    ``sklearn.utils._param_validation``: the constraint classes
    (:class:`Interval`, :class:`StrOptions`, :class:`HasMethods`), the
    :func:`validate_params` decorator of functions,
    :class:`InvalidParameterError` and ``validate_parameter_constraints``
    behind :func:`check_parameters`.
skorch
    - ``NeuralNet._params_to_validate``: the double-underscore arguments
      (``module__x=...``) a net stores, read by :func:`dunder_param_names`.
    - ``NeuralNet._initialize_callbacks``: rebuilds ``callbacks_`` honouring
      ``callbacks="disable"``, called by :func:`rebuild_callbacks`.
    - ``NeuralNet._get_predict_nonlinearity``: the output nonlinearity of
      ``predict_proba``, read by :func:`predict_nonlinearity`.
    - ``NeuralNet.partial_fit`` called past the estimator's own ``fit`` and
      ``partial_fit`` (which take raw labels and input, while skorch's
      ``fit`` calls ``self.partial_fit`` on validated, encoded data), with
      the private ``_routing_method`` argument (skorch >= 1.4) that routes
      metadata as ``fit`` or ``partial_fit``: :func:`train_epochs`.
    - Methods skaudio's networks override, which skorch and scikit-learn call
      by their private names: ``_get_param_names`` (the names ``get_params``
      returns) and ``_default_callbacks`` (the callbacks ``get_params`` lists
      and ``get_default_callbacks`` returns). The tests check that overriding
      them still has that effect.
    - ``NeuralNet.device`` read as an attribute wherever skorch moves
      tensors, and stored under ``"device"`` in the pickled state: the base's
      ``device`` property resolves ``"auto"`` there and its ``__setstate__``
      maps the state's device.
"""

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from skorch import NeuralNet

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "check_parameters",
    "dunder_param_names",
    "predict_nonlinearity",
    "rebuild_callbacks",
    "train_epochs",
    "validate_params",
]


def check_parameters(estimator):
    """Check an estimator's parameters against its ``_parameter_constraints``.

    What scikit-learn's estimators do when ``fit`` starts, for those of
    skaudio's that hold a constraint for a subset of their parameters.

    Parameters
    ----------
    estimator : estimator
        Has ``_parameter_constraints`` (parameter name to list of
        constraints) and ``get_params``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the estimator and the accepted values.
    """
    constraints = estimator._parameter_constraints
    params = estimator.get_params(deep=False)
    validate_parameter_constraints(
        constraints,
        {name: value for name, value in params.items() if name in constraints},
        caller_name=type(estimator).__name__,
    )


def dunder_param_names(net):
    """Names of the double-underscore arguments a skorch net holds.

    Parameters
    ----------
    net : skorch.NeuralNet
        Given e.g. ``module__width=8`` at construction or through
        ``set_params``.

    Returns
    -------
    names : list of str
        Those still stored on ``net``, e.g. ``["module__width"]``.
    """
    return [name for name in net._params_to_validate if name in vars(net)]


def rebuild_callbacks(net):
    """Rebuild ``net.callbacks_`` from its callback parameters.

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialised net whose ``callbacks`` changed.
    """
    net._initialize_callbacks()


def predict_nonlinearity(net):
    """Return the function skorch applies to the network's output in ``predict_proba``.

    Parameters
    ----------
    net : skorch.NeuralNet
        The net.

    Returns
    -------
    nonlinearity : callable
        Tensor to tensor, e.g. a softmax for a cross-entropy classifier.
    """
    return net._get_predict_nonlinearity()


def train_epochs(net, X, y, fit_params, *, routing):
    """Train an initialised skorch net for ``max_epochs`` epochs on ready data.

    Parameters
    ----------
    net : skorch.NeuralNet
        Initialised; its own ``fit`` and ``partial_fit`` are not called.
    X : ndarray or torch Dataset
        Validated input.
    y : ndarray
        Targets as the network sees them.
    fit_params : dict
        Passed to the network's ``forward``.
    routing : {"fit", "partial_fit"}
        The public method whose metadata routing applies.
    """
    NeuralNet.partial_fit(net, X, y, _routing_method=routing, **fit_params)
