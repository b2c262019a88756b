"""Waveform arrays that remember their sample rate, so pipeline steps can agree.

:class:`~skaudio.io.WaveformLoader` returns a :class:`Waveforms` array; the
waveform transformers of :mod:`skaudio.preprocessing` pass the rate on, and
the steps that depend on it (the Mel and MFCC transformers, the waveform CNN)
compare it with their own ``sample_rate`` and refuse a mismatch, naming both
rates. A plain ndarray carries no rate and is taken as it is.

The checks every skaudio estimator runs on its input live here too: the
common mistakes named before scikit-learn's messages, and
:func:`validate_float32`, which spares a prediction on a valid float32
array scikit-learn's generic checks; so do the warnings they give
(:class:`CroppedAudioWarning`, integer samples), which the command line
filters without importing torch.
"""

import functools
import numbers
import os
import sys
import warnings

import numpy as np
from sklearn import get_config
from sklearn.utils.validation import validate_data

#: The sample rate every skaudio default assumes (Hz): loader, features and
#: networks agree on it, so default pipelines compose on files of any rate.
DEFAULT_SAMPLE_RATE = 16000


class CroppedAudioWarning(UserWarning):
    """Files longer than a :class:`~skaudio.WaveformLoader`'s clips were cropped.

    Only the part of each file that fits the clip length reached the model.
    Filter it out with ``warnings.filterwarnings("ignore",
    category=CroppedAudioWarning)`` where cropping is intended.
    """


class Waveforms(np.ndarray):
    """A float32 ndarray of waveforms with the ``sample_rate`` they were read at.

    Slicing, indexing and arithmetic keep the rate; ``np.asarray`` gives a
    plain ndarray. Pickling keeps it too.

    Parameters
    ----------
    data : array-like of shape (n_samples, [n_channels,] n_times)
        The samples (not copied when already an ndarray).
    sample_rate : int
        Samples per second.

    Examples
    --------
    >>> X = Waveforms(np.zeros((4, 8000), dtype=np.float32), sample_rate=8000)
    >>> X[:2].sample_rate, X.shape
    (8000, (4, 8000))
    """

    def __new__(cls, data, sample_rate):
        obj = np.asarray(data).view(cls)
        obj.sample_rate = sample_rate
        return obj

    def __array_finalize__(self, obj):
        self.sample_rate = getattr(obj, "sample_rate", None)

    def __reduce__(self):
        reconstruct, args, state = super().__reduce__()
        return reconstruct, args, (state, self.sample_rate)

    def __setstate__(self, state):
        array_state, self.sample_rate = state
        super().__setstate__(array_state)


def sample_rate_of(X):
    """Return the sample rate ``X`` carries, or ``None`` for a plain array."""
    rate = getattr(X, "sample_rate", None)
    return None if rate is None else int(rate)


def user_stacklevel():
    """Return the stack level of the caller's first frame outside the libraries.

    The libraries: skaudio, scikit-learn and joblib (which runs a pipeline's
    steps). A warning raised there names the user's line
    (``pipe.predict(...)``), not one of the pipeline or of scikit-learn's
    output wrapper; Python's default filter then shows a message once per
    line of the user's code.
    """
    frame, level = sys._getframe(2), 2  # the caller's caller: level 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(
        "."
    )[0] in ("skaudio", "sklearn", "joblib"):
        frame, level = frame.f_back, level + 1
    return level


