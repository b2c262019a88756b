"""Training-time augmentation for the skaudio classifiers.

Each object here is a small scikit-learn estimator (``get_params``, ``clone``,
``repr``, searchable by ``GridSearchCV`` as an element of a classifier's
``augment`` list) that is also a callable on a torch batch. A classifier given
``augment=[...]`` applies the list while it trains, at every training step,
and never in ``predict`` or ``predict_proba``:

- waveform augmentations (``domain = "waveform"``) act on ``(batch, channels,
  n_times)`` waveforms, before the classifier's ``frontend`` computes features;
- spectrogram augmentations (``domain = "features"``) act on the features the
  network sees, ``(batch, channels, n_freqs, n_frames)`` or ``(batch,
  n_features, n_frames)``;
- :class:`Mixup` mixes pairs of examples and their labels in the training
  iterator (soft targets for the cross-entropy loss).

Sizes are fractions of the clip, the spectrum or the Nyquist frequency, so
that the same objects suit any sample rate and clip length. Randomness comes
from torch's global generator, which the classifiers seed from their
``random_state``: the same seed gives the same fit.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ._compat import Interval, StrOptions, check_parameters
from .nn._layers import random_band

__all__ = [
    "AddNoise",
    "FrequencyBandGain",
    "Mixup",
    "RandomFilter",
    "RandomGain",
    "RandomTilt",
    "SpecAugment",
    "SpeedPerturbation",
    "TimeShift",
    "standard_augmentation",
    "split_by_domain",
]


class _Augmentation(BaseEstimator):
    """Base: validated parameters, a domain and ``__call__`` on a torch batch."""

    domain = "waveform"

    def check(self):
        """Validate the parameters against ``_parameter_constraints``.

        Calling the augmentation does it too, once per set of values.

        Returns
        -------
        self : object
            The augmentation.
        """
        check_parameters(self)
        self._check_ranges()
        self.__dict__["_checked"] = self._values()
        return self

    def _values(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def _check_once(self):
        """Run :meth:`check` unless these very values passed it already.

        Cheap enough for every training step: values are compared by
        identity, so any ``set_params`` or assignment is checked again.
        """
        checked, values = self.__dict__.get("_checked"), self._values()
        if (
            checked is None
            or checked.keys() != values.keys()
            or any(values[k] is not checked[k] for k in values)
        ):
            self.check()

    def _check_ranges(self):
        """Raise ValueError for inconsistent pairs of parameters."""

    def _check_order(self, low_name, high_name):
        low, high = getattr(self, low_name), getattr(self, high_name)
        if low > high:
            raise ValueError(
                f"{type(self).__name__}: {low_name}={low} must be <= "
                f"{high_name}={high}."
            )

    def __call__(self, x):
        """Augment a batch, each example with its own random draw.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, n_times) or (batch, ..., n_frames)
            Waveforms or features, per ``domain``.

        Returns
        -------
        y : Tensor of the same shape
        """
        self._check_once()
        return self._apply(x)


def _uniform(n, low, high, x):
    """``n`` draws from U(low, high), shaped to broadcast over ``x``'s batch."""
    shape = (n,) + (1,) * (x.ndim - 1)
    return low + (high - low) * torch.rand(shape, device=x.device)


def _nyquist_fractions(x):
    """Frequencies of the bins of ``rfft(x)`` as fractions of Nyquist, 0..1."""
    return torch.fft.rfftfreq(x.shape[-1], device=x.device) * 2


def _filtered(x, response):
    """``x`` with its spectrum multiplied by ``response`` (zero phase)."""
    return torch.fft.irfft(torch.fft.rfft(x) * response, n=x.shape[-1])


