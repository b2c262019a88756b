"""Inference on recordings of any length: sliding windows, aggregation, events.

A model trained on fixed-length clips classifies a long recording window by
window: :func:`predict_windows` cuts the recording into windows of
``window`` seconds every ``hop`` seconds and returns each window's class
probabilities with its start time; :func:`aggregate_windows` turns them into
one label for the whole recording; :func:`detect_events` merges the windows
where one class (the event) is probable into events with onset, offset and
score.
"""

import math
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.pipeline import Pipeline

from ._compat import Interval, StrOptions, validate_params
from ._spelling import setting
from ._waveforms import expected_sample_rate, with_sample_rate
from .io import WaveformLoader
from .preprocessing import fix_length

__all__ = [
    "Event",
    "WindowPredictions",
    "aggregate_windows",
    "detect_events",
    "predict_windows",
    "sliding_windows",
    "split_loader",
]


class WindowPredictions(NamedTuple):
    """Class probabilities of the windows of one recording.

    Attributes
    ----------
    starts : ndarray of shape (n_windows,)
        Start of each window in seconds.
    proba : ndarray of shape (n_windows, n_classes)
        Class probabilities of each window; columns follow ``classes``.
    classes : ndarray of shape (n_classes,)
        The model's labels.
    window : float
        Window length in seconds.
    hop : float
        Seconds between the starts of successive windows.
    duration : float
        Length of the recording in seconds.
    """

    starts: np.ndarray
    proba: np.ndarray
    classes: np.ndarray
    window: float
    hop: float
    duration: float


class Event(NamedTuple):
    """A stretch of a recording where the event class is probable.

    Attributes
    ----------
    onset : float
        Start in seconds.
    offset : float
        End in seconds.
    score : float
        Highest smoothed probability of the event class inside it.
    """

    onset: float
    offset: float
    score: float


def _window_samples(window, hop, sample_rate):
    if hop > window:
        raise ValueError(
            f"{setting('hop', hop)} s is longer than {setting('window', window)} "
            "s, which would skip audio between windows; use "
            f"{setting('hop')} <= {setting('window')}."
        )
    n_window = round(window * sample_rate)
    n_hop = round(hop * sample_rate)
    if n_window < 1 or n_hop < 1:
        raise ValueError(
            f"{setting('window', window)} s and {setting('hop', hop)} s must each "
            f"be at least one sample at {sample_rate} Hz."
        )
    return n_window, n_hop


def _check_windows_fit(estimator, windows, n_times, sample_rate):
    """Name the mismatch when the windows cannot be the estimator's input.

    ``n_features_in_`` is the clip length of a model fitted on
    ``(n, n_times)`` and the channel count of one fitted on
    ``(n, n_channels, n_times)``: scikit-learn counts the second axis.
    """
    expected = getattr(estimator, "n_features_in_", None)
    if expected is None:
        return
    length = windows.shape[-1] if n_times is None else n_times
    if windows.ndim == 3 and windows.shape[1] != expected:
        raise ValueError(
            f"The recording has {windows.shape[1]} channels, but the model was "
            f"fitted on clips of another shape (n_features_in_={expected}); for "
            "a model of mono clips, mix the recording to mono first: "
            "waveform.mean(axis=0)."
        )
    if windows.ndim == 2 and length != expected:
        clip = f"{expected / sample_rate:g}"
        if n_times is not None:
            what, advice = f"n_times={n_times} does", f"Pass n_times={expected}."
        else:
            what = f"Windows of {length} samples ({length / sample_rate:g} s) do"
            advice = (
                f"Pass n_times={expected} to pad each window to it, or use "
                f"window={clip}."
                if length < expected
                else f"Use window={clip} or shorter, with n_times={expected}."
            )
        raise ValueError(
            f"{what} not fit the model: it was fitted with "
            f"n_features_in_={expected}, the clip length in samples of a model "
            f"of mono clips ({clip} s at {sample_rate:g} Hz). {advice}"
        )


