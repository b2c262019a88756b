"""Waveform-to-waveform estimators: a denoiser and a source separator.

Both are scikit-learn regressors built on skorch's
:class:`~skorch.NeuralNetRegressor` with the machinery the classifiers use
(``random_state``, ``device="auto"``, parameter validation, clone, pickle,
sizes inferred at fit). Their targets are waveforms, and their ``score`` is
the mean SI-SDR in dB (see :mod:`skaudio.metrics`).
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)
from skorch import NeuralNetRegressor

from ._compat import Interval, StrOptions
from ._docstring import (
    NETWORK_ATTRIBUTES,
    TRAINING_OPTIONS,
    Substitution,
)
from ._waveforms import refuse_non_finite, validate_float32, warn_integer_samples
from .classifiers._base import NORM_OPTIONS, _AudioNetMixin
from .metrics import si_sdr_score
from .nn.denoise import ConvDenoiser, MaskingDenoiser
from .nn.losses import WaveformLoss
from .nn.separation import MaskSeparator

__all__ = ["SpectrogramSeparator", "WaveformDenoiser"]

_POSITIVE = Interval(Integral, 1, None, closed="left")
_NORM_OPTIONS = StrOptions(NORM_OPTIONS)


@Substitution(
    training_options=TRAINING_OPTIONS,
    network_attributes=NETWORK_ATTRIBUTES,
)
class _AudioNetRegressor(_AudioNetMixin, NeuralNetRegressor):
    """Base of the waveform regressors: waveforms in, waveforms out.

    Subclasses name the network (``_module_factory``) and its hyperparameters
    as :class:`~skaudio.classifiers._AudioCNNClassifier` describes, and say
    how the targets relate to the input (:meth:`_check_target`).

    Parameters
    ----------
    loss : {"mse", "si_sdr"}, default="mse"
        Training loss: mean squared error between waveforms, or minus their
        mean SI-SDR.
    {training_options}
    """

    _is_base = True
    _criterion = WaveformLoss
    _stratified_split = False
    _permutation_invariant = False
    _takes_waveforms = True

    _parameter_constraints = {
        **_AudioNetMixin._parameter_constraints,
        "loss": [StrOptions({"mse", "si_sdr"})],
    }

    def __init__(self, *, loss="mse", **kwargs):
        super().__init__(**kwargs)
        self.loss = loss

    def initialize_criterion(self):
        """Build ``criterion_`` from ``loss`` (plus any ``criterion__`` argument).

        Returns
        -------
        self : object
            The regressor.
        """
        kwargs = {
            "kind": self.loss,
            "permutation_invariant": self._permutation_invariant,
            **self.get_params_for("criterion"),
        }
        self.criterion_ = WaveformLoss(**kwargs)
        return self

    # -- data ---------------------------------------------------------------
    def _check_target(self, y, X, reset):
        """Return ``y`` shaped as the network's output for input ``X``."""
        raise NotImplementedError

    def _validate_fit_data(self, X, y, reset):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None: give the target waveforms."
            )
        self._check_raw_input(X)
        X = self._check_n_times(validate_float32(self, X, reset))
        warn_integer_samples(y, self, what="target waveforms (y)")
        refuse_non_finite(y, self, name="y")
        y = check_array(
            y, dtype=np.float32, allow_nd=True, ensure_2d=False, input_name="y"
        )
        check_consistent_length(X, y)
        X = self._add_channel_axis(X, reset)
        y = self._check_target(y, X, reset)
        return X, np.require(y, requirements=["C", "W"])

    def __sklearn_is_fitted__(self):
        return hasattr(self, "input_shape_") and super().__sklearn_is_fitted__()

    # -- fit / predict --------------------------------------------------------
    def fit(self, X, y, **fit_params):
        """Build the network for the data and train it.

        Parameters
        ----------
        X : array-like of shape (n_samples, [n_channels,] n_times)
            Input waveforms.
        y : array-like
            Target waveforms, shaped as the subclass documents.
        **fit_params : dict
            Passed to the network's ``forward``.

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._train(X, y, fit_params, partial=False)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, building the network first if needed.

        Parameters
        ----------
        X : array-like of shape (n_samples, [n_channels,] n_times)
            Input waveforms.
        y : array-like
            Target waveforms.
        classes : None
            Not used: a regressor has no classes. Kept from skorch's
            signature, which scikit-learn's metadata routing reads.
        **fit_params : dict
            Passed to the network's ``forward``.

        Returns
        -------
        self : object
            The regressor.
        """
        if classes is not None:
            raise ValueError(
                f"{type(self).__name__} is a regressor and has no classes; "
                "call partial_fit(X, y)."
            )
        return self._train(X, y, fit_params, partial=True)

    def _predict_waveforms(self, X):
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return self.forward(X, training=False).numpy()

    def _validate_array(self, X, reset):
        """Validate X for prediction (``reset=False``): any length.

        The networks are convolutional along time, so a recording longer or
        shorter than the training clips needs no cutting: scikit-learn's
        feature count, the clip length for ``(n, n_times)`` X, is not
        checked. (``fit`` validates in ``_validate_fit_data``.)
        """
        refuse_non_finite(X, self)
        X = check_array(X, dtype=np.float32, allow_nd=True, input_name="X")
        return self._check_n_times(X)

    def _check_n_times(self, X):
        # Nothing to denoise or separate: the losses are NaN. ("feature(s)"
        # is the word scikit-learn's check_fit2d_1feature looks for.)
        if X.shape[-1] < 2:
            raise ValueError(
                f"{type(self).__name__} needs waveforms of 2 samples or more; X has "
                f"{X.shape[-1]} feature(s) per example (its last axis, time)."
            )
        return X

    def _check_example_shape(self, shape):
        if shape[:-1] != self.input_shape_[:-1]:
            raise ValueError(
                f"X has examples of {shape[0]} channel(s), but "
                f"{type(self).__name__} was fitted on {self.input_shape_[0]}."
            )

    @property
    def predict_proba(self):
        """Not available: a regressor predicts waveforms, with ``predict``.

        skorch's nets all have ``predict_proba``; hiding it keeps
        ``hasattr(regressor, "predict_proba")`` false, as scikit-learn's
        tools expect of a regressor.
        """
        raise AttributeError(
            f"{type(self).__name__} is a regressor and has no predict_proba: "
            "predict gives its waveforms."
        )

    def score(self, X, y, sample_weight=None):
        """Mean SI-SDR of the predictions, in dB (higher is better).

        Parameters
        ----------
        X : array-like
            Input waveforms.
        y : array-like
            Reference waveforms, shaped as :meth:`predict` returns them.
        sample_weight : None
            Not supported; present for scikit-learn's signature.

        Returns
        -------
        score : float
        """
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}.score takes no sample_weight.")
        return si_sdr_score(
            y, self.predict(X), permutation_invariant=self._permutation_invariant
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


@Substitution(
    training_options=TRAINING_OPTIONS,
    network_attributes=NETWORK_ATTRIBUTES,
)
class WaveformDenoiser(_AudioNetRegressor):
    """Denoising autoencoder on raw waveforms: noisy in, clean out.

    Two all-Conv1d networks, chosen by ``architecture``:

    - ``"conv"``, :class:`~skaudio.nn.ConvDenoiser`: same-padded
      ``Conv1d → batch norm → ReLU`` layers over the samples (no pooling, so
      every output sample lines up with its input sample) that by default
      estimate the noise and subtract it;
    - ``"masking"``, :class:`~skaudio.nn.MaskingDenoiser` (Conv-TasNet-like):
      a strided ``Conv1d`` encoder, residual blocks of dilated ``Conv1d``
      over the encoded frames predicting a sigmoid mask over the encoding,
      and a ``ConvTranspose1d`` decoder. Cheaper per sample and with a much
      wider receptive field at the same cost.

    The hyperparameters left at ``None`` keep the network's default (see its
    class), the others replace it; one that the chosen network does not take
    is an error. Trained with the mean squared error against the clean
    waveforms (``loss="si_sdr"`` for SI-SDR). On FSDD speech
    (``benchmarks/results/regression.md``) ``architecture="masking"`` with
    ``loss="si_sdr"``, ``batch_size=8``, ``lr=2e-3`` and a cosine learning
    rate schedule did clearly better than the ``"conv"`` defaults.

    Parameters
    ----------
    architecture : {"conv", "masking"}, default="conv"
        The network, as above.
    n_layers : int, default=None
        ``"conv"``: hidden convolution layers (6); ``"masking"``: residual
        blocks per stack (8).
    filters : int or tuple of int, default=None
        ``"conv"``: channels of the first hidden layer, multiplied by
        ``filter_growth`` at each following layer, or one count per layer
        (32); ``"masking"``: channels of the residual blocks, an int (64).
    filter_growth : int, default=None
        ``"conv"`` only: factor between the channels of consecutive hidden
        layers when ``filters`` is an int (1: every layer has ``filters``).
    kernel_size : int, default=None
        Convolution length, in samples for ``"conv"`` (9), in encoder frames
        for ``"masking"`` (3).
    dilation_growth : int, default=None
        Layer (block) ``i`` has dilation ``dilation_growth ** i`` (``"conv"``:
        1, ``"masking"``: 2, restarting with each stack).
    norm : {"batch", "group", "instance", "layer", "none"}, default=None
        Normalisation after each hidden convolution (``"conv"``: batch,
        ``"masking"``: layer).
    residual : bool, default=None
        ``"conv"`` only: estimate the noise and subtract it, rather than the
        clean signal (True).
    encoder_channels : int, default=None
        ``"masking"`` only: filters of the encoder and decoder (128).
    encoder_stride : int, default=None
        ``"masking"`` only: hop of the encoder in samples, its filters twice
        as long (8).
    n_repeats : int, default=None
        ``"masking"`` only: stacks of ``n_layers`` blocks (2).
    loss : {"mse", "si_sdr"}, default="mse"
        Training loss.
    {training_options}

    Attributes
    ----------
    input_shape_ : tuple of (int, int)
        ``(n_channels, n_times)`` of the training waveforms.
    {network_attributes}

    See Also
    --------
    SpectrogramSeparator : Separates mixtures into sources.
    skaudio.datasets.make_noisy_speech : Noisy and clean speech to train on.
    skaudio.metrics.si_sdr_improvement : How much the output improved.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> clean = np.sin(np.linspace(0, 200, 400 * 8)).reshape(8, 400)
    >>> noisy = clean + 0.3 * rng.standard_normal(clean.shape)
    >>> den = WaveformDenoiser(n_layers=2, filters=8, max_epochs=2,
    ...                        random_state=0).fit(noisy, clean)
    >>> den.predict(noisy[:3]).shape
    (3, 400)
    >>> den = WaveformDenoiser(architecture="masking", encoder_channels=16,
    ...                        n_layers=2, n_repeats=1, filters=8, max_epochs=2,
    ...                        random_state=0).fit(noisy, clean)
    >>> den.predict(noisy[:3]).shape
    (3, 400)
    """

    _preset_params = ("architecture",)
    _architectures = {"conv": ConvDenoiser, "masking": MaskingDenoiser}
    _parameter_constraints = {
        **_AudioNetRegressor._parameter_constraints,
        "architecture": [StrOptions(set(_architectures))],
        "n_layers": [_POSITIVE, None],
        "filters": [_POSITIVE, tuple, list, None],
        "filter_growth": [_POSITIVE, None],
        "kernel_size": [_POSITIVE, None],
        "dilation_growth": [_POSITIVE, None],
        "norm": [_NORM_OPTIONS, None],
        "residual": ["boolean", None],
        "encoder_channels": [_POSITIVE, None],
        "encoder_stride": [_POSITIVE, None],
        "n_repeats": [_POSITIVE, None],
    }

    def __init__(
        self,
        *,
        architecture="conv",
        n_layers=None,
        filters=None,
        filter_growth=None,
        kernel_size=None,
        dilation_growth=None,
        norm=None,
        residual=None,
        encoder_channels=None,
        encoder_stride=None,
        n_repeats=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.n_layers = n_layers
        self.filters = filters
        self.filter_growth = filter_growth
        self.kernel_size = kernel_size
        self.dilation_growth = dilation_growth
        self.norm = norm
        self.residual = residual
        self.encoder_channels = encoder_channels
        self.encoder_stride = encoder_stride
        self.n_repeats = n_repeats

    def _network(self):
        """Return the network class of ``architecture``, with no preset."""
        return self._architectures[self.architecture], {}

    def _module_data_params(self):
        return {"in_channels": self.input_shape_[0]}

    def _check_target(self, y, X, reset):
        if y.ndim == X.ndim - 1:
            y = y[:, np.newaxis]
        if y.shape != X.shape:
            raise ValueError(
                "y must hold one clean waveform per noisy one, shaped like X: "
                f"expected (n_samples, [n_channels,] n_times) = {X.shape}, got "
                f"y of shape {y.shape}."
            )
        return y

    def predict(self, X):
        """Denoise waveforms.

        Parameters
        ----------
        X : array-like of shape (n_samples, [n_channels,] n_times)
            Noisy waveforms with the training ones' channels, of any length.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, [n_channels,] n_times)
            float32 denoised waveforms, shaped as ``X``.
        """
        y = self._predict_waveforms(X)
        return y[:, 0] if np.ndim(X) == 2 else y


@Substitution(
    training_options=TRAINING_OPTIONS,
    network_attributes=NETWORK_ATTRIBUTES,
)
class SpectrogramSeparator(_AudioNetRegressor):
    """Separate mono mixtures into their sources by masking the mixture's STFT.

    The network, :class:`~skaudio.nn.MaskSeparator`, reads the mixture's
    log-magnitude spectrogram frame by frame with parallel Conv1D branches of
    different kernel sizes and widths (:class:`~skaudio.nn.MultiBranchConv1d`,
    frequency bins as channels), concatenates them and predicts one mask per
    source; each source is the masked mixture spectrogram with the mixture's
    phase, turned back into a waveform (:meth:`predict`), or kept as magnitude
    spectrograms (:meth:`predict_magnitudes`). Sources have no natural order (two
    speakers), so the loss (mean squared error, or SI-SDR) is
    permutation-invariant: each example is scored under its best assignment
    of outputs to references, and so is :meth:`score`.

    Parameters
    ----------
    n_fft : int, default=256
        STFT frame length in samples.
    hop_length : int, default=64
        STFT hop in samples.
    kernel_sizes : tuple of int, default=(3, 9, 27)
        Kernel length of each branch, in frames.
    widths : int or tuple of int, default=128
        Channels of every branch, or one count per branch.
    n_layers : int, default=2
        Convolutions per branch.
    norm : {"batch", "group", "instance", "layer", "none"}, default="batch"
        Normalisation in the branches.
    mask : {"softmax", "sigmoid"}, default="softmax"
        ``"softmax"``: masks that sum to one in every bin; ``"sigmoid"``:
        independent masks in [0, 1].
    dropout : float, default=0.0
        Dropout probability after each convolution block of the branches,
        in training only (0: none).
    input_norm : {"sample", "frequency"}, default="sample"
        Standardisation of each mixture's log-magnitude spectrogram:
        ``"sample"`` over all its bins and frames, ``"frequency"`` each
        frequency bin over the frames.
    loss : {"mse", "si_sdr"}, default="mse"
        Training loss (permutation-invariant).
    {training_options}

    Attributes
    ----------
    n_sources_ : int
        Sources per mixture, from the training ``y``.
    input_shape_ : tuple of (int, int)
        ``(1, n_times)`` of the training mixtures.
    {network_attributes}

    See Also
    --------
    WaveformDenoiser : Removes noise from waveforms.
    skaudio.datasets.make_speaker_mixtures : Mixtures of two speakers.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> sources = rng.standard_normal((8, 2, 800)).astype("float32")
    >>> sep = SpectrogramSeparator(n_fft=64, hop_length=16, widths=8,
    ...                            max_epochs=2, random_state=0)
    >>> sep.fit(sources.sum(axis=1), sources).predict(sources[:3].sum(axis=1)).shape
    (3, 2, 800)
    """

    _module_factory = staticmethod(MaskSeparator)
    _permutation_invariant = True
    _parameter_constraints = {
        **_AudioNetRegressor._parameter_constraints,
        "n_fft": [Interval(Integral, 2, None, closed="left")],
        "hop_length": [_POSITIVE],
        "kernel_sizes": [tuple, list],
        "widths": [_POSITIVE, tuple, list],
        "n_layers": [_POSITIVE],
        "norm": [_NORM_OPTIONS],
        "mask": [StrOptions({"softmax", "sigmoid"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "input_norm": [StrOptions({"sample", "frequency"})],
    }

    def __init__(
        self,
        *,
        n_fft=256,
        hop_length=64,
        kernel_sizes=(3, 9, 27),
        widths=128,
        n_layers=2,
        norm="batch",
        mask="softmax",
        dropout=0.0,
        input_norm="sample",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.kernel_sizes = kernel_sizes
        self.widths = widths
        self.n_layers = n_layers
        self.norm = norm
        self.mask = mask
        self.dropout = dropout
        self.input_norm = input_norm

    def _module_data_params(self):
        return {"n_sources": self.n_sources_}

    def _add_channel_axis(self, X, reset):
        X = super()._add_channel_axis(X, reset)
        if X.shape[1] != 1:
            raise ValueError(
                f"{type(self).__name__} separates mono mixtures: X must have "
                f"shape (n_samples, n_times) or (n_samples, 1, n_times), got "
                f"{X.shape[1]} channels."
            )
        if X.shape[2] <= self.n_fft // 2:
            # the STFT reflects half a frame at each end
            raise ValueError(
                f"Mixtures of {X.shape[2]} samples are too short for "
                f"n_fft={self.n_fft}: need more than n_fft // 2 = "
                f"{self.n_fft // 2} samples."
            )
        return X

    def _check_target(self, y, X, reset):
        if y.ndim != 3 or y.shape[2] != X.shape[2]:
            raise ValueError(
                "y must hold the sources of each mixture, of shape (n_samples, "
                f"n_sources, n_times) with n_times={X.shape[2]}; got y of shape "
                f"{y.shape}."
            )
        if reset and y.shape[1] == 1 and self.mask == "softmax":
            raise ValueError(
                "y holds one source per mixture: with mask='softmax' its mask is "
                "1 in every bin, so the estimate would be the mixture itself. "
                "Give two sources or more, or use mask='sigmoid' (one masked "
                "source) or WaveformDenoiser."
            )
        if reset:
            self.n_sources_ = y.shape[1]
        elif y.shape[1] != self.n_sources_:
            raise ValueError(
                f"y has {y.shape[1]} sources, but {type(self).__name__} was "
                f"fitted on {self.n_sources_}."
            )
        return y

    def predict(self, X):
        """Separate mixtures into sources.

        Parameters
        ----------
        X : array-like of shape (n_samples, [1,] n_times)
            Mixtures of any length (more than ``n_fft // 2`` samples).

        Returns
        -------
        sources : ndarray of shape (n_samples, n_sources, n_times)
            float32 source waveforms, in no particular order.
        """
        return self._predict_waveforms(X)

    def predict_magnitudes(self, X):
        """Magnitude spectrograms of the separated sources.

        The masked mixture spectrograms before they are turned back into
        waveforms: ``|mask * STFT(mixture)|`` with this estimator's ``n_fft``
        and ``hop_length`` (Hann window, centred frames).

        Parameters
        ----------
        X : array-like of shape (n_samples, [1,] n_times)
            Mixtures of any length (more than ``n_fft // 2`` samples).

        Returns
        -------
        magnitudes : ndarray of shape (n_samples, n_sources, n_freqs, n_frames)
            float32, ``n_freqs = n_fft // 2 + 1``; sources in the order of
            :meth:`predict` for the same ``X``.
        """
        check_is_fitted(self)
        dataset = self.get_dataset(self._validate_input(X, reset=False))
        self.module_.eval()
        batches = []
        with torch.inference_mode():
            for Xi, _ in self.get_iterator(dataset, training=False):
                specs = self.module_.source_spectrograms(Xi.to(self.device))
                batches.append(specs.abs().cpu())
        return torch.cat(batches).numpy()
