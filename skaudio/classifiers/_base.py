"""The base every skaudio network estimator shares, classifiers and regressors.

:class:`_AudioNetMixin` turns a skorch net into a well-behaved scikit-learn
estimator (``random_state``, ``device="auto"``, parameter validation, clone,
pickle, sizes inferred at fit) and carries a subclass's hyperparameters to its
network by one mechanism (:meth:`_AudioNetMixin._network` and the subclass's
own ``__init__`` parameters). :class:`_AudioCNNClassifier` adds what a
classifier needs (any labels, ``classes_``, accuracy in the epoch log).

Where to extend it: a training option of every estimator is declared in
:meth:`_AudioNetMixin.__init__`, constrained in
``_AudioNetMixin._parameter_constraints`` and documented once in
``skaudio._docstring.TRAINING_OPTIONS``.
"""

import copy
import inspect
import math
import re
import sys
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import sklearn
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
)
from skorch.dataset import ValidSplit
from skorch.utils import noop, to_numpy

from .._compat import (
    HasMethods,
    Interval,
    StrOptions,
    check_parameters,
    dunder_param_names,
    predict_nonlinearity,
    rebuild_callbacks,
    train_epochs,
)
from .._device import checked_device, resolve_device
from .._docstring import (
    CLASSIFIER_TRAINING_OPTIONS,
    LABEL_ATTRIBUTES,
    NETWORK_ATTRIBUTES,
    Substitution,
)
from .._waveforms import (
    check_sample_rate,
    refuse_non_finite,
    refuse_paths_and_single_waveform,
    user_stacklevel,
    validate_float32,
    warn_integer_samples,
)
from ..augment import split_by_domain
from ..lazy import LazyAudio
from ..nn._layers import NORMS
from ..nn.frontend import AugmentedNetwork

#: The ``X`` of the classifiers' prediction methods.
_PREDICT_X = """\
X : array-like of shape (n_samples, n_channels, n_times) or \
(n_samples, n_channels, n_freqs, n_frames)
    Examples shaped like the training ones.
"""


@contextmanager
def _seeded_torch(random_state, device):
    """Seed torch's global generators inside the block, then restore them.

    Weight initialisation, dropout, the shuffling of the training iterator and
    any randomness inside the network draw from torch's global generators, so
    seeding them is what makes a fit repeatable. The caller's generator state is
    restored on exit. ``random_state=None`` leaves torch's state alone.
    """
    if random_state is None:
        yield
        return
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    cuda = torch.device(device).type == "cuda" and torch.cuda.is_available()
    devices = [torch.cuda.current_device()] if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


#: Normalisations the networks of :mod:`skaudio.nn` accept by name.
NORM_OPTIONS = {*NORMS, "none"}

_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class _StopOnNonFiniteLoss(Callback):
    """Raise ValueError at the end of the first epoch whose training loss is not finite.

    Once the loss is NaN or infinite the weights are too, and every later
    epoch and prediction is meaningless (``predict`` would return the first
    class for everything): stop, saying what usually causes it.
    """

    def on_epoch_end(self, net, **kwargs):
        """Check the epoch's training loss (skorch's hook)."""
        loss = net.history[-1].get("train_loss")
        if loss is not None and not math.isfinite(loss):
            raise ValueError(
                f"{type(net).__name__}: the training loss became {loss} in epoch "
                f"{len(net.history)}, so the network's weights are no longer "
                "numbers. Lower lr, check the scale of X (and of y), or the "
                "augmentations' settings (e.g. a gain of hundreds of dB)."
            )


class _PrintLog(PrintLog):
    """skorch's table of epochs, with colour codes only on a terminal."""

    def format_row(self, row, key, color):
        """Format one cell (skorch's method), without colour into a pipe or file.

        Parameters
        ----------
        row : dict
            The epoch's entry of the history.
        key : str
            The column.
        color : str
            The ANSI colour of a best value.

        Returns
        -------
        cell : str
        """
        cell = super().format_row(row, key, color)
        if isinstance(cell, str) and not sys.stdout.isatty():
            return _ANSI_COLOUR.sub("", cell)
        return cell


def _encoded_accuracy(net, X, y):
    """Accuracy against the encoded targets ``0 .. n_classes - 1``.

    skorch's scoring callbacks see the targets as the network does (encoded),
    while :meth:`_AudioCNNClassifier.predict` returns the original labels.
    """
    # ``X`` is a skorch Dataset here, which skorch's forward reads; the
    # largest logit is the most probable class.
    y_pred = to_numpy(net.forward(X)).argmax(axis=1)
    return float(np.mean(y_pred == to_numpy(y)))