class TimeShift(_Augmentation):
    """Shift each waveform in time by a random offset.

    Parameters
    ----------
    max_shift : float, default=0.1
        Largest shift, as a fraction of the clip length, either way.
    mode : {"circular", "zero"}, default="circular"
        ``"circular"`` rolls the clip (what leaves one end enters the other);
        ``"zero"`` fills the vacated samples with silence.

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(10.0).view(1, 1, 10)
    >>> _ = torch.manual_seed(0)
    >>> TimeShift(max_shift=0.5, mode="zero")(x).shape
    torch.Size([1, 1, 10])
    """

    _parameter_constraints = {
        "max_shift": [Interval(Real, 0, 1, closed="both")],
        "mode": [StrOptions({"circular", "zero"})],
    }

    def __init__(self, *, max_shift=0.1, mode="circular"):
        self.max_shift = max_shift
        self.mode = mode

    def _apply(self, x):
        n_times = x.shape[-1]
        limit = int(self.max_shift * n_times)
        shifts = torch.randint(-limit, limit + 1, (x.shape[0],)).tolist()
        # One copy per example: cheaper than a gather over the whole batch.
        out = torch.empty_like(x) if self.mode == "circular" else torch.zeros_like(x)
        for i, shift in enumerate(shifts):
            if self.mode == "circular":
                out[i] = torch.roll(x[i], shift, dims=-1)
            elif shift >= 0:
                out[i, ..., shift:] = x[i, ..., : n_times - shift]
            else:
                out[i, ..., :shift] = x[i, ..., -shift:]
        return out


class RandomGain(_Augmentation):
    """Scale each waveform by a random gain.

    Parameters
    ----------
    min_gain_db, max_gain_db : float, default=-6.0, 6.0
        Range of the gain in decibels, drawn uniformly.

    Examples
    --------
    >>> import torch
    >>> RandomGain(min_gain_db=6, max_gain_db=6)(torch.ones(1, 1, 4)).round(decimals=2)
    tensor([[[2., 2., 2., 2.]]])
    """

    _parameter_constraints = {
        "min_gain_db": [Real],
        "max_gain_db": [Real],
    }

    def __init__(self, *, min_gain_db=-6.0, max_gain_db=6.0):
        self.min_gain_db = min_gain_db
        self.max_gain_db = max_gain_db

    def _check_ranges(self):
        self._check_order("min_gain_db", "max_gain_db")

    def _apply(self, x):
        gain_db = _uniform(x.shape[0], self.min_gain_db, self.max_gain_db, x)
        return x * 10.0 ** (gain_db / 20.0)


def _coloured_noise(shape, colour, device):
    """Gaussian noise whose power falls as ``1 / f ** k`` (white 0, pink 1, brown 2)."""
    white = torch.randn(shape, device=device)
    exponent = {"white": 0.0, "pink": 1.0, "brown": 2.0}[colour]
    if exponent == 0.0:
        return white
    n_times = shape[-1]
    spectrum = torch.fft.rfft(white)
    freqs = torch.fft.rfftfreq(n_times, device=device)
    freqs[0] = freqs[1] if n_times > 1 else 1.0
    return torch.fft.irfft(spectrum / freqs ** (exponent / 2), n=n_times)


def _power(x):
    return x.square().mean(dim=tuple(range(1, x.ndim)), keepdim=True)


