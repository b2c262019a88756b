"""scikit-learn classifiers built on skorch around the networks of :mod:`skaudio.nn`.

Every classifier of the library subclasses :class:`_AudioCNNClassifier`, which
turns a skorch :class:`~skorch.NeuralNetClassifier` into a well-behaved
scikit-learn estimator (any labels, ``random_state``, ``device="auto"``,
parameter validation, clone, pickle). A subclass only names its network and
its hyperparameters.
"""

import copy
import inspect
import math
import os
import re
import sys
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
)
from skorch.dataset import ValidSplit
from skorch.utils import noop, to_numpy

from ._device import resolve_device
from ._docstring import CLASSIFIER_TRAINING_OPTIONS, Substitution
from ._waveforms import DEFAULT_SAMPLE_RATE, check_sample_rate
from .augment import split_by_domain
from .lazy import LazyAudio
from .model_selection import WAVEFORM_PRESETS, waveform_preset
from .nn.bcresnet import BCResNet
from .nn.frontend import AugmentedNetwork
from .nn.sequence import SequenceCNN
from .nn.spectrogram import SPECTROGRAM_PRESETS, SpectrogramCNN, VisionBackbone

__all__ = [
    "SequenceCNNClassifier",
    "SpectrogramCNNClassifier",
    "WaveformCNNClassifier",
]


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


_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


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
    # ``X`` is a skorch Dataset here, which skorch's own method reads.
    y_pred = NeuralNet.predict_proba(net, X).argmax(axis=1)
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