def warn_integer_samples(X, owner, what="waveforms"):
    """Warn that integer waveforms are taken as numbers, not as scaled PCM.

    Audio read as integers (``soundfile.read(..., dtype="int16")``,
    ``scipy.io.wavfile``) holds samples up to 32767, where
    :func:`~skaudio.load_audio` and the loader give floats in [-1, 1]: a
    model fitted on one and given the other computes other features, so
    its predictions change without an error. ``what`` names the array in the
    message (e.g. ``"target waveforms (y)"``).
    """
    dtype = getattr(X, "dtype", None)
    if dtype is None or not np.issubdtype(dtype, np.integer):
        return
    scale = (
        f"divide them by {2 ** (8 * dtype.itemsize - 1)}"
        if np.issubdtype(dtype, np.signedinteger)
        else f"subtract {2 ** (8 * dtype.itemsize - 1)} and divide by as much"
    )
    warnings.warn(
        f"{type(owner).__name__} got {what} of dtype {dtype}, whose samples "
        "are taken as the numbers they are, not as audio scaled to [-1, 1] as "
        f"load_audio and WaveformLoader give it; if they are PCM samples, {scale}.",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


def refuse_paths_and_single_waveform(X, owner):
    """Name two common mistakes before scikit-learn's generic messages.

    File paths where arrays are due (no :class:`~skaudio.WaveformLoader` in
    front) and one example, e.g. a waveform of shape ``(n_times,)``, where
    an array of examples is due. Anything else is left to ``validate_data``.

    Parameters
    ----------
    X : object
        The input of ``owner``'s ``fit``, ``transform`` or ``predict``.
    owner : estimator
        Named in the message.
    """
    if not isinstance(X, list | tuple | np.ndarray) or len(X) == 0:
        return
    if isinstance(X, np.ndarray) and X.ndim > 1 and X.dtype.kind in "biuf":
        return  # numbers, and more than one example: the common case, fast
    name = type(owner).__name__
    first = X[0]
    while (
        isinstance(first, list | tuple)
        or (isinstance(first, np.ndarray) and first.ndim > 0)
    ) and len(first):
        first = first[0]
    if isinstance(first, str) and _is_number(first):
        raise TypeError(
            f"{name} takes arrays of numbers, but X holds text (e.g. {str(first)!r}): "
            "convert it with np.asarray(X, dtype=np.float32)."
        )
    if isinstance(first, str | os.PathLike):
        raise TypeError(
            f"{name} takes arrays of numbers, but X holds file paths (e.g. "
            f"{str(os.fspath(first))!r}): put a WaveformLoader in front of it in "
            "a Pipeline, to read the files into waveforms."
        )
    if isinstance(X, np.ndarray) and X.dtype.kind == "c":
        raise ValueError(  # scikit-learn's type and words for complex input
            f"Complex data not supported: {name} takes real waveforms, but X is "
            f"{X.dtype}. Pass X.real, or the magnitude np.abs(X), if that is "
            "what you mean."
        )
    if np.ndim(X[0]) == 0 and isinstance(X[0], numbers.Number):
        raise ValueError(
            f"{name} got X of shape ({len(X)},), one example; X is an array of "
            "examples, e.g. waveforms of shape (n_samples, n_times). Reshape "
            "your data: pass a single example as x[np.newaxis]."
        )


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def validate_float32(estimator, X, reset):
    """Validate an array of examples as float32 with ``validate_data``.

    At prediction time (``reset=False``), an ndarray that is already what
    ``validate_data`` would return (float32, at least 2-D, not empty, finite,
    with the fitted number of features, the estimator fitted without feature
    names) is returned without it: for one short clip, scikit-learn's
    generic checks cost as much as the features themselves. Any other
    input, including every one ``validate_data`` would refuse, goes through
    it, so the messages are scikit-learn's.

    Parameters
    ----------
    estimator : estimator
        The caller; named in the messages.
    X : object
        Its input, e.g. waveforms of shape (n_samples, [n_channels,] n_times).
    reset : bool
        As for ``validate_data``: True in ``fit``.

    Returns
    -------
    X : ndarray of shape X.shape, float32
    """
    if (
        not reset
        and type(X) in (np.ndarray, Waveforms)
        and X.dtype == np.float32
        and X.ndim >= 2
        and X.size
        and X.shape[1] == getattr(estimator, "n_features_in_", None)
        and not hasattr(estimator, "feature_names_in_")
        and (get_config()["assume_finite"] or _sum_is_finite(X))
    ):
        return np.asarray(X)
    refuse_non_finite(X, estimator)
    return validate_data(
        estimator, X, dtype=np.float32, allow_nd=True, reset=reset, copy=False
    )


def refuse_non_finite(X, owner, name="X"):
    """Name the examples holding NaN or infinity, before scikit-learn's advice.

    scikit-learn's message suggests estimators that handle missing values;
    in a waveform or its features a NaN is a fault to find instead. Honours
    ``assume_finite``; anything but a float array is left to
    ``validate_data``.

    Parameters
    ----------
    X : object
        The input of ``owner``'s ``fit``, ``transform`` or ``predict``.
    owner : estimator
        Named in the message.
    name : str, default="X"
        The array's name in the message (``"y"`` for target waveforms).
    """
    if (
        not isinstance(X, np.ndarray)
        or X.dtype.kind not in "fc"
        or X.ndim < 2
        or not X.size
        or get_config()["assume_finite"]
        or _sum_is_finite(X)
    ):
        return
    bad = np.flatnonzero(~np.isfinite(X.reshape(len(X), -1)).all(axis=1))
    if len(bad):
        raise ValueError(
            f"{name} holds NaN or infinite values in {len(bad)} of its {len(X)} "
            f"examples (the first: {name}[{bad[0]}]), which {type(owner).__name__} "
            "cannot take: waveforms and features must be finite. Find where the "
            "values came from (e.g. a division by the peak of a silent clip), or "
            "leave those examples out."
        )


def _sum_is_finite(X):
    """Whether ``X`` has no NaN or infinity; False may also mean a large sum."""
    with np.errstate(over="ignore"):
        return bool(np.isfinite(X.sum()))


def expected_sample_rate(steps):
    """Return the ``sample_rate`` the first rate-aware step of ``steps`` sets.

    The rate-aware steps are those with a numeric ``sample_rate`` parameter,
    or a ``frontend`` with one (the Mel and MFCC transformers, the waveform
    CNN, a classifier with a front end).

    Parameters
    ----------
    steps : iterable of estimators
        E.g. a Pipeline's steps without their names, or ``[estimator]``.

    Returns
    -------
    sample_rate : int or None
        ``None`` when no step sets one.
    """
    for step in steps:
        for part in (step, getattr(step, "frontend", None)):
            rate = getattr(part, "sample_rate", None)
            if isinstance(rate, numbers.Real):
                return rate
    return None


def with_sample_rate(X, sample_rate):
    """Return ``X`` tagged with ``sample_rate``; unchanged when it is ``None``."""
    return X if sample_rate is None else Waveforms(X, sample_rate)


def check_sample_rate(X, expected, owner):
    """Raise ValueError when ``X`` was read at another rate than ``expected``.

    Parameters
    ----------
    X : array-like
        Input of ``owner``; only a :class:`Waveforms` array is checked.
    expected : int
        The ``sample_rate`` parameter of ``owner``.
    owner : estimator
        Named in the message.
    """
    rate = sample_rate_of(X)
    if rate is not None and rate != expected:
        name = type(owner).__name__
        raise ValueError(
            f"{name} has sample_rate={expected} Hz but got waveforms loaded at "
            f"{rate} Hz. Set {name}(sample_rate={rate}) or load the files at "
            f"{expected} Hz (WaveformLoader(sample_rate={expected}))."
        )


def keeps_sample_rate(transform):
    """Make a waveform-to-waveform ``transform`` pass its input's rate on."""

    @functools.wraps(transform)
    def wrapper(self, X, *args, **kwargs):
        return with_sample_rate(transform(self, X, *args, **kwargs), sample_rate_of(X))

    return wrapper