class AddNoise(_Augmentation):
    """Add noise to each waveform at a random signal-to-noise ratio.

    Parameters
    ----------
    min_snr_db, max_snr_db : float, default=5.0, 40.0
        Range of the signal-to-noise ratio in decibels, drawn uniformly per
        example (relative to the example's own power).
    colour : {"white", "pink", "brown", "mixed"}, default="mixed"
        Spectrum of generated noise; ``"mixed"`` draws one of the three per
        batch. Ignored when ``noise`` is given.
    noise : array-like of shape (n_clips, n_times), default=None
        Noise clips to draw from instead (e.g. recordings of rooms or
        streets at the training data's sample rate); each example gets a
        random clip at a random offset, repeated when shorter.

    Examples
    --------
    >>> import torch
    >>> x = torch.ones(2, 1, 100)
    >>> _ = torch.manual_seed(0)
    >>> y = AddNoise(min_snr_db=20, max_snr_db=20, colour="white")(x)
    >>> float((y - x).square().mean()) < 0.02
    True
    """

    _parameter_constraints = {
        "min_snr_db": [Real],
        "max_snr_db": [Real],
        "colour": [StrOptions({"white", "pink", "brown", "mixed"})],
        "noise": ["array-like", None],
    }

    def __init__(self, *, min_snr_db=5.0, max_snr_db=40.0, colour="mixed", noise=None):
        self.min_snr_db = min_snr_db
        self.max_snr_db = max_snr_db
        self.colour = colour
        self.noise = noise

    def _check_ranges(self):
        self._check_order("min_snr_db", "max_snr_db")
        if self.noise is not None:
            noise = np.asarray(self.noise)
            if noise.ndim != 2 or noise.shape[0] == 0 or noise.shape[1] == 0:
                raise ValueError(
                    "AddNoise: noise must be a non-empty array of shape "
                    f"(n_clips, n_times), got shape {noise.shape}."
                )
            if not np.isfinite(noise).all():
                raise ValueError("AddNoise: noise holds NaN or infinite values.")

    def _noise_like(self, x):
        if self.noise is None:
            colour = self.colour
            if colour == "mixed":
                colour = ("white", "pink", "brown")[int(torch.randint(3, ()))]
            return _coloured_noise(x.shape, colour, x.device)
        clips = torch.as_tensor(np.asarray(self.noise, dtype=np.float32)).to(x.device)
        n, n_times = x.shape[0], x.shape[-1]
        picks = torch.randint(len(clips), (n,), device=x.device)
        offsets = torch.randint(clips.shape[1], (n, 1), device=x.device)
        index = (offsets + torch.arange(n_times, device=x.device)) % clips.shape[1]
        noise = clips[picks[:, None], index]  # (n, n_times)
        return noise.view(n, *([1] * (x.ndim - 2)), n_times).expand_as(x)

    def _apply(self, x):
        noise = self._noise_like(x)
        snr_db = _uniform(x.shape[0], self.min_snr_db, self.max_snr_db, x)
        scale = (_power(x) / _power(noise).clamp(min=1e-12)).sqrt()
        return x + noise * scale * 10.0 ** (-snr_db / 20.0)