def _merge_signatures(cls):
    """Signature of ``cls.__init__``: its own parameters, then its parent's.

    Lets a subclass write ``def __init__(self, *, n_filters=16, **kwargs)`` and
    still expose every base parameter to ``inspect.signature`` and therefore to
    scikit-learn's ``get_params``, ``clone`` and ``repr``.
    """
    own = inspect.signature(cls.__dict__["__init__"]).parameters
    parent = inspect.signature(super(cls, cls).__init__).parameters
    params = [p for name, p in own.items() if p.kind is p.KEYWORD_ONLY]
    seen = {p.name for p in params}
    params += [
        p for name, p in parent.items() if p.kind is p.KEYWORD_ONLY and name not in seen
    ]
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    kwargs = inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)
    return inspect.Signature([self_param, *params, kwargs])


class _SchedulePerCall(LRScheduler):
    """skorch's LRScheduler, run from the start of its period on every call.

    skorch resumes a schedule from the epochs in the history, so a second
    ``fit`` with ``warm_start=True``, or a second ``partial_fit``, began a
    cosine period where the last one ended, at a learning rate of 0. Here
    each call starts at the learning rate the optimizer had before it (``lr``,
    or a value set since), and the optimizer gets it back at the end.
    """

    def on_train_begin(self, net, **kwargs):
        groups = net.optimizer_.param_groups
        self.start_lrs_ = [group["lr"] for group in groups]
        for group in groups:
            group["initial_lr"] = group["lr"]  # the period's top, this call
        super().on_train_begin(net, **kwargs)

    def on_train_end(self, net, **kwargs):
        for group, lr in zip(net.optimizer_.param_groups, self.start_lrs_, strict=True):
            group["lr"] = lr
        super().on_train_end(net, **kwargs)


def _comparable(value):
    """``value`` with a list as a tuple, so that ``[8, 8] == (8, 8)``."""
    return tuple(value) if isinstance(value, list) else value