@validate_params(
    {
        "waveform": ["array-like"],
        "sample_rate": [Interval(Real, 0, None, closed="neither")],
        "window": [Interval(Real, 0, None, closed="neither")],
        "hop": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def sliding_windows(waveform, *, sample_rate, window, hop):
    """Cut a recording into overlapping windows covering all of it.

    The last window starts before the end of the recording and is padded
    with zeros past it; a recording shorter than one window gives one
    zero-padded window.

    Parameters
    ----------
    waveform : array-like of shape (n_times,) or (n_channels, n_times)
        The recording.
    sample_rate : float
        Its rate in Hz.
    window : float
        Window length in seconds.
    hop : float
        Seconds between window starts, at most ``window``.

    Returns
    -------
    windows : ndarray of shape (n_windows, [n_channels,] n_window)
        float32 copies, ``n_window = round(window * sample_rate)``.
    starts : ndarray of shape (n_windows,)
        Start of each window in seconds: window and hop are rounded to whole
        samples, and the starts are those samples' times.

    Examples
    --------
    >>> windows, starts = sliding_windows(np.ones(25), sample_rate=10,
    ...                                   window=1.0, hop=0.5)
    >>> windows.shape, starts.tolist()
    ((4, 10), [0.0, 0.5, 1.0, 1.5])
    """
    windows, starts = _window_view(waveform, sample_rate, window, hop)
    return np.ascontiguousarray(windows), starts


def _window_view(waveform, sample_rate, window, hop):
    """:func:`sliding_windows` as a strided view (no copy of each window)."""
    waveform = np.asarray(waveform, dtype=np.float32)
    if waveform.ndim not in (1, 2) or not waveform.shape[-1]:
        raise ValueError(
            "waveform must be a recording of shape (n_times,) or (n_channels, "
            f"n_times) with at least one sample; got shape {waveform.shape}."
        )
    if waveform.ndim == 2 and waveform.shape[0] > waveform.shape[1]:
        raise ValueError(
            f"waveform has shape {waveform.shape}: more channels than samples, "
            "as in soundfile.read's (n_times, n_channels) layout. Pass "
            "waveform.T, or waveform.mean(axis=1) for mono."
        )
    n_window, n_hop = _window_samples(window, hop, sample_rate)
    n_times = waveform.shape[-1]
    n_windows = 1 + max(0, math.ceil((n_times - n_window) / n_hop))
    padded = fix_length(waveform, (n_windows - 1) * n_hop + n_window)
    view = np.lib.stride_tricks.sliding_window_view(padded, n_window, axis=-1)
    windows = np.moveaxis(view[..., ::n_hop, :], -2, 0)
    return windows, np.arange(n_windows) * n_hop / sample_rate


@validate_params(
    {
        "waveform": ["array-like"],
        "sample_rate": [Interval(Real, 0, None, closed="neither")],
        "window": [Interval(Real, 0, None, closed="neither")],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        "n_times": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def predict_windows(
    estimator,
    waveform,
    *,
    sample_rate,
    window,
    hop=None,
    n_times=None,
    batch_size=256,
):
    """Class probabilities of every window of a recording.

    Parameters
    ----------
    estimator : fitted classifier or Pipeline
        Takes waveforms of shape ``(n_samples, n_times)`` at ``sample_rate``
        (a pipeline without its :class:`~skaudio.WaveformLoader`, see
        :func:`split_loader`) and has ``predict_proba`` and ``classes_``.
    waveform : array-like of shape (n_times,) or (n_channels, n_times)
        The recording, at ``sample_rate``; two axes only for a model trained
        on that many channels (mix others to mono, ``waveform.mean(axis=0)``).
    sample_rate : float
        Rate of ``waveform`` in Hz. A model that expects another rate (its
        first step with a ``sample_rate``) refuses the recording; the
        windows also carry it (as :class:`~skaudio.Waveforms`), which the
        model's own steps check.
    window : float
        Window length in seconds.
    hop : float, default=None
        Seconds between window starts, at most ``window``; ``None`` is half
        the window.
    n_times : int, default=None
        Clip length the estimator was trained on, in samples. Shorter
        windows are padded with zeros to it (the caller decides whether to
        tell the user); longer ones are refused, as the model would see only
        their start. ``None`` passes the windows as they are, which suits
        only a model of ``window``-long clips.
    batch_size : int, default=256
        Windows cut, padded and predicted at once: the memory used is that
        of the recording plus ``batch_size`` clips, whatever the number of
        windows.

    Returns
    -------
    predictions : WindowPredictions
        Start times and probabilities of the windows.

    Examples
    --------
    >>> from skaudio import WaveformCNNClassifier
    >>> from skaudio.datasets import make_tones
    >>> X, y = make_tones(20, n_classes=2, duration=0.25, random_state=0)
    >>> clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000,
    ...                             max_epochs=1, random_state=0).fit(X, y)
    >>> recording = np.concatenate(X[:8])  # 2 s
    >>> p = predict_windows(clf, recording, sample_rate=8000, window=0.25,
    ...                     hop=0.125)
    >>> p.proba.shape, p.starts[:3].tolist()
    ((15, 2), [0.0, 0.125, 0.25])
    """
    if isinstance(estimator, Pipeline) and isinstance(
        estimator.steps[0][1], WaveformLoader
    ):
        raise ValueError(
            "predict_windows takes waveforms, but the pipeline starts with a "
            "WaveformLoader (file paths in): pass the rest of it, "
            "split_loader(pipeline)[1], and load the recording at the loader's "
            "sample_rate_."
        )
    hop = window / 2 if hop is None else hop
    steps = (
        [step for _, step in estimator.steps]
        if isinstance(estimator, Pipeline)
        else [estimator]
    )
    expected = expected_sample_rate(steps)
    if expected not in (None, sample_rate):
        raise ValueError(
            f"The model takes waveforms at {expected:g} Hz, but the recording is "
            f"at sample_rate={sample_rate:g} Hz: resample it to {expected:g} Hz "
            f"first, e.g. skaudio.io.load_audio(path, sample_rate={expected:g})."
        )
    windows, starts = _window_view(waveform, sample_rate, window, hop)
    if n_times is not None and windows.shape[-1] > n_times:
        raise ValueError(
            f"window={window:g} s ({windows.shape[-1]} samples at {sample_rate:g} "
            f"Hz) is longer than the model's clips (n_times={n_times}, "
            f"{n_times / sample_rate:g} s): the model would see only the first "
            f"{n_times / sample_rate:g} s of each window. Use window="
            f"{n_times / sample_rate:g} or shorter."
        )
    _check_windows_fit(estimator, windows, n_times, sample_rate)
    proba = []
    for i in range(0, len(windows), batch_size):
        batch = np.ascontiguousarray(windows[i : i + batch_size])
        if n_times is not None:
            batch = fix_length(batch, n_times)
        proba.append(estimator.predict_proba(with_sample_rate(batch, sample_rate)))
    proba = np.concatenate(proba)
    return WindowPredictions(
        starts=starts,
        proba=proba,
        classes=np.asarray(estimator.classes_),
        window=float(window),
        hop=float(hop),
        duration=np.shape(waveform)[-1] / sample_rate,
    )


@validate_params(
    {"predictions": [WindowPredictions], "method": [StrOptions({"mean", "max"})]},
    prefer_skip_nested_validation=True,
)
def aggregate_windows(predictions, method="mean"):
    """One score per class for a whole recording, from its windows.

    Parameters
    ----------
    predictions : WindowPredictions
        From :func:`predict_windows`.
    method : {"mean", "max"}, default="mean"
        ``"mean"``: the mean probability over the windows (it sums to 1);
        ``"max"``: each class's highest window probability (it need not sum
        to 1), which favours a class that is clear in a single window.

    Returns
    -------
    scores : ndarray of shape (n_classes,)
        One score per class; ``predictions.classes[scores.argmax()]`` is the
        recording's label.
    """
    if method == "mean":
        return predictions.proba.mean(axis=0)
    return predictions.proba.max(axis=0)


def _segment_scores(predictions, column):
    """Mean probability of the windows covering each ``hop``-long segment.

    Segment ``k`` spans ``[k * hop, (k + 1) * hop)``; the windows covering its
    centre are those starting in ``(centre - window, centre]``, a contiguous
    run of indices, so cumulative sums give every mean at once.
    """
    hop, window = predictions.hop, predictions.window
    n_segments = max(1, math.ceil(predictions.duration / hop - 1e-9))
    centres = (np.arange(n_segments) + 0.5) * hop
    n_windows = len(predictions.starts)
    last = np.minimum(np.floor(centres / hop + 1e-9).astype(int), n_windows - 1)
    first = np.maximum(np.floor((centres - window) / hop + 1e-9).astype(int) + 1, 0)
    cumulative = np.concatenate([[0.0], np.cumsum(predictions.proba[:, column])])
    means = (cumulative[last + 1] - cumulative[first]) / (last - first + 1)
    return np.clip(means, 0.0, 1.0)  # rounding of the differences of sums


def detect_events(predictions, event_label, *, threshold=0.5, min_duration=0.0):
    """Merge the windows where ``event_label`` is probable into events.

    The recording is divided into segments of ``hop`` seconds; a segment's
    score is the mean probability of ``event_label`` over the windows that
    cover it (so overlapping windows smooth the score). Runs of segments
    scoring at least ``threshold`` become events. A window that holds only
    part of an event may already score it, so onsets and offsets can be off
    by up to about a window: use windows about as short as the events (with
    a model trained on clips of that length) to locate them more closely.

    Parameters
    ----------
    predictions : WindowPredictions
        From :func:`predict_windows`, typically of a two-class (event / no
        event) model.
    event_label : object
        The label of the event class, one of ``predictions.classes``.
    threshold : float, default=0.5
        Lowest segment score counted as the event.
    min_duration : float, default=0.0
        Events shorter than this many seconds are dropped.

    Returns
    -------
    events : list of Event
        In time order, each with ``onset``, ``offset`` (seconds) and
        ``score`` (the highest segment score inside it).

    Examples
    --------
    >>> starts = np.arange(8) * 0.5
    >>> p_event = np.array([0, 0, 1, 1, 1, 0, 0, 0.0])
    >>> p = WindowPredictions(starts, np.stack([1 - p_event, p_event], axis=1),
    ...                       np.array(["noise", "siren"]), 0.5, 0.5, 4.0)
    >>> detect_events(p, "siren")
    [Event(onset=1.0, offset=2.5, score=1.0)]
    """
    classes = list(predictions.classes)
    if event_label not in classes:
        raise ValueError(
            f"event label {event_label!r} is not one of the model's classes {classes}."
        )
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}.")
    if min_duration < 0:
        raise ValueError(f"min_duration must be >= 0 seconds, got {min_duration}.")
    scores = _segment_scores(predictions, classes.index(event_label))
    active = np.concatenate([[False], scores >= threshold, [False]])
    edges = np.flatnonzero(np.diff(active.astype(np.int8)))
    events = []
    for first, end in zip(edges[::2], edges[1::2], strict=True):
        onset = float(first * predictions.hop)
        offset = float(min(end * predictions.hop, predictions.duration))
        if offset - onset >= min_duration:
            events.append(Event(onset, offset, float(scores[first:end].max())))
    return events


def split_loader(pipeline):
    """Separate a leading :class:`~skaudio.WaveformLoader` from the rest.

    Parameters
    ----------
    pipeline : estimator
        A fitted Pipeline (such as ``skaudio fit`` writes) or any estimator.

    Returns
    -------
    loader : WaveformLoader or None
        The first step when it is a loader.
    model : estimator
        What takes the loader's waveforms: the rest of the pipeline, or
        ``pipeline`` itself when it has no loader.
    """
    if isinstance(pipeline, Pipeline) and isinstance(pipeline[0], WaveformLoader):
        rest = pipeline[1:]
        return pipeline[0], rest[0] if len(rest) == 1 else rest
    return None, pipeline