class SpeedPerturbation(_Augmentation):
    """Play each waveform faster or slower (pitch and tempo together).

    The clip is resampled by linear interpolation at a random rate and
    cropped or zero-padded back to its length, as a recording played at
    another speed. Linear interpolation is cheap enough for every step on a
    CPU (a windowed-sinc resampler per random rate is not); its slight
    aliasing at rates above 1 is itself a mild augmentation.

    Parameters
    ----------
    min_rate, max_rate : float, default=0.9, 1.1
        Range of the speed factor (1.1: 10 % faster and higher).

    Examples
    --------
    >>> import torch
    >>> SpeedPerturbation()(torch.randn(3, 1, 800)).shape
    torch.Size([3, 1, 800])
    """

    _parameter_constraints = {
        "min_rate": [Interval(Real, 0, None, closed="neither")],
        "max_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, min_rate=0.9, max_rate=1.1):
        self.min_rate = min_rate
        self.max_rate = max_rate

    def _check_ranges(self):
        self._check_order("min_rate", "max_rate")

    def _apply(self, x):
        n, n_times = x.shape[0], x.shape[-1]
        rates = _uniform(n, self.min_rate, self.max_rate, x).view(n, 1)
        # Output sample t reads input position t * rate.
        position = torch.arange(n_times, device=x.device) * rates  # (n, n_times)
        left = position.floor().long()
        frac = (position - left).unsqueeze(1)
        inside = (left < n_times).unsqueeze(1)
        left = left.clamp(max=n_times - 1)
        right = (left + 1).clamp(max=n_times - 1)
        flat = x.reshape(n, -1, n_times)
        channels = flat.shape[1]
        gather_left = flat.gather(2, left[:, None].expand(n, channels, n_times))
        gather_right = flat.gather(2, right[:, None].expand(n, channels, n_times))
        out = (gather_left * (1 - frac) + gather_right * frac) * inside
        return out.reshape(x.shape)


class RandomFilter(_Augmentation):
    """Colour each waveform with a random low-pass or high-pass filter.

    A zero-phase Butterworth-shaped magnitude response applied in the
    frequency domain, as a cheap model of microphones and rooms.

    Parameters
    ----------
    kind : {"lowpass", "highpass", "both"}, default="both"
        The filter; ``"both"`` picks one per example.
    min_cutoff, max_cutoff : float, default=0.02, 0.5
        Range of the cut-off as a fraction of the Nyquist frequency, drawn
        log-uniformly. High-pass cut-offs use ``min_cutoff`` to
        ``max_cutoff / 4``, low-pass ones ``max_cutoff`` to 1, so that the
        filter colours rather than erases the signal.
    order : int, default=2
        Steepness of the roll-off (6 dB per octave per order).

    Examples
    --------
    >>> import torch
    >>> RandomFilter(kind="lowpass")(torch.randn(2, 1, 512)).shape
    torch.Size([2, 1, 512])
    """

    _parameter_constraints = {
        "kind": [StrOptions({"lowpass", "highpass", "both"})],
        "min_cutoff": [Interval(Real, 0, 1, closed="neither")],
        "max_cutoff": [Interval(Real, 0, 1, closed="neither")],
        "order": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, kind="both", min_cutoff=0.02, max_cutoff=0.5, order=2):
        self.kind = kind
        self.min_cutoff = min_cutoff
        self.max_cutoff = max_cutoff
        self.order = order

    def _check_ranges(self):
        self._check_order("min_cutoff", "max_cutoff")

    def _apply(self, x):
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        unit = torch.rand(shape, device=x.device)
        low_cut = self.max_cutoff ** (1 - unit)  # log-uniform in (max_cutoff, 1)
        high_lo, high_hi = np.log(self.min_cutoff), np.log(self.max_cutoff / 4)
        high_cut = torch.exp(high_lo + (high_hi - high_lo) * unit)
        freqs = _nyquist_fractions(x)
        lowpass = 1 / (1 + (freqs / low_cut) ** (2 * self.order)).sqrt()
        highpass = (
            1 / (1 + (high_cut / freqs.clamp(min=1e-6)) ** (2 * self.order)).sqrt()
        )
        if self.kind == "lowpass":
            response = lowpass
        elif self.kind == "highpass":
            response = highpass
        else:
            pick_low = torch.rand(shape, device=x.device) < 0.5
            response = torch.where(pick_low, lowpass, highpass)
        return _filtered(x, response)


class RandomTilt(_Augmentation):
    """Tilt the spectrum of each waveform by a random slope in dB per octave.

    The gain is linear in log-frequency, 0 dB at ``pivot``: a positive
    slope brightens (lifts the highs, cuts the lows), a negative one darkens.
    Microphones, rooms and voices differ in such broad tilts, which
    :class:`RandomFilter` (one steep cut at one end) does not model.

    Parameters
    ----------
    max_slope_db : float, default=3.0
        Steepest tilt either way, in dB per octave, drawn uniformly.
    pivot : float, default=0.25
        Frequency of unit gain, as a fraction of the Nyquist frequency.
    min_freq : float, default=0.01
        Below this fraction of the Nyquist frequency the gain stays at its
        value there, so that the lowest bins are not lifted without bound.

    Examples
    --------
    >>> import torch
    >>> RandomTilt()(torch.randn(2, 1, 512)).shape
    torch.Size([2, 1, 512])
    """

    _parameter_constraints = {
        "max_slope_db": [Interval(Real, 0, None, closed="left")],
        "pivot": [Interval(Real, 0, 1, closed="right")],
        "min_freq": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, *, max_slope_db=3.0, pivot=0.25, min_freq=0.01):
        self.max_slope_db = max_slope_db
        self.pivot = pivot
        self.min_freq = min_freq

    def _check_ranges(self):
        self._check_order("min_freq", "pivot")

    def _apply(self, x):
        slope = _uniform(x.shape[0], -self.max_slope_db, self.max_slope_db, x)
        freqs = _nyquist_fractions(x)
        octaves = torch.log2(freqs.clamp(min=self.min_freq) / self.pivot)
        response = 10 ** (slope * octaves / 20)
        return _filtered(x, response)


class SpecAugment(_Augmentation):
    """Mask random frequency bands and time spans of each spectrogram.

    SpecAugment (Park et al., 2019) without time warping. Masked cells take
    the example's mean. Sizes are fractions, so the same setting suits 40
    or 128 bands and 32 or 500 frames.

    Parameters
    ----------
    freq_mask : float, default=0.15
        Widest band masked, as a fraction of the frequency bins.
    time_mask : float, default=0.1
        Longest span masked, as a fraction of the frames.
    n_freq_masks, n_time_masks : int, default=2, 2
        Masks of each kind per example (each of random width up to the
        maximum, possibly zero).

    Examples
    --------
    >>> import torch
    >>> SpecAugment()(torch.randn(2, 1, 64, 32)).shape
    torch.Size([2, 1, 64, 32])
    """

    domain = "features"
    _parameter_constraints = {
        "freq_mask": [Interval(Real, 0, 1, closed="both")],
        "time_mask": [Interval(Real, 0, 1, closed="both")],
        "n_freq_masks": [Interval(Integral, 0, None, closed="left")],
        "n_time_masks": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self, *, freq_mask=0.15, time_mask=0.1, n_freq_masks=2, n_time_masks=2
    ):
        self.freq_mask = freq_mask
        self.time_mask = time_mask
        self.n_freq_masks = n_freq_masks
        self.n_time_masks = n_time_masks

    def _apply(self, x):
        mask = torch.zeros((x.shape[0],) + (1,) * (x.ndim - 1), dtype=torch.bool)
        mask = mask.to(x.device)
        for dim, fraction, count in (
            (-2, self.freq_mask, self.n_freq_masks),
            (-1, self.time_mask, self.n_time_masks),
        ):
            width = int(fraction * x.shape[dim])
            for _ in range(count if width else 0):
                mask = mask | random_band(x, dim, width)
        if not mask.any():
            return x
        fill = x.mean(dim=tuple(range(1, x.ndim)), keepdim=True)
        return torch.where(mask, fill, x)


class FrequencyBandGain(_Augmentation):
    """Raise or lower a random frequency band of each log spectrogram.

    For features in decibels (``MelTransformer``'s default scale), adding a
    constant to a band is a gain on that band: a crude equaliser.

    Parameters
    ----------
    max_gain_db : float, default=6.0
        Largest gain either way, in the features' units (dB).
    max_width : float, default=0.3
        Widest band, as a fraction of the frequency bins.

    Examples
    --------
    >>> import torch
    >>> FrequencyBandGain()(torch.zeros(2, 1, 40, 10)).shape
    torch.Size([2, 1, 40, 10])
    """

    domain = "features"
    _parameter_constraints = {
        "max_gain_db": [Interval(Real, 0, None, closed="left")],
        "max_width": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, max_gain_db=6.0, max_width=0.3):
        self.max_gain_db = max_gain_db
        self.max_width = max_width

    def _apply(self, x):
        band = random_band(x, -2, int(self.max_width * x.shape[-2]))
        gain = _uniform(x.shape[0], -self.max_gain_db, self.max_gain_db, x)
        return x + band * gain


class Mixup(_Augmentation):
    """Train on convex mixtures of pairs of examples and of their labels.

    mixup (Zhang et al., 2018): each training batch is mixed with a shuffled
    copy of itself, ``x = lam * x_i + (1 - lam) * x_j`` with ``lam`` drawn from
    ``Beta(alpha, alpha)`` per batch, and the targets become the same mixture
    of one-hot labels, which the cross-entropy loss accepts as class
    probabilities. The classifier applies it to each training batch (skorch's
    ``train_step_single``), to the input as the classifier receives it.

    Parameters
    ----------
    alpha : float, default=0.2
        Concentration of the Beta distribution; small values keep most
        mixtures close to one of the two examples.

    Examples
    --------
    >>> import torch
    >>> x, y = Mixup().mix(torch.stack([torch.zeros(4), torch.ones(4)]),
    ...                    torch.tensor([0, 2]), n_classes=3)
    >>> tuple(y.shape), bool(torch.allclose(y.sum(1), torch.ones(2)))
    ((2, 3), True)
    """

    domain = "batch"
    _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, *, alpha=0.2):
        self.alpha = alpha

    def mix(self, x, y, n_classes):
        """Mix a batch and its labels with a permutation of themselves.

        Parameters
        ----------
        x : Tensor of shape (batch, ...)
            Input batch.
        y : Tensor of shape (batch,)
            Class indices.
        n_classes : int
            Number of classes (width of the soft targets).

        Returns
        -------
        x_mixed : Tensor of shape (batch, ...)
            Mixed input.
        y_mixed : Tensor of shape (batch, n_classes)
            Mixed one-hot targets (rows sum to 1).
        """
        self._check_once()
        y = torch.nn.functional.one_hot(torch.as_tensor(y), n_classes).to(x.dtype)
        alpha = torch.tensor(float(self.alpha))
        lam = torch.distributions.Beta(alpha, alpha).sample().to(x.device)
        perm = torch.randperm(len(x), device=x.device)
        y = y.to(x.device)
        return lam * x + (1 - lam) * x[perm], lam * y + (1 - lam) * y[perm]

    def _apply(self, x):
        raise TypeError(
            "Mixup mixes labels too: the classifier applies it to each training "
            "batch (Mixup().mix(x, y, n_classes)), not on an input alone."
        )


