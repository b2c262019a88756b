"""Per-clip preprocessing of waveform arrays."""

import hashlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_random_state

from ._compat import Interval, StrOptions, check_parameters
from ._waveforms import (
    keeps_sample_rate,
    refuse_paths_and_single_waveform,
    validate_float32,
    warn_integer_samples,
)
from .lazy import LazyAudio, defer_when_lazy

__all__ = ["fix_length", "FixedLength", "PerSampleNormalizer", "RandomRoll"]


def fix_length(x, n_times, *, align="start", out=None):
    """Pad with zeros or crop the last axis of ``x`` to ``n_times``.

    Parameters
    ----------
    x : ndarray of shape (..., n_times_in)
        Waveform(s).
    n_times : int
        Length of the output's last axis.
    align : {"start", "center"}, default="start"
        ``"start"`` keeps the first samples and pads at the end; ``"center"``
        keeps the middle and pads both ends (the extra sample, if any, at the
        end).
    out : ndarray of shape (..., n_times), default=None
        Array to write the result into (every element is written).

    Returns
    -------
    y : ndarray of shape (..., n_times)
        ``out`` when given; else ``x`` itself when it already has that length,
        or a new array.

    Examples
    --------
    >>> fix_length(np.arange(1, 4), 5, align="center")
    array([0, 1, 2, 3, 0])
    """
    n_in = x.shape[-1]
    if out is None:
        if n_in == n_times:
            return x
        out = np.empty(x.shape[:-1] + (n_times,), dtype=x.dtype)
    n = min(n_in, n_times)
    src = (n_in - n) // 2 if align == "center" else 0
    dst = (n_times - n) // 2 if align == "center" else 0
    out[..., dst : dst + n] = x[..., src : src + n]
    if n < n_times:  # (skipping empty assignments matters for short clips)
        out[..., :dst] = 0
        out[..., dst + n :] = 0
    return out


def _validate_waveforms(estimator, X, reset):
    """Validate ``(n_samples, n_times)`` or ``(n_samples, n_channels, n_times)``."""
    refuse_paths_and_single_waveform(X, estimator)
    warn_integer_samples(X, estimator)
    X = validate_float32(estimator, X, reset)
    if X.ndim > 3:
        raise ValueError(
            "Expected waveforms of shape (n_samples, n_times) or "
            f"(n_samples, n_channels, n_times), got shape {X.shape}."
        )
    return X