class _AudioNetMixin:
    """What the skaudio networks share as scikit-learn estimators over skorch.

    Mixed in before a skorch class (``NeuralNetClassifier`` or
    ``NeuralNetRegressor``): the training options and their validation,
    ``device="auto"``, the merged ``__init__`` signature of subclasses, the
    network built from its hyperparameters and the fitted data sizes, the
    validation split with early stopping, the channel axis of the input and
    pickling. :class:`_AudioCNNClassifier` documents how a subclass plugs in;
    a class setting ``_is_base = True`` in its body adds training options
    rather than network hyperparameters with its own ``__init__``. A concrete
    base sets ``_criterion`` (the skorch criterion) and ``_stratified_split``
    (whether the validation split is stratified on ``y``), and defines
    ``_module_data_params``.

    Training batches pass through skorch's public ``train_step_single``
    (one batch) and ``get_iterator(dataset, training=True)`` (the shuffled
    DataLoader): the places to override for what must happen per batch.
    """

    _module_factory = None
    _input_ndim = 1
    _hyperparameters = ()
    _preset_params = ()
    _criterion = None
    _stratified_split = False

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="left")],
        "optimizer": [callable],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, StrOptions({"disable"}), None],
        "warm_start": ["boolean"],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "iterator_train__shuffle": ["boolean"],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        # A base's own parameters (``_is_base = True`` in its body) are training
        # options, and ``_preset_params`` choose the network rather than
        # configure it: neither is a network hyperparameter.
        if not cls.__dict__.get("_is_base", False):
            base = set(inspect.signature(super(cls, cls).__init__).parameters)
            own = inspect.signature(cls.__dict__["__init__"]).parameters
            cls._hyperparameters = cls._hyperparameters + tuple(
                name
                for name, p in own.items()
                if p.kind is p.KEYWORD_ONLY
                and name not in base
                and name not in cls._preset_params
            )
        cls.__init__.__signature__ = _merge_signatures(cls)

    def __init__(
        self,
        *,
        max_epochs=30,
        batch_size=32,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        lr_schedule="constant",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        callbacks=None,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        iterator_train__shuffle=True,
        **kwargs,
    ):
        super().__init__(
            None,  # the network comes from _network()
            criterion=self._criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=None,  # see get_split_datasets
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            iterator_train__shuffle=iterator_train__shuffle,
            **kwargs,
        )
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state

    # -- parameters ---------------------------------------------------------
    # skorch reads ``self.device`` wherever it moves tensors, and does not know
    # "auto". The parameter is stored unchanged (and returned by get_params);
    # reading the attribute gives the device actually used.
    @property
    def device(self):
        """Device used for training and prediction (``"auto"`` resolved)."""
        return resolve_device(self.__dict__.get("device", "cpu"))

    @device.setter
    def device(self, value):
        self.__dict__["device"] = value

    def _get_param_names(self):
        # The keyword parameters of __init__ (scikit-learn's rule) plus the
        # double-underscore arguments skorch stored (module__x=..., also
        # through set_params); skorch's own rule would also return its internal
        # attributes (module, criterion, ...), which __init__ does not take.
        # Overriding this private hook is a touchpoint of skaudio._compat.
        names = [
            name
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if p.kind is p.KEYWORD_ONLY
        ]
        return sorted(set(names) | set(dunder_param_names(self)))

    def get_params(self, deep=True, **kwargs):
        """Get the parameters of this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of skorch's callbacks.
        **kwargs : dict
            Passed to skorch.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep, **kwargs)
        params["device"] = self.__dict__["device"]
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values, including nested
            ``module__name`` or ``callbacks__name__param`` keys as in skorch.

        Returns
        -------
        self : object
            The estimator.
        """
        if "callbacks" in params:
            # skorch builds the callbacks on the spot when this is set, so an
            # invalid list fails here; store it like any parameter instead,
            # checked and built at the next initialisation.
            self.callbacks = params.pop("callbacks")
            if self.initialized_:
                rebuild_callbacks(self)
        return super().set_params(**params)

    __repr__ = BaseEstimator.__repr__

    # -- from parameters to network -------------------------------------------
    def _network(self):
        """Return the network class and its preset arguments.

        By default ``_module_factory`` with no preset; a subclass whose
        ``_preset_params`` (e.g. ``architecture``) choose the network
        overrides this to look the preset up.

        Returns
        -------
        network : callable
            Builds the network (usually an ``nn.Module`` class).
        preset : dict
            Its arguments before the hyperparameters are applied.
        """
        if self._module_factory is None:
            raise NotImplementedError(
                f"{type(self).__name__} must set _module_factory or override "
                "_network()."
            )
        return self._module_factory, {}

    def _module_kwargs(self, network, preset):
        """Return ``preset`` updated with this estimator's hyperparameters.

        Each of ``_hyperparameters`` (the subclass's own ``__init__``
        parameters) that is not ``None`` replaces the preset's value; one that
        ``network`` does not take is an error rather than silently ignored.
        """
        accepted = inspect.signature(network).parameters
        kwargs = dict(preset)
        for name in self._hyperparameters:
            value = getattr(self, name)
            if value is None:
                continue
            if name not in accepted:
                choice = getattr(self, "architecture", network.__name__)
                raise ValueError(
                    f"{name}={value!r} does not apply to architecture "
                    f"{choice!r} ({network.__name__} takes "
                    f"{sorted(set(accepted) - {'in_channels', 'n_classes'})})."
                )
            kwargs[name] = value
        return kwargs

    @property
    def _default_callbacks(self):
        # skorch's hook: the losses and timing of every epoch, and its table.
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("finite_loss", _StopOnNonFiniteLoss()),
            ("print_log", _PrintLog()),
        ]

    def get_default_callbacks(self):
        """Return skorch's default callbacks, early stopping and the LR schedule.

        Called when the network is initialised, after the parameters have
        been validated (``_default_callbacks`` is also read by ``get_params``,
        so it cannot depend on parameter values).

        Returns
        -------
        callbacks : list of (str, Callback)
            Named callbacks.
        """
        callbacks = self._default_callbacks
        if self.early_stopping:
            stopper = EarlyStopping(
                monitor="valid_loss",
                patience=self.n_iter_no_change,
                load_best=True,
                sink=print if self.verbose else noop,
            )
            callbacks.insert(-1, ("early_stopping", stopper))
        if self.lr_schedule == "cosine":
            if any(
                isinstance(cb[1] if isinstance(cb, tuple) else cb, LRScheduler)
                for cb in self.callbacks or []
            ):
                raise ValueError(
                    "lr_schedule='cosine' and an LRScheduler in callbacks would "
                    "both set the learning rate (their factors multiply): keep "
                    "one, e.g. lr_schedule='constant' with your scheduler."
                )
            schedule = _SchedulePerCall(
                policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                T_max=max(1, self.max_epochs),
                last_epoch=-1,
            )
            callbacks.insert(-1, ("lr_schedule", schedule))
        return callbacks

    def initialize_module(self):
        """Build ``module_`` from the factory, the parameters and the data sizes.

        Returns
        -------
        self : object
            The classifier.
        """
        if not hasattr(self, "input_shape_"):
            raise RuntimeError(
                f"{type(self).__name__} builds its network from the training "
                "data; call fit instead of initialize."
            )
        network, preset = self._network()
        data_params = self._module_data_params()
        overrides = self.get_params_for("module")
        self._refuse_conflicting_overrides(overrides, data_params)
        kwargs = {
            **self._module_kwargs(network, preset),
            **data_params,
            **overrides,
        }
        self.module_ = network(**kwargs)
        return self

    def _refuse_conflicting_overrides(self, overrides, data_params):
        """Refuse a ``module__name`` that contradicts a value set elsewhere.

        ``module__name`` wins over a preset's value and over a parameter left
        at ``None``; one that differs from a parameter the classifier was
        given (e.g. ``sample_rate``, which also scales the presets) or from a
        size inferred from the data would build a network that disagrees
        with the classifier's own description of it.
        """
        own_params = {*self._hyperparameters, *self._preset_params}
        for name, value in overrides.items():
            if name in data_params and value != data_params[name]:
                raise ValueError(
                    f"module__{name}={value!r}, but the training data give "
                    f"{name}={data_params[name]!r}: remove module__{name}."
                )
            own = getattr(self, name) if name in own_params else None
            if own is not None and _comparable(value) != _comparable(own):
                raise ValueError(
                    f"module__{name}={value!r} contradicts {name}={own!r}; set "
                    f"{name}={value!r} instead of module__{name}."
                )

    def get_dataset(self, X, y=None):
        """Wrap the data in a torch Dataset; lazy input is decoded per batch.

        Parameters
        ----------
        X : ndarray, LazyAudio or torch Dataset
            Input, already validated. A :class:`~skaudio.lazy.LazyAudio`
            becomes a dataset that decodes each batch when the DataLoader
            asks for it.
        y : ndarray of shape (n_samples,), default=None
            Encoded targets.

        Returns
        -------
        dataset : torch Dataset
            ``(x, y)`` pairs.
        """
        if isinstance(X, LazyAudio):
            return X.dataset(y, example_shape=self.input_shape_)
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split off the validation set when ``early_stopping=True``.

        Parameters
        ----------
        X : ndarray
            Training input, already validated.
        y : ndarray
            Targets as the network sees them (encoded labels, waveforms).
        **fit_params : dict
            Passed to the splitter.

        Returns
        -------
        dataset_train, dataset_valid : torch Dataset and torch Dataset or None
            Training and validation data.
        """
        dataset = self.get_dataset(X, y)
        if not self.early_stopping:
            return dataset, None
        # Drawn from torch inside the seeded fit, so random_state covers it.
        seed = int(torch.randint(np.iinfo(np.int32).max, ()).item())
        groups = getattr(self, "_split_groups", None)
        if groups is not None:
            # Whole groups (speakers, recordings) on either side, so that the
            # validation loss measures what early stopping is for: new groups.
            self._check_group_split(groups)
            cv = GroupShuffleSplit(
                1, test_size=self.validation_fraction, random_state=seed
            )
            return ValidSplit(cv)(dataset, y, groups=groups)
        if self._stratified_split:
            self._check_stratified_split(y)
        split = ValidSplit(
            self.validation_fraction,
            stratified=self._stratified_split,
            random_state=seed,
        )
        return split(dataset, y, **fit_params)

    def _check_group_split(self, groups):
        """Refuse a group split that would leave one side empty; warn of a big one.

        ``GroupShuffleSplit`` holds out ``ceil(validation_fraction * n_groups)``
        groups and trains on the rest.
        """
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ValueError(
                f"early_stopping=True with groups needs at least 2 groups to hold "
                f"whole groups out for validation; groups holds {n_groups}. Give "
                "more groups, or fit without groups (a stratified split)."
            )
        n_valid = math.ceil(self.validation_fraction * n_groups)
        if n_valid >= n_groups:
            raise ValueError(
                f"early_stopping=True with validation_fraction="
                f"{self.validation_fraction} holds out {n_valid} of the {n_groups} "
                "groups, leaving none to train on. Lower validation_fraction, or "
                "give more groups."
            )
        if n_valid / n_groups > 2 * self.validation_fraction:
            warnings.warn(
                f"early_stopping=True holds out whole groups: {n_valid} of "
                f"{n_groups} ({n_valid / n_groups:.0%} of the groups) for "
                f"validation_fraction={self.validation_fraction}, the fewest "
                "groups that reach it. Give more groups, or fit without groups "
                "for a stratified split of the examples.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _check_stratified_split(self, y):
        """Name validation_fraction when the split cannot hold every class."""
        labels, counts = np.unique(y, return_counts=True)
        n_samples, n_classes = len(y), len(labels)
        if counts.min() < 2:
            rare = self.classes_[labels[counts < 2]].tolist()
            raise ValueError(
                f"early_stopping=True splits the training data by class, but "
                f"{len(rare)} class(es) have one example only (e.g. {rare[0]!r}): "
                "a stratified split needs 2 of each. Give more examples, or set "
                "early_stopping=False."
            )
        n_valid = math.ceil(self.validation_fraction * n_samples)
        if min(n_valid, n_samples - n_valid) < n_classes:
            change = "Raise" if n_valid < n_classes else "Lower"
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} training examples "
                f"({n_valid}), but a stratified split needs at least one example "
                f"of each of the {n_classes} classes on both sides. {change} "
                "validation_fraction, give more data, or set early_stopping=False."
            )

    # -- data ---------------------------------------------------------------
    def _check_sample_rate(self, X):
        """Refuse waveforms loaded at another rate than expected.

        The rate expected is the classifier's ``sample_rate``, if it has one,
        and its ``frontend``'s: a front end at another rate would compute
        its features on the wrong frequency axis.
        """
        expected = getattr(self, "sample_rate", None)
        if expected is not None:
            check_sample_rate(X, expected, self)
        frontend = getattr(self, "frontend", None)
        if getattr(frontend, "sample_rate", None) is not None:
            check_sample_rate(X, frontend.sample_rate, frontend)

    def _check_raw_input(self, X):
        """Name the common mistakes in X before any generic validation."""
        refuse_paths_and_single_waveform(X, self)
        self._warn_integer_waveforms(X)
        self._check_sample_rate(X)

    def _validate_input(self, X, reset):
        """Check ``X`` and give it the channel axis the network expects."""
        self._check_raw_input(X)
        if isinstance(X, LazyAudio):
            # Checked on its first example; get_dataset reads it batch by batch.
            self._validate_input(X.peek(), reset)
            return X
        if not reset:
            self._check_input_ndim(X)
        return self._add_channel_axis(self._validate_array(X, reset), reset)

    def _validate_array(self, X, reset):
        """Validate X as a float32 array (scikit-learn's checks, ``n_features_in_``)."""
        return validate_float32(self, X, reset)

    def _warn_integer_waveforms(self, X):
        """Warn when X holds integer waveforms (see ``warn_integer_samples``)."""
        if self._takes_waveforms or getattr(self, "frontend", None) is not None:
            warn_integer_samples(X, self)

    def _check_input_ndim(self, X):
        """Refuse X with (or without) a channel axis unlike the training X.

        scikit-learn's check would compare the second axis, the channels of
        one X with the samples of the other ("X has 4000 features, ...
        expecting 2"): name the layouts instead.
        """
        shape = getattr(self, "input_shape_", None)
        ndim = getattr(X, "ndim", None)  # None for lists: validate_data checks them
        if shape is None or ndim not in (len(shape), len(shape) + 1):
            return  # unfitted, or a layout that _add_channel_axis refuses by name
        with_channels = self.n_features_in_ == shape[0]
        if ndim != len(shape) + with_channels:
            fitted = ", ".join(map(str, shape if with_channels else shape[1:]))
            axis = "with" if with_channels else "without"
            fix = "X[:, np.newaxis]" if with_channels else "X[:, 0]"
            raise ValueError(
                f"X has shape {X.shape}, but {type(self).__name__} was fitted on "
                f"X of shape (n_samples, {fitted}), {axis} a channel axis: pass "
                f"X with the same axes"
                + (f", e.g. {fix}." if with_channels or X.shape[1] == 1 else ".")
            )

    def _expected_input_ndim(self):
        """Axes of one example after its channel axis (``_input_ndim``)."""
        return self._input_ndim

    def _add_channel_axis(self, X, reset):
        ndim = self._expected_input_ndim()
        if X.ndim == ndim + 1:
            X = X[:, np.newaxis]
        elif X.ndim != ndim + 2:
            raise ValueError(
                f"{type(self).__name__} expects X of {ndim + 1} or {ndim + 2} "
                f"dimensions (samples, [channels,] {ndim}-D signal), got shape "
                f"{X.shape}."
            )
        if reset:
            self.input_shape_ = tuple(X.shape[1:])
        else:
            self._check_example_shape(tuple(X.shape[1:]))
        # torch refuses read-only arrays (e.g. memory-mapped joblib inputs)
        return np.require(X, requirements=["C", "W"])

    def _check_example_shape(self, shape):
        """Refuse examples (channels first) of another shape than in training."""
        if shape != self.input_shape_:
            raise ValueError(
                f"X has examples of shape {shape} (channels first), but "
                f"{type(self).__name__} was fitted on shape {self.input_shape_}."
            )

    # -- training -------------------------------------------------------------
    def _train(self, X, y, fit_params, *, partial, **data_params):
        """Validate, build the network when needed, and train: fit and partial_fit.

        ``fit`` starts afresh unless ``warm_start`` keeps a fitted network;
        ``partial_fit`` builds the network on its first call only.
        ``data_params`` go to ``_validate_fit_data`` when it learns the data
        (e.g. a classifier's ``classes``).
        """
        if partial and self.__sklearn_is_fitted__():
            X, y = self._validate_fit_data(X, y, reset=False)
            self._check_fit_params(fit_params, "partial_fit")
            train_epochs(self, X, y, fit_params, routing="partial_fit")
            return self
        check_parameters(self)
        self._refuse_unknown_device()
        keep = not partial and self.warm_start and self.__sklearn_is_fitted__()
        X, y = self._validate_fit_data(X, y, reset=not keep, **data_params)
        with _seeded_torch(self.random_state, self.device):
            if not keep:
                self.initialize()
            routing = "partial_fit" if partial else "fit"
            self._check_fit_params(fit_params, routing)
            train_epochs(self, X, y, fit_params, routing=routing)
        return self

    def _refuse_unknown_device(self):
        """Name a ``device`` torch does not know, or CUDA where there is none."""
        # None: skorch leaves tensors be; "auto" resolves to a device there is.
        if self.device not in (None, "cpu", "auto"):
            checked_device(self.device)

    def _check_fit_params(self, fit_params, method):
        """Refuse keyword arguments of ``method`` the network's forward does not take.

        skorch would pass them on, and torch would name the network's class
        (often one the user never built) instead of the argument's purpose.
        """
        parameters = inspect.signature(self.module_.forward).parameters.values()
        if any(p.kind is p.VAR_KEYWORD for p in parameters):
            return
        unknown = sorted(set(fit_params) - {p.name for p in parameters})
        if unknown:
            weights = " (sample weights are not supported)" * (
                "sample_weight" in unknown
            )
            raise TypeError(
                f"{type(self).__name__}.{method} got {', '.join(unknown)}, which "
                f"its network does not take: {method} passes its keyword arguments "
                f"to the network's forward{weights}."
            )

    # -- pickling -------------------------------------------------------------
    def __setstate__(self, state):
        # skorch maps the stored tensors to the device read from the state;
        # give it a concrete one and keep "auto" as the parameter.
        requested = state["device"]
        super().__setstate__({**state, "device": resolve_device(requested)})
        if isinstance(requested, str) and requested == "auto":
            self.__dict__["device"] = requested


@Substitution(
    training_options=CLASSIFIER_TRAINING_OPTIONS,
    label_attributes=LABEL_ATTRIBUTES,
    network_attributes=NETWORK_ATTRIBUTES,
)
class _AudioCNNClassifier(_AudioNetMixin, NeuralNetClassifier):
    """Base of the skaudio classifiers: a skorch network as a scikit-learn classifier.

    Subclasses declare the network and its hyperparameters; this class does
    the rest: label encoding, input validation and reshaping, inference of the
    data-dependent sizes, seeding, device choice, an optional validation split
    with early stopping, parameter validation and pickling.

    **How a subclass plugs in its network.** A subclass sets

    - ``_module_factory``: a callable (usually an ``nn.Module`` class from
      :mod:`skaudio.nn`, wrapped in ``staticmethod``) that returns a network
      mapping a float32 batch of shape ``(batch, in_channels, *input_shape)``
      to logits of shape ``(batch, n_classes)``. To choose it from a
      parameter instead, name that parameter in ``_preset_params`` and
      override :meth:`_network` to return the network and its preset
      arguments (from a registry of :mod:`skaudio.presets`).
    - ``_input_ndim``: the number of axes after the channel axis, 1 for
      ``(n_samples, n_channels, n_times)`` waveforms or feature sequences, 2
      for ``(n_samples, n_channels, n_mels, n_frames)`` spectrograms. Input
      given without the channel axis gets one channel.
    - ``__init__(self, *, own_param=default, ..., **kwargs)`` that calls
      ``super().__init__(**kwargs)`` and stores each own parameter unchanged.
      The signature of the subclass's ``__init__`` is merged with this one at
      class creation, so ``get_params``, ``clone``, ``GridSearchCV`` and
      ``repr`` see every parameter.
    - ``_parameter_constraints = {**_AudioCNNClassifier._parameter_constraints,
      "own_param": [...]}``.

    At initialisation (inside ``fit``) the network is called with its preset
    arguments updated by the subclass's own parameters that are not ``None``
    (``_hyperparameters``, collected from ``__init__``), the sizes inferred
    from the training data (:meth:`_module_data_params`: ``in_channels`` and
    ``n_classes`` by default; override it to pass e.g. the input length) and
    any skorch-style ``module__name=value`` arguments, which win over the
    preset and over parameters left at ``None`` (one that contradicts a
    parameter given, or a size from the data, is refused). Nothing is
    written back into the parameters, so ``fit`` never calls ``set_params``.

    A minimal subclass::

        class TinyClassifier(_AudioCNNClassifier):
            # TinyNet(*, in_channels, n_classes, width) -> logits
            _module_factory = staticmethod(TinyNet)
            _parameter_constraints = {
                **_AudioCNNClassifier._parameter_constraints,
                "width": [Interval(Integral, 1, None, closed="left")],
            }

            def __init__(self, *, width=8, **kwargs):
                super().__init__(**kwargs)
                self.width = width

    Parameters
    ----------
    {training_options}

    Attributes
    ----------
    {label_attributes}
    input_shape_ : tuple of int
        Shape of one training example as the network sees it, channel axis
        first, e.g. ``(1, 8000)``.
    {network_attributes}
    """

    _criterion = torch.nn.CrossEntropyLoss
    _stratified_split = True
    # whether the network reads waveforms (rather than features) itself
    _takes_waveforms = False
    _is_base = True
    # With metadata routing on, ``groups`` given to a search or
    # ``cross_validate`` go to the splitter; ``fit`` receives them only after
    # ``set_fit_request(groups=True)`` (scikit-learn's default, None, would
    # refuse them until every classifier said yes or no).
    __metadata_request__fit = {"groups": False}
    _parameter_constraints = {
        **_AudioNetMixin._parameter_constraints,
        "augment": [list, tuple, None],
        "frontend": [HasMethods(["transform", "get_params"]), None],
    }

    def __init__(self, *, augment=None, frontend=None, **kwargs):
        super().__init__(**kwargs)
        self.augment = augment
        self.frontend = frontend

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values, including the front
            end's as ``frontend__name`` (scikit-learn's nested form) and
            skorch's ``module__name``-style keys.

        Returns
        -------
        self : object
            The estimator.
        """
        augment_keys = sorted(key for key in params if key.startswith("augment__"))
        if augment_keys:
            # skorch would keep them as virtual parameters until fit.
            raise ValueError(
                f"Cannot set {', '.join(augment_keys)}: augment is a list, whose "
                "items have no parameter names. Set augment to a new list "
                "instead; to search one setting, give GridSearchCV one list per "
                'value, e.g. {"augment": [[AddNoise(min_snr_db=5)], '
                "[AddNoise(min_snr_db=20)]]}."
            )
        # skorch would keep ``frontend__x`` as a virtual parameter of its own;
        # scikit-learn's rule sets it on the front end instead.
        nested = {
            key.split("__", 1)[1]: params.pop(key)
            for key in list(params)
            if key.startswith("frontend__")
        }
        super().set_params(**params)
        if nested:
            if self.frontend is None:
                raise ValueError(
                    f"Cannot set {sorted('frontend__' + k for k in nested)}: "
                    "frontend is None."
                )
            self.frontend.set_params(**nested)
        return self

    def _frontend_module(self):
        """Return a private copy of the front end's torch module, or None."""
        if self.frontend is None:
            return None
        if not hasattr(self.frontend, "_checked_module"):
            raise TypeError(
                f"frontend={self.frontend!r} must be a feature transformer of "
                "skaudio.features (MelTransformer, MFCCTransformer, "
                "SpectrogramTransformer)."
            )
        return copy.deepcopy(self.frontend._checked_module()).cpu()

    def _expected_input_ndim(self):
        # With a front end the classifier takes waveforms.
        return 1 if self.frontend is not None else self._input_ndim

    def _network_input_shape(self):
        """Shape of one example as the network receives it (after the front end)."""
        frontend = self._frontend_module()
        if frontend is None:
            return self.input_shape_
        self.frontend._check_n_times(self.input_shape_[-1])  # else torch's message
        with torch.no_grad():
            features = frontend(torch.zeros((1, *self.input_shape_)))
        if self._input_ndim == 1:
            features = features.flatten(1, 2)
        return tuple(features.shape[1:])

    def _module_data_params(self):
        """Keyword arguments of the factory inferred from the training data."""
        return {
            "in_channels": self._network_input_shape()[0],
            "n_classes": len(self.classes_),
        }

    def initialize_module(self):
        """Build ``module_``, behind the front end and augmentations when given.

        Returns
        -------
        self : object
            The classifier.
        """
        super().initialize_module()
        waveform, features, batch = split_by_domain(self.augment)
        if len(batch) > 1:
            raise ValueError(f"augment holds more than one Mixup: {batch}.")
        if self._takes_waveforms and features:
            raise ValueError(
                f"augment holds spectrogram augmentations {features}, but "
                f"{type(self).__name__}'s network reads waveforms: they would mask "
                "samples, not frequency bands. Use waveform augmentations "
                "(TimeShift, RandomGain, AddNoise, SpeedPerturbation, RandomFilter, "
                "RandomTilt)."
            )
        if not (self._takes_waveforms or self.frontend is not None) and waveform:
            raise ValueError(
                f"augment holds waveform augmentations {waveform}, but "
                f"{type(self).__name__} receives features: give it the feature "
                "transformer as frontend=... (and waveforms as X) so that the "
                "waveforms can be augmented before their features are computed."
            )
        if self.frontend is not None or waveform or features:
            self.module_ = AugmentedNetwork(
                self.module_,
                frontend=self._frontend_module(),
                waveform_augment=waveform,
                feature_augment=features,
                flatten_features=self._input_ndim == 1,
            )
        return self

    def train_step_single(self, batch, **fit_params):
        """Train on one batch, mixed first when ``augment`` holds a Mixup.

        Parameters
        ----------
        batch : tuple of (Tensor, Tensor)
            Input and encoded labels from the training iterator.
        **fit_params : dict
            Passed to the network's ``forward``.

        Returns
        -------
        step : dict
            skorch's ``{"loss": ..., "y_pred": ...}``.
        """
        # ``augment`` was validated when the network was built; no need to
        # check every augmentation's parameters again at every batch.
        for mixup in (a for a in self.augment or () if a.domain == "batch"):
            Xi, yi = batch
            batch = mixup.mix(Xi, yi, n_classes=len(self.classes_))
        return super().train_step_single(batch, **fit_params)

    # -- skorch hooks ---------------------------------------------------------
    @property
    def _default_callbacks(self):
        callbacks = super()._default_callbacks
        accuracy = EpochScoring(
            _encoded_accuracy, name="valid_acc", lower_is_better=False
        )
        callbacks.insert(-1, ("valid_acc", accuracy))  # before print_log
        return callbacks

    def _validate_fit_data(self, X, y, reset, classes=None):
        if isinstance(X, LazyAudio):
            X = self._validate_input(X, reset)
            y = validate_data(self, "no_validation", y)
            check_consistent_length(X, y)
        else:
            self._check_raw_input(X)
            refuse_non_finite(X, self)
            X, y = validate_data(
                self, X, y, dtype=np.float32, allow_nd=True, reset=reset, copy=False
            )
            X = self._add_channel_axis(X, reset)
        check_classification_targets(y)
        if reset:
            labels = y if classes is None else classes
            self.label_encoder_ = LabelEncoder().fit(labels)
            if len(self.label_encoder_.classes_) < 2:
                only = self.label_encoder_.classes_[0]
                only = only.item() if isinstance(only, np.generic) else only
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes to learn "
                    f"from; y holds one class: {only!r}."
                )
        unseen = set(np.asarray(y).tolist()) - set(self.classes_.tolist())
        if unseen:
            where = "classes" if reset else "the classes of the network built before"
            raise ValueError(
                f"y holds labels that are not among {where}: "
                f"{sorted(unseen, key=str)}. The classes are fixed when the "
                "network is built: give every one of them with classes= in the "
                "first partial_fit (or fit on them all)."
            )
        return X, self.label_encoder_.transform(y).astype(np.int64)

    @property
    def classes_(self):
        """Labels seen in ``fit``, ndarray of shape (n_classes,)."""
        return self.label_encoder_.classes_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "label_encoder_") and super().__sklearn_is_fitted__()

    # -- fit / predict --------------------------------------------------------
    def fit(self, X, y, groups=None, **fit_params):
        """Build the network for the data and train it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_times) or \
(n_samples, n_channels, n_freqs, n_frames)
            Training examples: waveforms or feature sequences, or
            spectrograms for :class:`SpectrogramCNNClassifier`. With one
            channel the channel axis may be left out, e.g. waveforms of
            shape ``(n_samples, n_times)``.
        y : array-like of shape (n_samples,)
            Labels of any type.
        groups : array-like of shape (n_samples,), default=None
            Group of each example (e.g. its speaker). With
            ``early_stopping=True`` the validation set is then made of whole
            groups (a ``validation_fraction`` of them), so that no speaker is
            on both sides; without groups it is a stratified split. Routed by
            scikit-learn's metadata routing inside ``GridSearchCV`` or
            ``cross_validate`` after ``set_fit_request(groups=True)``.
        **fit_params : dict
            Passed to the network's ``forward``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        if groups is not None:
            groups = np.asarray(groups)
            if groups.ndim != 1 or len(groups) != len(X):
                raise ValueError(
                    f"groups must be one group per example, shape "
                    f"({len(X)},); got shape {groups.shape}."
                )
        elif self.early_stopping and self._groups_routing_not_requested():
            warnings.warn(
                f"{type(self).__name__}: early stopping holds out a stratified "
                "split, so a group (speaker) can be on both sides. Metadata "
                "routing is on, and groups reach fit only after "
                "set_fit_request(groups=True).",
                UserWarning,
                stacklevel=2,
            )
        self._split_groups = groups
        try:
            return self._train(X, y, fit_params, partial=False)
        finally:
            del self._split_groups

    def _groups_routing_not_requested(self):
        """Whether metadata routing is on and ``fit`` does not request groups."""
        return sklearn.get_config()["enable_metadata_routing"] and not (
            self.get_metadata_routing().consumes("fit", ["groups"])
        )

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, building the network first if needed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_times) or \
(n_samples, n_channels, n_freqs, n_frames)
            Training examples, shaped as for :meth:`fit`.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All the labels, required on the first call when ``y`` may not
            contain every class; ignored afterwards.
        **fit_params : dict
            Passed to the network's ``forward``.

        Returns
        -------
        self : object
            The classifier.
        """
        return self._train(X, y, fit_params, partial=True, classes=classes)

    def _logits(self, X):
        """Validate ``X`` and return the network's logits, in evaluation mode."""
        check_is_fitted(self)
        self._refuse_unknown_device()  # e.g. set_params(device="cuda") since fit
        X = self._validate_input(X, reset=False)
        if isinstance(X, LazyAudio) or not 0 < len(X) <= self.batch_size:
            return self.forward(X, training=False)
        # One batch: skorch's inference without the Dataset and DataLoader of
        # its batched path, and without switching every submodule to
        # evaluation mode again when it already is (skorch switches the whole
        # network, so its root's flag tells): both cost more than a small
        # network's forward pass on one clip. The values are those of the
        # batched path (the same single batch).
        if self.module_.training:
            self.module_.eval()
        with torch.inference_mode():
            return self.infer(torch.from_numpy(X))

    @Substitution(predict_X=_PREDICT_X)
    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            float32; columns follow ``classes_``.
        """
        logits = self._logits(X)  # checks that it is fitted: first
        return to_numpy(predict_nonlinearity(self)(logits))

    @Substitution(predict_X=_PREDICT_X)
    def predict_log_proba(self, X):
        """Logarithm of the class probabilities (log-softmax of the logits).

        Computed from the logits, so a probability too small for float32
        (``predict_proba`` gives 0) still has a finite logarithm.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            float32; columns follow ``classes_``.
        """
        return to_numpy(torch.log_softmax(self._logits(X), dim=1))

    @Substitution(predict_X=_PREDICT_X)
    def predict(self, X):
        """Most probable label of each example.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = self._input_ndim == 1
        return tags