def standard_augmentation():
    """Return a broad augmentation list: each kind once, at common settings.

    A starting point, not a measured recommendation: with the recipe of
    ``benchmarks/results/accuracy.md`` it raised the MFCC sequence
    network's FSDD leave-one-speaker-out accuracy (more so at 60 and 100
    epochs than at 30), but *lowered* the log-Mel CNN's and the paper's waveform
    presets' at 30 epochs; augmented training needs more epochs. Waveform
    augmentations (time shift, gain, noise, speed, filter) apply only with a
    classifier ``frontend`` (or a waveform classifier);
    :func:`split_by_domain` tells them apart.

    Returns
    -------
    augment : list of augmentation objects
        Settings in fractions and decibels, independent of the sample rate
        and clip length.

    Examples
    --------
    >>> [type(a).__name__ for a in standard_augmentation()][:2]
    ['TimeShift', 'RandomGain']
    """
    return [
        TimeShift(max_shift=0.1, mode="zero"),
        RandomGain(min_gain_db=-6.0, max_gain_db=6.0),
        SpeedPerturbation(min_rate=0.9, max_rate=1.1),
        RandomFilter(),
        AddNoise(min_snr_db=10.0, max_snr_db=40.0),
        SpecAugment(),
    ]


def split_by_domain(augment):
    """Sort an ``augment`` list by where each augmentation applies.

    Parameters
    ----------
    augment : list of augmentation objects or None
        The classifier's ``augment`` parameter.

    Returns
    -------
    waveform, features, batch : list, list, list
        Waveform augmentations, feature (spectrogram) augmentations and
        batch-level ones (:class:`Mixup`), each in the given order.

    Examples
    --------
    >>> wave, feats, batch = split_by_domain([SpecAugment(), Mixup(), TimeShift()])
    >>> [len(wave), len(feats), len(batch)]
    [1, 1, 1]
    """
    parts = {"waveform": [], "features": [], "batch": []}
    for i, item in enumerate(augment or ()):
        domain = getattr(item, "domain", None)
        if isinstance(item, type):
            raise TypeError(
                f"augment[{i}] is the class {item.__name__}, not an object of it: "
                f"write {item.__name__}()."
            )
        if domain not in parts or not callable(getattr(item, "check", None)):
            raise TypeError(
                f"augment[{i}] is {item!r}, not an augmentation object of "
                "skaudio.augment (TimeShift, AddNoise, SpecAugment, Mixup, ...)."
            )
        parts[domain].append(item.check())
    return parts["waveform"], parts["features"], parts["batch"]
