"""Spectrogram features of waveform arrays, computed with torchaudio.

:class:`MelTransformer`, :class:`MFCCTransformer` and
:class:`SpectrogramTransformer` turn waveforms into time-frequency features
with :mod:`torchaudio.transforms`, in batches of bounded size, on the CPU or a
GPU.

Frame count: with ``n_times`` samples per clip,

- ``center=True``: ``n_frames = 1 + n_times // hop_length``;
- ``center=False``: ``n_frames = 1 + (n_times - n_fft) // hop_length``.
"""

import functools
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from torch import nn

from . import _backend
from ._compat import Interval, StrOptions, check_parameters
from ._device import checked_device
from ._waveforms import DEFAULT_SAMPLE_RATE, check_sample_rate
from .lazy import defer_when_lazy
from .preprocessing import _StatelessWaveformTransformer, _validate_waveforms

__all__ = ["MelTransformer", "MFCCTransformer", "SpectrogramTransformer", "n_frames"]

# Floor of the standard deviation in the per-clip standardisation, so that a
# constant feature map (a silent clip) becomes zeros, never NaN.
_STD_FLOOR = 1e-8


def n_frames(n_times, *, n_fft=1024, hop_length=512, center=True):
    """Return the number of STFT frames of a clip of ``n_times`` samples.

    Parameters
    ----------
    n_times : int
        Samples per clip.
    n_fft : int, default=1024
        FFT size (the frame length).
    hop_length : int, default=512
        Samples between the starts of successive frames.
    center : bool, default=True
        Whether the clip is padded with ``n_fft // 2`` samples on both sides
        so that frame ``t`` is centred on sample ``t * hop_length``.

    Returns
    -------
    n_frames : int
        ``1 + (n_padded - n_fft) // hop_length``, where ``n_padded`` is
        ``n_times + 2 * (n_fft // 2)`` when ``center``, else ``n_times``:
        ``1 + n_times // hop_length`` for a centred, even ``n_fft``.

    Examples
    --------
    >>> n_frames(16000, n_fft=1024, hop_length=512)
    32
    >>> n_frames(16000, n_fft=1024, hop_length=512, center=False)
    30
    >>> n_frames(4000, n_fft=127, hop_length=40)  # odd: 63 samples each side
    100
    """
    n_padded = n_times + 2 * (n_fft // 2) if center else n_times
    return 1 + (n_padded - n_fft) // hop_length


class _FeatureModule(nn.Module):
    """Waveforms ``(batch, channels, n_times)`` → ``(batch, channels, F, T)``.

    Chains a torchaudio spectrogram transform, decibels with ``top_db`` per
    clip, an optional DCT (MFCC) and an optional per-clip standardisation.
    """

    def __init__(self, spectrogram, *, power, db, top_db, amin, dct, standardize):
        super().__init__()
        self.spectrogram = spectrogram
        self.db = db
        # dB of a spectrogram raised to `power` is 20 / power * log10(S), and
        # `amin` floors the power (|X| ** 2), so S is floored at amin ** (power / 2).
        self.multiplier = 20.0 / power
        self.floor = amin ** (power / 2.0)
        self.top_db = top_db
        self.standardize = standardize
        self.register_buffer("dct", dct)

    def forward(self, x):
        x = self.spectrogram(x)
        if self.db:
            # torchaudio.functional.amplitude_to_DB with ref 1.0 and top_db per
            # clip (over its channels), done in place on this batch's fresh
            # spectrogram: fewer passes and allocations, which matters when
            # the CPU is shared.
            x = x.clamp_(min=self.floor).log10_().mul_(self.multiplier)
            if self.top_db is not None:
                x = x.clamp_(min=x.amax(dim=(1, 2, 3), keepdim=True) - self.top_db)
        if self.dct is not None:
            x = torch.matmul(x.transpose(-1, -2), self.dct).transpose(-1, -2)
        if self.standardize:
            x = x - x.mean(dim=(1, 2, 3), keepdim=True)
            std = x.square().mean(dim=(1, 2, 3), keepdim=True).sqrt()
            x = x / std.clamp(min=_STD_FLOOR)
        return x


@functools.cache
def _param_names(cls):
    """Names of ``cls``'s parameters, sorted, as ``get_params`` gives them."""
    return tuple(sorted(cls().get_params(deep=False)))


@functools.lru_cache(maxsize=32)
def _checked_feature_module(cls, params):
    """Validate a transformer's settings and build its module, once per settings.

    Checking the parameters and building the window and filterbank cost more
    than the features of one short clip; a transformer (or an equal one)
    transforming again reuses both. The module holds only constant buffers.

    Parameters
    ----------
    cls : type
        A :class:`_SpectralTransformer` subclass.
    params : tuple of (str, object)
        Its parameters, sorted by name.

    Returns
    -------
    module : _FeatureModule
        On the transformer's device.
    """
    transformer = cls(**dict(params))
    check_parameters(transformer)
    transformer._check_settings()
    return transformer._module(checked_device(transformer.device))


_STFT_CONSTRAINTS = {
    "n_fft": [Interval(Integral, 1, None, closed="left")],
    "win_length": [Interval(Integral, 1, None, closed="left"), None],
    "hop_length": [Interval(Integral, 1, None, closed="left"), None],
    "power": [Interval(Real, 0, None, closed="neither")],
    "center": ["boolean"],
    "pad_mode": [StrOptions({"reflect", "constant", "replicate", "circular"})],
    "top_db": [Interval(Real, 0, None, closed="left"), None],
    "amin": [Interval(Real, 0, None, closed="neither")],
    "standardize": ["boolean"],
    "layout": [StrOptions({"image", "sequence"})],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "device": [StrOptions({"cpu", "cuda", "auto"})],
}

_MEL_CONSTRAINTS = {
    "sample_rate": [Interval(Integral, 1, None, closed="left")],
    "f_min": [Interval(Real, 0, None, closed="left")],
    "f_max": [Interval(Real, 0, None, closed="neither"), None],
    "n_mels": [Interval(Integral, 1, None, closed="left")],
    "norm": [StrOptions({"slaney"}), None],
    "mel_scale": [StrOptions({"htk", "slaney"})],
}


class _SpectralTransformer(_StatelessWaveformTransformer):
    """Shared validation and batched computation of the feature transformers.

    Subclasses define ``_n_bins()`` (feature rows per channel) and
    ``_spectrogram()`` (the torchaudio transform), and may override
    ``_check_settings()``, ``_power()``, ``_db()`` and ``_dct()``.
    """

    def _db(self):
        return self.scale == "db"

    def _power(self):
        return self.power

    def _dct(self):
        return None

    def _check_settings(self):
        """Raise ValueError for parameter combinations torch would reject."""
        if self.win_length is not None and self.win_length > self.n_fft:
            raise ValueError(
                f"win_length={self.win_length} must be <= n_fft={self.n_fft}."
            )
        checked_device(self.device)

    def _hop(self):
        win_length = self.n_fft if self.win_length is None else self.win_length
        return win_length // 2 if self.hop_length is None else self.hop_length

    def _min_n_times(self):
        """Fewest samples per clip that the STFT settings accept."""
        if not self.center:
            return self.n_fft
        return {"reflect": self.n_fft // 2 + 1, "circular": self.n_fft // 2}.get(
            self.pad_mode, 1
        )

    def _check_n_times(self, n_times):
        """Raise ValueError when clips are too short for the STFT settings."""
        if n_times >= self._min_n_times():
            return
        name = type(self).__name__
        if not self.center:
            raise ValueError(
                f"{name} got clips of {n_times} samples, shorter than "
                f"n_fft={self.n_fft}; with center=False every clip needs at least "
                "n_fft samples. Use center=True, a smaller n_fft, or longer clips."
            )
        pad = self.n_fft // 2
        rule = "more than" if self.pad_mode == "reflect" else "at least"
        raise ValueError(
            f"{name} got clips of {n_times} samples; center=True with "
            f"pad_mode='{self.pad_mode}' needs {rule} n_fft // 2 = {pad} samples. "
            "Use pad_mode='constant', a smaller n_fft, or longer clips."
        )

    def _validate(self, X, reset):
        self._checked_module()
        return self._validate_waveforms(X, reset)

    def _validate_waveforms(self, X, reset):
        X = _validate_waveforms(self, X, reset=reset)
        self._check_n_times(X.shape[-1])
        return X

    def _checked_module(self):
        """Validate the settings and return the feature module, both cached."""
        # get_params reads __init__'s signature on every call, which costs
        # as much as the features of a short clip: read the names once.
        params = tuple((name, getattr(self, name)) for name in _param_names(type(self)))
        try:
            hash(params)
        except TypeError:  # an unhashable value, which validation will name
            return _checked_feature_module.__wrapped__(type(self), params)
        return _checked_feature_module(type(self), params)

    def _module(self, device, spectrogram=None):
        """Build the feature module; ``spectrogram`` replaces ``_spectrogram()``."""
        return _FeatureModule(
            self._spectrogram() if spectrogram is None else spectrogram,
            power=self._power(),
            db=self._db(),
            top_db=self.top_db,
            amin=self.amin,
            dct=self._dct(),
            standardize=self.standardize,
        ).to(device)

    @defer_when_lazy
    def transform(self, X):
        """Compute the features, ``batch_size`` clips at a time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            Waveforms.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_channels, n_bins, n_frames) or \
                (n_samples, n_channels * n_bins, n_frames)
            The features in float32, the first shape with ``layout="image"``
            (``n_channels=1`` for 2-D input), the second with
            ``layout="sequence"``. ``n_bins`` is ``n_mels``, ``n_mfcc`` or
            ``n_fft // 2 + 1``.
        """
        module = self._checked_module()
        X = self._validate_waveforms(X, reset=False)
        if X.ndim == 2:
            X = X[:, np.newaxis, :]
        n_samples, n_channels, n_times = X.shape
        device = checked_device(self.device)
        n_bins = self._n_bins()
        Xt = np.empty(
            (n_samples, n_channels, n_bins, self._n_frames(n_times)), dtype=np.float32
        )
        with torch.inference_mode():
            for start in range(0, n_samples, self.batch_size):
                batch = X[start : start + self.batch_size]
                if not batch.flags.writeable:
                    # torch.from_numpy warns on read-only arrays (memmaps).
                    batch = batch.copy()
                batch = torch.from_numpy(batch).to(device)
                Xt[start : start + len(batch)] = module(batch).cpu().numpy()
        if self.layout == "sequence":
            return Xt.reshape(n_samples, n_channels * n_bins, -1)
        return Xt

    def _n_frames(self, n_times):
        return n_frames(
            n_times, n_fft=self.n_fft, hop_length=self._hop(), center=self.center
        )

    def _stft_kwargs(self):
        return dict(
            n_fft=self.n_fft,
            win_length=self.win_length,
            hop_length=self._hop(),
            power=self._power(),
            center=self.center,
            pad_mode=self.pad_mode,
        )


class _MelMixin:
    """Validation and filterbank shared by the Mel and MFCC transformers."""

    def _f_max(self):
        return self.sample_rate / 2 if self.f_max is None else self.f_max

    def _check_settings(self):
        super()._check_settings()
        nyquist = self.sample_rate / 2
        if self.f_max is not None and self.f_max > nyquist:
            raise ValueError(
                f"f_max={self.f_max} Hz is above the Nyquist frequency "
                f"sample_rate / 2 = {nyquist} Hz."
            )
        if self.f_min >= self._f_max():
            raise ValueError(
                f"f_min={self.f_min} Hz must be below f_max={self._f_max()} Hz "
                "(f_max=None means sample_rate / 2)."
            )
        n_freqs = self.n_fft // 2 + 1
        with warnings.catch_warnings():
            # torchaudio only warns about empty filters; we raise below.
            warnings.simplefilter("ignore", UserWarning)
            fbanks = self._filterbank()
        empty = int((fbanks.amax(dim=0) == 0).sum())
        if empty:
            raise ValueError(
                f"n_mels={self.n_mels} is too many for n_fft={self.n_fft}: "
                f"{empty} of the Mel filters between {self.f_min} and "
                f"{self._f_max()} Hz fall between the {n_freqs} FFT bins and are "
                "all zero. Use fewer Mel bands, a larger n_fft or a wider "
                "f_min..f_max range."
            )

    def _filterbank(self):
        """Return the Mel filters, a tensor of shape ``(n_fft // 2 + 1, n_mels)``."""
        return _backend.mel_filterbank(
            self.n_fft // 2 + 1,
            float(self.f_min),
            float(self._f_max()),
            self.n_mels,
            self.sample_rate,
            self.norm,
            self.mel_scale,
        )

    def _validate_waveforms(self, X, reset):
        check_sample_rate(X, self.sample_rate, self)
        return super()._validate_waveforms(X, reset)

    def _spectrogram(self):
        return _backend.mel_spectrogram(
            sample_rate=self.sample_rate,
            f_min=float(self.f_min),
            f_max=None if self.f_max is None else float(self.f_max),
            n_mels=self.n_mels,
            norm=self.norm,
            mel_scale=self.mel_scale,
            **self._stft_kwargs(),
        )


class MelTransformer(_MelMixin, _SpectralTransformer):
    """Log-Mel spectrograms of waveforms, computed with torchaudio.

    Computes what :class:`torchaudio.transforms.MelSpectrogram` computes
    (STFT with a periodic Hann window, then a triangular Mel filterbank),
    from torchaudio's ``Spectrogram`` and ``MelScale``, followed by decibels
    of the power, ``10 * log10(max(P, amin))`` (with ``power=1``, a
    magnitude ``M``: ``20 * log10(M)``, the same decibels), with ``top_db``
    applied to each clip on its own, and an optional per-clip
    standardisation. Stateless: ``fit`` only
    checks the parameters against the input.

    The defaults suit 1 s clips at 16 kHz: 16,000 samples give 64 Mel bands
    × 32 frames (``1 + 16000 // 512``). At 8 kHz, ``n_fft=512,
    hop_length=256`` gives the same 64 × 32 from 8,000 samples.

    Parameters
    ----------
    sample_rate : int, default=16000
        Sample rate of the input in Hz, the rate
        :class:`~skaudio.io.WaveformLoader` resamples to by default. Waveforms
        from the loader carry their rate, and a different one is an error that
        names both rates.
    n_fft : int, default=1024
        FFT size; ``n_fft // 2 + 1`` frequency bins feed the filterbank.
    win_length : int, default=None
        Hann window length (zero-padded to ``n_fft``); ``None`` means ``n_fft``.
    hop_length : int, default=512
        Samples between successive frames; ``None`` means ``win_length // 2``.
    f_min : float, default=0.0
        Lowest filterbank frequency in Hz.
    f_max : float, default=None
        Highest filterbank frequency in Hz, at most ``sample_rate / 2``;
        ``None`` means ``sample_rate / 2``.
    n_mels : int, default=64
        Number of Mel bands. Every filter must cover at least one FFT bin.
    power : float, default=2.0
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    center : bool, default=True
        Pad each clip with ``n_fft // 2`` samples on both sides (see
        ``pad_mode``) so that frame ``t`` is centred on sample
        ``t * hop_length``.
    pad_mode : {"reflect", "constant", "replicate", "circular"}, \
            default="reflect"
        Padding when ``center=True``. ``"reflect"`` needs clips longer than
        ``n_fft // 2``. (librosa's default is ``"constant"``.)
    norm : {"slaney"} or None, default=None
        ``"slaney"`` divides each triangle by its width (constant energy per
        band), as librosa does by default.
    mel_scale : {"htk", "slaney"}, default="htk"
        ``"htk"``: ``mel = 2595 * log10(1 + f / 700)``; ``"slaney"``: linear
        below 1 kHz and logarithmic above (librosa's default).
    scale : {"db"} or None, default="db"
        ``"db"``: decibels relative to 1.0; ``None``: the linear Mel spectrogram.
    top_db : float, default=80.0
        With ``scale="db"``, raise every value to at least the clip's maximum
        minus ``top_db`` (over all its channels, never over the batch).
        ``None`` keeps the full range.
    amin : float, default=1e-10
        With ``scale="db"``, floor of the power before the logarithm
        (-100 dB), whatever ``power`` is.
    standardize : bool, default=False
        Shift and scale each clip's features (all channels, bands and frames
        together) to zero mean and unit variance. A constant (silent) clip
        becomes zeros.
    layout : {"image", "sequence"}, default="image"
        ``"image"``: ``(n_samples, n_channels, n_mels, n_frames)`` for 2-D
        CNNs; ``"sequence"``: ``(n_samples, n_channels * n_mels, n_frames)``,
        features as channels over time, for 1-D CNNs.
    batch_size : int, default=256
        Clips computed at once; bounds the working memory.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to compute; ``"auto"`` picks CUDA when available. The output is
        always a NumPy array.

    Attributes
    ----------
    n_features_in_ : int
        ``X.shape[1]`` at fit: samples of 2-D input, channels of 3-D input.

    See Also
    --------
    MFCCTransformer : Mel-frequency cepstral coefficients.
    SpectrogramTransformer : Linear-frequency spectrograms.
    skaudio.features.n_frames : The number of frames for a clip length.

    Notes
    -----
    Frames: ``1 + n_times // hop_length`` with ``center=True``, else
    ``1 + (n_times - n_fft) // hop_length``. With ``scale=None, norm="slaney",
    mel_scale="slaney", pad_mode="reflect"`` the output matches
    ``librosa.feature.melspectrogram(..., pad_mode="reflect")``.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((3, 16000)).astype("float32")
    >>> MelTransformer().fit_transform(X).shape
    (3, 1, 64, 32)
    >>> MelTransformer(layout="sequence").fit_transform(X).shape
    (3, 64, 32)
    """

    _parameter_constraints = {
        **_MEL_CONSTRAINTS,
        **_STFT_CONSTRAINTS,
        "scale": [StrOptions({"db"}), None],
    }

    def __init__(
        self,
        *,
        sample_rate=DEFAULT_SAMPLE_RATE,
        n_fft=1024,
        win_length=None,
        hop_length=512,
        f_min=0.0,
        f_max=None,
        n_mels=64,
        power=2.0,
        center=True,
        pad_mode="reflect",
        norm=None,
        mel_scale="htk",
        scale="db",
        top_db=80.0,
        amin=1e-10,
        standardize=False,
        layout="image",
        batch_size=256,
        device="cpu",
    ):
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.win_length = win_length
        self.hop_length = hop_length
        self.f_min = f_min
        self.f_max = f_max
        self.n_mels = n_mels
        self.power = power
        self.center = center
        self.pad_mode = pad_mode
        self.norm = norm
        self.mel_scale = mel_scale
        self.scale = scale
        self.top_db = top_db
        self.amin = amin
        self.standardize = standardize
        self.layout = layout
        self.batch_size = batch_size
        self.device = device

    def _n_bins(self):
        return self.n_mels


class MFCCTransformer(_MelMixin, _SpectralTransformer):
    """Mel-frequency cepstral coefficients of waveforms, with torchaudio.

    The log-Mel spectrogram of :class:`MelTransformer` (power 2, decibels with
    ``top_db`` per clip), followed by a type-II DCT over the Mel bands
    (:func:`torchaudio.functional.create_dct`), keeping the first ``n_mfcc``
    coefficients, as ``librosa.feature.mfcc`` does. Stateless.

    The defaults suit 1 s clips at 16 kHz: 16,000 samples give 20
    coefficients × 32 frames.

    Parameters
    ----------
    n_mfcc : int, default=20
        Coefficients kept, at most ``n_mels``.
    dct_norm : {"ortho"} or None, default="ortho"
        Normalisation of the DCT; ``"ortho"`` makes it orthonormal.
    sample_rate : int, default=16000
        Sample rate of the input in Hz, the rate
        :class:`~skaudio.io.WaveformLoader` resamples to by default. Waveforms
        from the loader carry their rate, and a different one is an error that
        names both rates.
    n_fft : int, default=1024
        FFT size; ``n_fft // 2 + 1`` frequency bins feed the filterbank.
    win_length : int, default=None
        Hann window length (zero-padded to ``n_fft``); ``None`` means ``n_fft``.
    hop_length : int, default=512
        Samples between successive frames; ``None`` means ``win_length // 2``.
    f_min : float, default=0.0
        Lowest filterbank frequency in Hz.
    f_max : float, default=None
        Highest filterbank frequency in Hz, at most ``sample_rate / 2``;
        ``None`` means ``sample_rate / 2``.
    n_mels : int, default=64
        Number of Mel bands. Every filter must cover at least one FFT bin.
    center : bool, default=True
        Pad each clip with ``n_fft // 2`` samples on both sides (see
        ``pad_mode``) so that frame ``t`` is centred on sample
        ``t * hop_length``.
    pad_mode : {"reflect", "constant", "replicate", "circular"}, \
            default="reflect"
        Padding when ``center=True``. ``"reflect"`` needs clips longer than
        ``n_fft // 2``.
    norm : {"slaney"} or None, default=None
        Filterbank normalisation, as in :class:`MelTransformer`.
    mel_scale : {"htk", "slaney"}, default="htk"
        Mel scale, as in :class:`MelTransformer`.
    top_db : float, default=80.0
        Floor of the log-Mel spectrogram at the clip's maximum minus
        ``top_db`` dB before the DCT (librosa's default); ``None`` for none.
    amin : float, default=1e-10
        Floor of the Mel power before the logarithm (-100 dB).
    standardize : bool, default=False
        Shift and scale each clip's coefficients (all channels and frames
        together) to zero mean and unit variance.
    layout : {"image", "sequence"}, default="image"
        ``"image"``: ``(n_samples, n_channels, n_mfcc, n_frames)``;
        ``"sequence"``: ``(n_samples, n_channels * n_mfcc, n_frames)`` for
        1-D CNNs.
    batch_size : int, default=256
        Clips computed at once; bounds the working memory.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to compute; ``"auto"`` picks CUDA when available.

    Attributes
    ----------
    n_features_in_ : int
        ``X.shape[1]`` at fit: samples of 2-D input, channels of 3-D input.

    See Also
    --------
    MelTransformer : The log-Mel spectrogram these are computed from.

    Notes
    -----
    Frames: ``1 + n_times // hop_length`` with ``center=True``, else
    ``1 + (n_times - n_fft) // hop_length``.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((3, 16000)).astype("float32")
    >>> MFCCTransformer(layout="sequence").fit_transform(X).shape
    (3, 20, 32)
    """

    _parameter_constraints = {
        "n_mfcc": [Interval(Integral, 1, None, closed="left")],
        "dct_norm": [StrOptions({"ortho"}), None],
        **_MEL_CONSTRAINTS,
        **{k: v for k, v in _STFT_CONSTRAINTS.items() if k != "power"},
    }

    def __init__(
        self,
        *,
        n_mfcc=20,
        dct_norm="ortho",
        sample_rate=DEFAULT_SAMPLE_RATE,
        n_fft=1024,
        win_length=None,
        hop_length=512,
        f_min=0.0,
        f_max=None,
        n_mels=64,
        center=True,
        pad_mode="reflect",
        norm=None,
        mel_scale="htk",
        top_db=80.0,
        amin=1e-10,
        standardize=False,
        layout="image",
        batch_size=256,
        device="cpu",
    ):
        self.n_mfcc = n_mfcc
        self.dct_norm = dct_norm
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.win_length = win_length
        self.hop_length = hop_length
        self.f_min = f_min
        self.f_max = f_max
        self.n_mels = n_mels
        self.center = center
        self.pad_mode = pad_mode
        self.norm = norm
        self.mel_scale = mel_scale
        self.top_db = top_db
        self.amin = amin
        self.standardize = standardize
        self.layout = layout
        self.batch_size = batch_size
        self.device = device

    def _check_settings(self):
        super()._check_settings()
        if self.n_mfcc > self.n_mels:
            raise ValueError(
                f"n_mfcc={self.n_mfcc} must be <= n_mels={self.n_mels}: the DCT "
                "of n_mels bands has n_mels coefficients."
            )

    def _n_bins(self):
        return self.n_mfcc

    # librosa.feature.mfcc takes the DCT of the decibels of the Mel *power*.
    def _power(self):
        return 2.0

    def _db(self):
        return True

    def _dct(self):
        return _backend.dct_matrix(self.n_mfcc, self.n_mels, self.dct_norm)


class SpectrogramTransformer(_SpectralTransformer):
    """Linear-frequency spectrograms of waveforms, computed with torchaudio.

    Uses :class:`torchaudio.transforms.Spectrogram` (STFT with a periodic
    Hann window), then ``|X| ** power`` from ``X * conj(X)``, with optional
    decibels (``top_db`` per clip) and per-clip standardisation. Stateless.

    The defaults suit 1 s clips at 16 kHz: 16,000 samples give 513 bins ×
    32 frames.

    Parameters
    ----------
    n_fft : int, default=1024
        FFT size; the output has ``n_fft // 2 + 1`` frequency bins.
    win_length : int, default=None
        Hann window length (zero-padded to ``n_fft``); ``None`` means ``n_fft``.
    hop_length : int, default=512
        Samples between successive frames; ``None`` means ``win_length // 2``.
    power : float, default=2.0
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    center : bool, default=True
        Pad each clip with ``n_fft // 2`` samples on both sides (see
        ``pad_mode``) so that frame ``t`` is centred on sample
        ``t * hop_length``.
    pad_mode : {"reflect", "constant", "replicate", "circular"}, \
            default="reflect"
        Padding when ``center=True``. ``"reflect"`` needs clips longer than
        ``n_fft // 2``.
    scale : {"db"} or None, default="db"
        ``"db"``: decibels relative to 1.0 of the power ``|X| ** 2``,
        whatever ``power`` is: ``(20 / power) * log10(S)`` for the
        spectrogram ``S = |X| ** power``; ``None``: the linear spectrogram.
    top_db : float, default=80.0
        With ``scale="db"``, raise every value to at least the clip's maximum
        minus ``top_db``. ``None`` keeps the full range.
    amin : float, default=1e-10
        With ``scale="db"``, floor of the power before the logarithm
        (-100 dB), whatever ``power`` is.
    standardize : bool, default=False
        Shift and scale each clip's features to zero mean and unit variance.
    layout : {"image", "sequence"}, default="image"
        ``"image"``: ``(n_samples, n_channels, n_fft // 2 + 1, n_frames)``;
        ``"sequence"``: ``(n_samples, n_channels * (n_fft // 2 + 1), n_frames)``.
    batch_size : int, default=256
        Clips computed at once; bounds the working memory.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to compute; ``"auto"`` picks CUDA when available.

    Attributes
    ----------
    n_features_in_ : int
        ``X.shape[1]`` at fit: samples of 2-D input, channels of 3-D input.

    See Also
    --------
    MelTransformer : Mel-frequency spectrograms.

    Notes
    -----
    Frames: ``1 + n_times // hop_length`` with ``center=True``, else
    ``1 + (n_times - n_fft) // hop_length``.

    Examples
    --------
    >>> X = np.zeros((2, 8000), dtype="float32")
    >>> SpectrogramTransformer(n_fft=256, hop_length=128).fit_transform(X).shape
    (2, 1, 129, 63)
    """

    _parameter_constraints = {
        **_STFT_CONSTRAINTS,
        "scale": [StrOptions({"db"}), None],
    }

    def __init__(
        self,
        *,
        n_fft=1024,
        win_length=None,
        hop_length=512,
        power=2.0,
        center=True,
        pad_mode="reflect",
        scale="db",
        top_db=80.0,
        amin=1e-10,
        standardize=False,
        layout="image",
        batch_size=256,
        device="cpu",
    ):
        self.n_fft = n_fft
        self.win_length = win_length
        self.hop_length = hop_length
        self.power = power
        self.center = center
        self.pad_mode = pad_mode
        self.scale = scale
        self.top_db = top_db
        self.amin = amin
        self.standardize = standardize
        self.layout = layout
        self.batch_size = batch_size
        self.device = device

    def _n_bins(self):
        return self.n_fft // 2 + 1

    def _spectrogram(self):
        return _backend.spectrogram(**self._stft_kwargs())