class _StatelessWaveformTransformer(TransformerMixin, BaseEstimator):
    """Shared fit/tags of the stateless transformers of waveform arrays."""

    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            Waveforms.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.

        Raises
        ------
        ValueError
            For invalid parameters, or input these settings cannot transform.
        """
        # Lazy input (WaveformLoader(lazy=True)) is checked on its first clip.
        self._validate(X.peek() if isinstance(X, LazyAudio) else X, reset=True)
        return self

    def _validate(self, X, reset):
        """Check the parameters and return ``X`` as validated waveforms."""
        check_parameters(self)
        return _validate_waveforms(self, X, reset=reset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.three_d_array = True  # (n_samples, n_channels, n_times)
        return tags


class FixedLength(_StatelessWaveformTransformer):
    """Pad with zeros or crop waveforms to a fixed number of samples.

    Parameters
    ----------
    n_times : int, default=8000
        Output length in samples.
    align : {"start", "center"}, default="start"
        See :func:`fix_length`.

    Examples
    --------
    >>> FixedLength(n_times=4).fit_transform(np.ones((2, 3))).tolist()
    [[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]]
    """

    _parameter_constraints = {
        "n_times": [Interval(Integral, 1, None, closed="left")],
        "align": [StrOptions({"start", "center"})],
    }

    def __init__(self, *, n_times=8000, align="start"):
        self.n_times = n_times
        self.align = align

    @defer_when_lazy
    @keeps_sample_rate
    def transform(self, X):
        """Pad or crop.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_times_in) or \
                (n_samples, n_channels, n_times_in)
            Waveforms.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            float32.
        """
        X = self._validate(X, reset=False)
        return fix_length(X, self.n_times, align=self.align)


class PerSampleNormalizer(_StatelessWaveformTransformer):
    """Scale each clip on its own, from its own statistics.

    The per-sample normalisation of Vrysis et al. (2020) is ``"standard"``.

    Parameters
    ----------
    method : {"standard", "peak", "rms"}, default="standard"
        ``"standard"``: subtract the clip's mean and divide by its standard
        deviation; ``"peak"``: divide by the largest absolute sample;
        ``"rms"``: divide by the root mean square.
    per_channel : bool, default=False
        For ``(n_samples, n_channels, n_times)`` input, compute the statistics
        of each channel separately instead of over the whole clip.
    eps : float, default=1e-8
        Floor of the divisor, so that a silent clip gives zeros, never NaN.

    Examples
    --------
    >>> X = np.array([[1.0, 3.0], [0.0, 0.0]])
    >>> PerSampleNormalizer().fit_transform(X).tolist()
    [[-1.0, 1.0], [0.0, 0.0]]
    """

    _parameter_constraints = {
        "method": [StrOptions({"standard", "peak", "rms"})],
        "per_channel": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, method="standard", per_channel=False, eps=1e-8):
        self.method = method
        self.per_channel = per_channel
        self.eps = eps

    @defer_when_lazy
    @keeps_sample_rate
    def transform(self, X):
        """Normalise each clip.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            Waveforms.

        Returns
        -------
        Xt : ndarray of the same shape
            float32.
        """
        X = self._validate(X, reset=False)
        axis = -1 if self.per_channel else tuple(range(1, X.ndim))
        if self.method == "standard":
            X = X - X.mean(axis=axis, keepdims=True)
            scale = X.std(axis=axis, keepdims=True)
        elif self.method == "peak":
            scale = np.abs(X).max(axis=axis, keepdims=True)
        else:
            scale = np.sqrt(np.square(X).mean(axis=axis, keepdims=True))
        return X / np.maximum(scale, np.float32(self.eps))


class RandomRoll(_StatelessWaveformTransformer):
    """Stack random circular time shifts of each clip as channels.

    The phase-discarding "roll" front end of RollMix (Vrysis et al., 2020):
    ``(n_samples, n_times)`` becomes ``(n_samples, n_rolls, n_times)``.

    Each clip's shifts are drawn from a generator seeded by a hash of the
    clip's samples together with a key drawn from ``random_state``. So with
    an integer ``random_state`` the output is repeatable and depends on
    nothing but the clip: the same clip gets the same rolls at fit and at
    prediction time, whatever else is in ``X`` and in whatever order, and a
    fitted pipeline predicts the same way on every call. Different clips get
    different shifts. With ``random_state=None`` every call draws new shifts.

    A transformer in a pipeline runs once per fit, so these rolls stay the
    same through all epochs. For new shifts at every training step, use the
    roll layer inside the network (the RollMix model) instead.

    Parameters
    ----------
    n_rolls : int, default=4
        Number of shifted copies (output channels).
    max_shift : int, default=None
        Largest shift in samples; shifts are drawn uniformly from
        ``[0, max_shift]``. ``None`` allows any shift (``n_times - 1``).
    random_state : int, RandomState instance or None, default=None
        Seeds the shifts.

    Examples
    --------
    >>> X = np.arange(8, dtype=np.float32).reshape(2, 4)
    >>> RandomRoll(n_rolls=3, random_state=0).fit_transform(X).shape
    (2, 3, 4)
    """

    _parameter_constraints = {
        "n_rolls": [Interval(Integral, 1, None, closed="left")],
        "max_shift": [Interval(Integral, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_rolls=4, max_shift=None, random_state=None):
        self.n_rolls = n_rolls
        self.max_shift = max_shift
        self.random_state = random_state

    @defer_when_lazy
    @keeps_sample_rate
    def transform(self, X):
        """Roll each clip ``n_rolls`` times.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_times)
            Waveforms.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_rolls, n_times)
            float32.
        """
        X = self._validate(X, reset=False)
        if X.ndim != 2:
            raise ValueError(
                f"RandomRoll expects waveforms of shape (n_samples, n_times), got "
                f"shape {X.shape}; mix channels down first."
            )
        n_samples, n_times = X.shape
        max_shift = n_times - 1 if self.max_shift is None else self.max_shift
        key = check_random_state(self.random_state).bytes(16)
        Xt = np.empty((n_samples, self.n_rolls, n_times), dtype=np.float32)
        for i, clip in enumerate(X):
            seed = hashlib.blake2b(clip.tobytes(), key=key, digest_size=8).digest()
            rng = np.random.default_rng(int.from_bytes(seed, "little"))
            for r, shift in enumerate(
                rng.integers(0, max_shift, self.n_rolls, endpoint=True)
            ):
                Xt[i, r] = np.roll(clip, shift)
        return Xt

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = False  # mono clips only
        return tags