class _AudioNetMixin:
    """What the skaudio networks share as scikit-learn estimators over skorch.

    Mixed in before a skorch class (``NeuralNetClassifier`` or
    ``NeuralNetRegressor``): the training options and their validation,
    ``device="auto"``, the merged ``__init__`` signature of subclasses, the
    network built from the fitted data sizes (``_module_factory``,
    ``_module_params``, ``_module_data_params``), the validation split with
    early stopping, the shuffled training iterator, the channel axis of the
    input and pickling. :class:`_AudioCNNClassifier` documents how a subclass
    plugs in; a class setting ``_is_base = True`` in its body adds training
    options rather than network hyperparameters with its own ``__init__``.
    A concrete base sets ``_criterion`` (the skorch criterion) and
    ``_stratified_split`` (whether the validation split is stratified on
    ``y``), and defines ``_module_data_params``.
    """

    _module_factory = None
    _input_ndim = 1
    _own_params = ()
    _criterion = None
    _stratified_split = False

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="left")],
        "optimizer": [callable],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, StrOptions({"disable"}), None],
        "warm_start": ["boolean"],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        # A base's own parameters (``_is_base = True`` in its body) are training
        # options, not network hyperparameters.
        if not cls.__dict__.get("_is_base", False):
            base = set(inspect.signature(super(cls, cls).__init__).parameters)
            own = inspect.signature(cls.__dict__["__init__"]).parameters
            cls._own_params = cls._own_params + tuple(
                name
                for name, p in own.items()
                if p.kind is p.KEYWORD_ONLY and name not in base
            )
        cls.__init__.__signature__ = _merge_signatures(cls)

    def __init__(
        self,
        *,
        max_epochs=30,
        batch_size=32,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        callbacks=None,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            None,  # the network comes from _get_module_factory()
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
            **kwargs,
        )
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
        # scikit-learn's rule (the __init__ signature) plus the extra keyword
        # arguments skorch stored (module__x=..., also through set_params);
        # skorch's own rule would also return its internal attributes (module,
        # criterion, ...), which __init__ does not take.
        names = BaseEstimator._get_param_names.__func__(type(self))
        extra = [k for k in self._params_to_validate if k in self.__dict__]
        return sorted(set(names) | set(extra))

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
                self._initialize_callbacks()
        return super().set_params(**params)

    def _validate_constraints(self):
        """Check the parameters against ``_parameter_constraints``."""
        params = self.get_params(deep=False)
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: v for k, v in params.items() if k in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def _validate_params(self):
        # skorch calls this once the network is built, to check the
        # double-underscore arguments; it shadows scikit-learn's method of the
        # same name, so run both checks.
        self._validate_constraints()
        super()._validate_params()

    __repr__ = BaseEstimator.__repr__

    # -- what subclasses provide ---------------------------------------------
    def _get_module_factory(self):
        """Return the callable that builds the network (``_module_factory``)."""
        if self._module_factory is None:
            raise NotImplementedError(
                f"{type(self).__name__} must set _module_factory or override "
                "_get_module_factory()."
            )
        return self._module_factory

    def _module_params(self):
        """Keyword arguments of the factory taken from this estimator's parameters.

        By default the subclass's own ``__init__`` parameters, unchanged.
        """
        return {name: getattr(self, name) for name in self._own_params}

    def get_default_callbacks(self):
        """Return skorch's default callbacks, with early stopping when asked for.

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
        kwargs = {
            **self._module_params(),
            **self._module_data_params(),
            **self.get_params_for("module"),
        }
        self.module_ = self._get_module_factory()(**kwargs)
        return self

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
        """Refuse a group split that would leave one side empty."""
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ValueError(
                f"early_stopping=True with groups needs at least 2 groups to hold "
                f"whole groups out for validation; groups holds {n_groups}. Give "
                "more groups, or fit without groups (a stratified split)."
            )

    def _check_stratified_split(self, y):
        """Name validation_fraction when the split cannot hold every class."""
        n_samples, n_classes = len(y), len(np.unique(y))
        n_valid = math.ceil(self.validation_fraction * n_samples)
        if min(n_valid, n_samples - n_valid) < n_classes:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} training examples "
                f"({n_valid}), but a stratified split needs at least one example "
                f"of each of the {n_classes} classes on both sides. Raise "
                "validation_fraction, give more data, or set early_stopping=False."
            )

    def get_iterator(self, dataset, training=False):
        """Return a DataLoader; training batches are shuffled by default.

        Parameters
        ----------
        dataset : torch Dataset
            The data.
        training : bool, default=False
            Whether the iterator feeds training.

        Returns
        -------
        iterator : torch DataLoader
            Mini-batches of ``batch_size``.
        """
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = {"shuffle": training, "batch_size": self.batch_size}
        kwargs.update(self._iterator_defaults(training))
        kwargs.update(self.get_params_for(prefix))
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        iterator = self.iterator_train if training else self.iterator_valid
        return iterator(dataset, **kwargs)

    def _iterator_defaults(self, training):
        """DataLoader arguments of this estimator, before ``iterator_*__`` ones."""
        return {}

    # -- data ---------------------------------------------------------------
    def _check_sample_rate(self, X):
        """Refuse waveforms loaded at another rate than ``sample_rate``."""
        expected = getattr(self, "sample_rate", None)
        if expected is not None:
            check_sample_rate(X, expected, self)

    def _validate_input(self, X, reset):
        """Check ``X`` and give it the channel axis the network expects."""
        self._check_sample_rate(X)
        if isinstance(X, LazyAudio):
            # Checked on its first example; get_dataset reads it batch by batch.
            self._validate_input(X.peek(), reset)
            return X
        X = validate_data(
            self, X, dtype=np.float32, allow_nd=True, reset=reset, copy=False
        )
        return self._add_channel_axis(X, reset)

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
        elif tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has examples of shape {tuple(X.shape[1:])} (channels first), "
                f"but {type(self).__name__} was fitted on shape {self.input_shape_}."
            )
        # torch refuses read-only arrays (e.g. memory-mapped joblib inputs)
        return np.require(X, requirements=["C", "W"])

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
            NeuralNet.partial_fit(self, X, y, **fit_params)
            return self
        self._validate_constraints()
        keep = not partial and self.warm_start and self.__sklearn_is_fitted__()
        X, y = self._validate_fit_data(X, y, reset=not keep, **data_params)
        routing = {} if partial else {"_routing_method": "fit"}
        with _seeded_torch(self.random_state, self.device):
            if not keep:
                self.initialize()
            NeuralNet.partial_fit(self, X, y, **routing, **fit_params)
        return self

    # -- pickling -------------------------------------------------------------
    def __setstate__(self, state):
        # skorch maps the stored tensors to the device read from the state;
        # give it a concrete one and keep "auto" as the parameter.
        requested = state["device"]
        super().__setstate__({**state, "device": resolve_device(requested)})
        if isinstance(requested, str) and requested == "auto":
            self.__dict__["device"] = requested


@Substitution(training_options=CLASSIFIER_TRAINING_OPTIONS)
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
      to logits of shape ``(batch, n_classes)``. Override
      :meth:`_get_module_factory` instead to choose it from a parameter.
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

    At initialisation (inside ``fit``) the factory is called with the
    subclass's own parameters (:meth:`_module_params`), the sizes inferred
    from the training data (:meth:`_module_data_params`: ``in_channels`` and
    ``n_classes`` by default; override it to pass e.g. the input length) and
    any skorch-style ``module__name=value`` arguments, which win. Nothing is
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
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
        Maps labels to the network's class indices.
    input_shape_ : tuple of int
        Shape of one training example as the network sees it, channel axis
        first, e.g. ``(1, 8000)``.
    n_features_in_ : int
        Size of the second axis of the training ``X``.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        Per-epoch losses and timings.
    """

    _criterion = torch.nn.CrossEntropyLoss
    _stratified_split = True
    _is_base = True
    _parameter_constraints = {
        **_AudioNetMixin._parameter_constraints,
        "augment": [list, tuple, None],
        "frontend": [HasMethods(["transform", "get_params"]), None],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
    }

    def __init__(
        self, *, augment=None, frontend=None, lr_schedule="constant", **kwargs
    ):
        super().__init__(**kwargs)
        self.augment = augment
        self.frontend = frontend
        self.lr_schedule = lr_schedule

    def get_default_callbacks(self):
        """Return skorch's default callbacks, early stopping and the LR schedule.

        Returns
        -------
        callbacks : list of (str, Callback)
            Named callbacks.
        """
        callbacks = super().get_default_callbacks()
        if self.lr_schedule == "cosine":
            schedule = LRScheduler(
                policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                T_max=max(1, self.max_epochs),
            )
            callbacks.insert(-1, ("lr_schedule", schedule))
        return callbacks

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
        waveform, features, _ = split_by_domain(self.augment)
        if self.frontend is None and waveform and self._input_ndim != 1:
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

    def _iterator_defaults(self, training):
        batch_level = split_by_domain(self.augment)[2]
        if not training or not batch_level:
            return {}
        if len(batch_level) > 1:
            raise ValueError(f"augment holds more than one Mixup: {batch_level}.")
        return {"collate_fn": batch_level[0].collate_fn(len(self.classes_))}

    # -- skorch hooks ---------------------------------------------------------
    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            (
                "valid_acc",
                EpochScoring(
                    _encoded_accuracy, name="valid_acc", lower_is_better=False
                ),
            ),
            ("print_log", _PrintLog()),
        ]

    def _validate_fit_data(self, X, y, reset, classes=None):
        if isinstance(X, LazyAudio):
            X = self._validate_input(X, reset)
            y = validate_data(self, "no_validation", y)
            check_consistent_length(X, y)
        else:
            self._check_sample_rate(X)
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
        self._split_groups = groups
        try:
            return self._train(X, y, fit_params, partial=False)
        finally:
            del self._split_groups

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

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_times) or \
(n_samples, n_channels, n_freqs, n_frames)
            Examples shaped like the training ones.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            float32; columns follow ``classes_``.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        if isinstance(X, LazyAudio) or not 0 < len(X) <= self.batch_size:
            return super().predict_proba(X)
        # One batch: skorch's inference and output nonlinearity without the
        # Dataset and DataLoader of its batched path, and without switching
        # every submodule to evaluation mode again when it already is (skorch
        # switches the whole network, so its root's flag tells): both cost
        # more than a small network's forward pass on one clip. The values
        # are those of the batched path (the same single batch).
        if self.module_.training:
            self.module_.eval()
        with torch.inference_mode():
            logits = self.infer(torch.from_numpy(X))
            return to_numpy(self._get_predict_nonlinearity()(logits))

    def predict(self, X):
        """Most probable label of each example.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_times) or \
(n_samples, n_channels, n_freqs, n_frames)
            Examples shaped like the training ones.

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


@Substitution(training_options=CLASSIFIER_TRAINING_OPTIONS)
class WaveformCNNClassifier(_AudioCNNClassifier):
    """1D CNN classifier on raw waveforms (Vrysis et al., 2020).

    ``X`` holds waveforms of shape ``(n_samples, n_times)`` (or
    ``(n_samples, n_channels, n_times)``), typically from
    :class:`~skaudio.io.WaveformLoader` and
    :class:`~skaudio.preprocessing.PerSampleNormalizer`. ``architecture``
    names one of the paper's models (a preset of the networks in
    ``skaudio.nn.waveform``, see
    :func:`~skaudio.model_selection.waveform_preset`); the hyperparameters
    left at ``None`` keep the preset's value and the others replace it, so a
    grid over ``stride`` and ``pool`` explores LV-Flat variants directly.
    Clips shorter than the network's minimum length are zero-padded at the
    end inside the network.

    Parameters
    ----------
    architecture : str or nn.Module class, default="lv-24"
        ``"lv-18"``, ``"lv-24"``, ``"lv-42"``, ``"lv-81"``, ``"earlymix"``,
        ``"latemix"``, ``"rollmix"``, ``"sincnet"`` or ``"simple"``; or a
        network class taking ``in_channels`` and ``n_classes`` (and the
        hyperparameters below that are not ``None``) and returning logits.
    stride : int, default=None
        Convolution stride (LV-Flat, RollMix, SincNet; the later blocks of
        EarlyMix; the first convolution of ``"simple"``).
    pool : int, default=None
        Max-pooling size, used as given (the preset's pool is halved at low
        sample rates, an explicit one is not).
    kernel_size : int, default=None
        Convolution kernel length (a pair for ``"simple"``).
    filters : tuple of int, default=None
        Filters per block.
    dropout : float, default=None
        Dropout probability.
    dense_units : int, default=None
        Hidden units of the dense head.
    n_rolls : int, default=None
        Circular shifts of the RollMix front end.
    sample_rate : float, default=16000
        Sampling rate of the waveforms in Hz, by default the rate
        :class:`~skaudio.io.WaveformLoader` resamples to. At or below
        11,025 Hz the presets' pools are halved (the paper's rule at 8 kHz);
        SincNet uses it for its cut-offs. Set it to 8000 for FSDD at its own
        rate. Waveforms from the loader carry their rate, and a different one
        is an error that names both rates.
    {training_options}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
        Maps labels to class indices.
    input_shape_ : tuple of (int, int)
        ``(n_channels, n_times)`` of the training waveforms.
    n_features_in_ : int
        Size of the second axis of the training ``X``.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        Per-epoch losses and timings.

    See Also
    --------
    skaudio.model_selection.stride_pool_grid : The paper's stride/pool grid.
    skaudio.nn.LVFlat : The network behind the LV presets.

    Examples
    --------
    >>> from skaudio.datasets import make_tones
    >>> X, y = make_tones(30, n_classes=3, duration=0.25, random_state=0)
    >>> clf = WaveformCNNClassifier(
    ...     architecture="simple", sample_rate=8000, max_epochs=2, random_state=0
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "architecture": [StrOptions(set(WAVEFORM_PRESETS)), callable],
        "stride": [Interval(Integral, 1, None, closed="left"), None],
        "pool": [Interval(Integral, 1, None, closed="left"), None],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, None],
        "filters": [tuple, list, None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
        "dense_units": [Interval(Integral, 1, None, closed="left"), None],
        "n_rolls": [Interval(Integral, 1, None, closed="left"), None],
        "sample_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        architecture="lv-24",
        stride=None,
        pool=None,
        kernel_size=None,
        filters=None,
        dropout=None,
        dense_units=None,
        n_rolls=None,
        sample_rate=DEFAULT_SAMPLE_RATE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.stride = stride
        self.pool = pool
        self.kernel_size = kernel_size
        self.filters = filters
        self.dropout = dropout
        self.dense_units = dense_units
        self.n_rolls = n_rolls
        self.sample_rate = sample_rate

    _hyperparameters = (
        "stride",
        "pool",
        "kernel_size",
        "filters",
        "dropout",
        "dense_units",
        "n_rolls",
    )

    def _network(self):
        """Network class and its arguments: the preset's, then the overrides."""
        if isinstance(self.architecture, str):
            network, kwargs = waveform_preset(self.architecture, self.sample_rate)
        else:
            network, kwargs = self.architecture, {}
        kwargs = _with_overrides(self, network, kwargs)
        if "sample_rate" in inspect.signature(network).parameters:
            kwargs["sample_rate"] = self.sample_rate
        return network, kwargs

    def _get_module_factory(self):
        return self._network()[0]

    def _module_params(self):
        return self._network()[1]


def _with_overrides(classifier, network, kwargs):
    """Return ``kwargs`` updated with the classifier's hyperparameters.

    Each of ``classifier._hyperparameters`` that is not ``None`` replaces the
    preset's value; one that ``network`` does not take is an error rather
    than silently ignored.
    """
    accepted = inspect.signature(network).parameters
    kwargs = dict(kwargs)
    for name in classifier._hyperparameters:
        value = getattr(classifier, name)
        if value is None:
            continue
        if name not in accepted:
            raise ValueError(
                f"{name}={value!r} does not apply to architecture "
                f"{classifier.architecture!r} ({network.__name__} takes "
                f"{sorted(set(accepted) - {'in_channels', 'n_classes'})})."
            )
        kwargs[name] = value
    return kwargs


_NORM_OPTIONS = {"batch", "group", "instance", "layer", "none"}


@Substitution(training_options=CLASSIFIER_TRAINING_OPTIONS)
class SpectrogramCNNClassifier(_AudioCNNClassifier):
    """2D CNN classifier on spectrogram images.

    ``X`` holds spectrograms of shape ``(n_samples, n_channels, n_freqs,
    n_frames)`` (or ``(n_samples, n_freqs, n_frames)``), typically from
    :class:`~skaudio.features.MelTransformer`. The networks standardise each
    example themselves (``input_norm``), so dB features can be passed as they
    are, and end in global pooling, so any feature size works.

    ``architecture`` picks the network: ``"vgg"`` (the default, a VGG-like
    :class:`~skaudio.nn.spectrogram.SpectrogramCNN` with group normalisation
    and dropout), ``"simple"`` (the minimal two-convolution CNN of the
    source material), ``"bcresnet"`` (a broadcasted residual network from
    keyword spotting, :class:`~skaudio.nn.bcresnet.BCResNet`, 24k
    parameters, per-band input normalisation), or a torchvision backbone,
    ``"resnet18"`` or
    ``"efficientnet_b0"`` (:class:`~skaudio.nn.spectrogram.VisionBackbone`,
    needs the ``vision`` extra), optionally from a local ImageNet ``weights``
    file. The hyperparameters left at ``None`` keep the architecture's value.

    Parameters
    ----------
    architecture : {"vgg", "simple", "bcresnet", "resnet18", "efficientnet_b0"} \
or nn.Module class, default="vgg"
        The network; a class must take ``in_channels`` and ``n_classes`` (and
        the hyperparameters below that are not ``None``) and return logits.
    n_blocks : int, default=None
        Convolution blocks (4 for ``"vgg"``, 2 for ``"simple"``).
    filters : int or tuple of int, default=None
        Filters of the first block, doubled per block, or one count per block.
    convs_per_block : int, default=None
        Convolutions per block.
    kernel_size : int or tuple of (int, int), default=None
        ``(frequency, time)`` kernel size, e.g. ``(7, 3)``.
    pool : int or tuple of (int, int), default=None
        ``(frequency, time)`` pooling between blocks; ``(1, 2)`` keeps the
        frequency resolution (classes told apart by spectral position).
    norm : {"batch", "group", "instance", "layer", "none"}, default=None
        Normalisation after each convolution.
    dropout : float, default=None
        Dropout probability.
    global_pool : {"avg", "max", "avgmax"}, default=None
        Final pooling over frequency and time.
    input_norm : {"sample", "frequency", "none"}, default=None
        Standardisation of each input example.
    freq_mask : int, default=None
        Training-only SpecAugment: widest random frequency band masked, in
        bins (``augment=[SpecAugment(...)]`` takes fractions instead).
    time_mask : int, default=None
        Training-only SpecAugment: longest random time span masked, in
        frames.
    freq_coordinate : bool, default=None
        Append an input channel of the frequency position ("CoordConv"),
        so that the network knows where in the spectrum a pattern is.
    weights : str or path-like, default=None
        Local ImageNet weights file for a torchvision backbone.
    {training_options}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
        Maps labels to class indices.
    input_shape_ : tuple of (int, int, int)
        ``(n_channels, n_freqs, n_frames)`` of the training spectrograms.
    n_features_in_ : int
        Size of the second axis of the training ``X``.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        Per-epoch losses and timings.

    See Also
    --------
    SequenceCNNClassifier : Conv1D over feature sequences.
    skaudio.nn.spectrogram.SpectrogramCNN : The network behind the presets.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skaudio.datasets import make_tones
    >>> from skaudio.features import MelTransformer
    >>> X, y = make_tones(30, n_classes=3, duration=0.25, random_state=0)
    >>> clf = make_pipeline(
    ...     MelTransformer(sample_rate=8000, n_fft=256, hop_length=64, n_mels=32),
    ...     SpectrogramCNNClassifier(architecture="simple", max_epochs=2,
    ...                              random_state=0),
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _input_ndim = 2
    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "architecture": [
            StrOptions(
                set(SPECTROGRAM_PRESETS)
                | set(VisionBackbone.architectures)
                | {"bcresnet"}
            ),
            callable,
        ],
        "n_blocks": [Interval(Integral, 1, None, closed="left"), None],
        "filters": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "convs_per_block": [Interval(Integral, 1, None, closed="left"), None],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, None],
        "pool": [Interval(Integral, 1, None, closed="left"), tuple, None],
        "norm": [StrOptions(_NORM_OPTIONS), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
        "global_pool": [StrOptions({"avg", "max", "avgmax"}), None],
        "input_norm": [StrOptions({"sample", "frequency", "none"}), None],
        "freq_mask": [Interval(Integral, 0, None, closed="left"), None],
        "time_mask": [Interval(Integral, 0, None, closed="left"), None],
        "freq_coordinate": ["boolean", None],
        "weights": [str, os.PathLike, None],
    }
    _hyperparameters = (
        "n_blocks",
        "filters",
        "convs_per_block",
        "kernel_size",
        "pool",
        "norm",
        "dropout",
        "global_pool",
        "input_norm",
        "freq_mask",
        "time_mask",
        "freq_coordinate",
        "weights",
    )

    def __init__(
        self,
        *,
        architecture="vgg",
        n_blocks=None,
        filters=None,
        convs_per_block=None,
        kernel_size=None,
        pool=None,
        norm=None,
        dropout=None,
        global_pool=None,
        input_norm=None,
        freq_mask=None,
        time_mask=None,
        freq_coordinate=None,
        weights=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.n_blocks = n_blocks
        self.filters = filters
        self.convs_per_block = convs_per_block
        self.kernel_size = kernel_size
        self.pool = pool
        self.norm = norm
        self.dropout = dropout
        self.global_pool = global_pool
        self.input_norm = input_norm
        self.freq_mask = freq_mask
        self.time_mask = time_mask
        self.freq_coordinate = freq_coordinate
        self.weights = weights

    def _network(self):
        """Network class and its arguments: the preset's, then the overrides."""
        architecture = self.architecture
        if callable(architecture):
            network, kwargs = architecture, {}
        elif architecture in VisionBackbone.architectures:
            network, kwargs = VisionBackbone, {"architecture": architecture}
        elif architecture == "bcresnet":
            network, kwargs = BCResNet, {}
        else:
            network, kwargs = SpectrogramCNN, SPECTROGRAM_PRESETS[architecture]
        return network, _with_overrides(self, network, kwargs)

    def _get_module_factory(self):
        return self._network()[0]

    def _module_params(self):
        return self._network()[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Spectrograms are 3-D or 4-D; scikit-learn's common checks only feed
        # 2-D arrays, so tests/test_spectrogram_classifiers.py checks it by hand.
        tags.input_tags.two_d_array = False
        return tags


@Substitution(training_options=CLASSIFIER_TRAINING_OPTIONS)
class SequenceCNNClassifier(_AudioCNNClassifier):
    """Conv1D classifier over feature sequences, features as channels.

    ``X`` holds sequences of shape ``(n_samples, n_features, n_frames)``,
    e.g. from ``MFCCTransformer(layout="sequence")``, or the default image
    layout ``(n_samples, 1, n_features, n_frames)`` of
    :class:`~skaudio.features.MFCCTransformer` and
    :class:`~skaudio.features.MelTransformer`; a 2-D ``X`` is read as one
    feature over ``n_frames``. The network,
    :class:`~skaudio.nn.sequence.SequenceCNN`, runs ``Conv1d → norm → ReLU →
    MaxPool → Dropout`` blocks over time and ends in global pooling or an
    LSTM/GRU head. With two classes it is an event detector ("is the event
    present?"): ``predict_proba(X)[:, 1]`` is the event's probability.

    Parameters
    ----------
    n_blocks : int, default=2
        Convolution blocks.
    filters : int or tuple of int, default=64
        Filters of every block, or one count per block.
    kernel_size : int, default=5
        Convolution length in frames.
    pool : int, default=2
        Max-pooling length after each block.
    norm : {"batch", "group", "instance", "layer", "none"}, default="group"
        Normalisation after each convolution (``"group"`` evaluates exactly as
        it trains; ``"batch"`` depends on running statistics).
    dropout : float, default=0.25
        Dropout probability.
    head : {"avg", "max", "avgmax", "lstm", "gru"}, default="avgmax"
        Global pooling over time, or a recurrent layer over the remaining
        frames.
    hidden_size : int, default=64
        Units of the recurrent head.
    bidirectional : bool, default=False
        Run the recurrent head both ways.
    input_norm : {"sample", "frequency", "none"}, default="frequency"
        Standardisation of each input example; ``"frequency"`` is cepstral
        mean and variance normalisation.
    freq_mask : int, default=0
        Training-only augmentation: widest random band of features masked
        (``augment=[SpecAugment(...)]`` takes fractions instead).
    time_mask : int, default=0
        Training-only augmentation: longest random span of frames masked.
    {training_options}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
        Maps labels to class indices.
    input_shape_ : tuple of (int, int)
        ``(n_features, n_frames)`` of the training sequences.
    n_features_in_ : int
        Size of the second axis of the training ``X``.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        Per-epoch losses and timings.

    See Also
    --------
    SpectrogramCNNClassifier : 2D CNNs on spectrogram images.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 13, 16)).astype("float32")
    >>> y = np.array(["noise", "event"] * 10)
    >>> clf = SequenceCNNClassifier(head="gru", max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _module_factory = staticmethod(SequenceCNN)
    _input_ndim = 1

    def _add_channel_axis(self, X, reset):
        if X.ndim == 4 and X.shape[1] == 1:
            # The image layout (n, 1, n_features, n_frames) that MelTransformer
            # and MFCCTransformer give by default: the features are the channels.
            X = X[:, 0]
        return super()._add_channel_axis(X, reset)

    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "filters": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool": [Interval(Integral, 1, None, closed="left")],
        "norm": [StrOptions(_NORM_OPTIONS)],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "head": [StrOptions({"avg", "max", "avgmax", "lstm", "gru"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "input_norm": [StrOptions({"sample", "frequency", "none"})],
        "freq_mask": [Interval(Integral, 0, None, closed="left")],
        "time_mask": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_blocks=2,
        filters=64,
        kernel_size=5,
        pool=2,
        norm="group",
        dropout=0.25,
        head="avgmax",
        hidden_size=64,
        bidirectional=False,
        input_norm="frequency",
        freq_mask=0,
        time_mask=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_blocks = n_blocks
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool = pool
        self.norm = norm
        self.dropout = dropout
        self.head = head
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.input_norm = input_norm
        self.freq_mask = freq_mask
        self.time_mask = time_mask
