"""Cross-validation experiments that save each fold as it finishes and resume.

The engine behind ``skaudio cv`` and ``skaudio reproduce``. Waveforms are
loaded once; every fold fits a fresh clone of a pipeline that starts from
waveforms, and its result is appended to a JSON-lines file at once. A rerun
with the same settings skips the folds already in the file, so an interrupted
run resumes where it stopped and ends with the same table.
"""

import csv
import hashlib
import json
import os
import signal
import sys
import threading
import time
import unicodedata
import warnings
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from . import datasets
from ._spelling import either, setting

# The estimators, networks and audio readers import torch: they are imported
# where a model is built or files are read, so that the command line parses
# its arguments (and answers --help) without importing torch.

__all__ = [
    "FEATURE_MODELS",
    "FoldsFailedError",
    "MAX_SAMPLE_RATE",
    "PROTOCOLS",
    "balanced_accuracy",
    "check_clip_length",
    "check_model_name",
    "dask_client",
    "data_digest",
    "data_settings",
    "default_protocol",
    "describe_features",
    "feature_window",
    "make_loader",
    "make_model",
    "make_splits",
    "model_names",
    "prepare_data",
    "read_results",
    "run_cv",
    "run_experiment",
    "silent_clips",
    "summarize",
    "training_recipe",
    "untrained_classes",
    "write_predictions_csv",
]

#: How a Python caller names a data set's group column.
_GROUP_COLUMN = "columns={'group_column': ...}"

#: Evaluation protocols of :func:`make_splits`; ``"loso"`` (leave one speaker
#: out) is ``"group"`` under the name the paper uses.
PROTOCOLS = ("group", "loso", "kfold", "official")


def default_protocol(groups=None):
    """``"group"`` for data of two groups (speakers, folds) or more, else ``"kfold"``.

    Parameters
    ----------
    groups : array-like of shape (n_samples,), default=None
        The data set's groups.

    Returns
    -------
    protocol : str
    """
    return "kfold" if groups is None or len(set(groups)) < 2 else "group"


def make_splits(
    protocol, y, *, groups=None, subset=None, n_splits=None, random_state=0
):
    """Return the named folds of an evaluation protocol.

    Parameters
    ----------
    protocol : {"group", "loso", "kfold", "official"}
        ``"group"`` (or ``"loso"``): every group (speaker, official fold) is
        the test set once, with :class:`~sklearn.model_selection.LeaveOneGroupOut`;
        with ``n_splits``, ``n_splits`` folds of whole groups instead
        (:class:`~sklearn.model_selection.StratifiedGroupKFold`).
        ``"kfold"``: stratified k-fold, shuffled, ignoring groups.
        ``"official"``: the data set's own split, ``subset == "test"`` is the
        test set and everything else trains.
    y : array-like of shape (n_samples,)
        Labels (for stratification).
    groups : array-like of shape (n_samples,), default=None
        Required by ``"group"``.
    subset : array-like of shape (n_samples,), default=None
        ``"train"``/``"validation"``/``"test"`` per clip; required by
        ``"official"``.
    n_splits : int, default=None
        Folds of ``"kfold"`` (5 when ``None``) or of ``"group"``.
    random_state : int, default=0
        Shuffling of ``"kfold"`` and of ``"group"`` with ``n_splits``.

    Returns
    -------
    splits : list of (str, ndarray, ndarray)
        ``(fold name, train indices, test indices)``; a leave-one-group-out
        fold is named after the held-out group.
    """
    from sklearn.model_selection import (
        LeaveOneGroupOut,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    y = np.asarray(y)
    if protocol in ("group", "loso"):
        if groups is None:
            raise ValueError(
                f"{setting('protocol', protocol)} needs groups (speakers, folds), "
                "and this data has none: give a manifest with a group, fold or "
                "speaker column (or name another with "
                f"{either(_GROUP_COLUMN, '--group-column')}), or use "
                f"{setting('protocol', 'kfold')}."
            )
        groups = np.asarray(groups)
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ValueError(
                f"{setting('protocol', protocol)} needs at least 2 groups, the "
                f"data has {n_groups}; use {setting('protocol', 'kfold')}."
            )
        if n_splits is None:
            return [
                (str(groups[test][0]), train, test)
                for train, test in LeaveOneGroupOut().split(y, y, groups)
            ]
        if n_splits > n_groups:
            raise ValueError(
                f"{setting('n_splits', n_splits)} folds of whole groups need at "
                f"least {n_splits} groups, the data has {n_groups}."
            )
        cv = StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)
        return [
            (f"fold-{i}", train, test)
            for i, (train, test) in enumerate(cv.split(y, y, groups))
        ]
    if protocol == "kfold":
        folds = 5 if n_splits is None else n_splits
        largest = int(np.unique(y, return_counts=True)[1].max())
        if folds > largest:
            # Stratified folds need a class with an example in every fold.
            named = (
                "kfold's default of 5 folds"
                if n_splits is None
                else setting("n_splits", n_splits)
            )
            fix = (
                f"give {setting('n_splits', largest)} or fewer"
                if largest >= 2
                else "too few to cross-validate"
            )
            raise ValueError(
                f"{named}: stratified folds need a class with at least {folds} "
                f"examples, the largest class of this data has {largest}; {fix}."
            )
        n_splits = n_splits or 5
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        with warnings.catch_warnings():
            # A class rarer than n_splits: run_experiment names the folds
            # whose training data lacks it (untrained_classes).
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            return [
                (f"fold-{i}", train, test)
                for i, (train, test) in enumerate(cv.split(y, y))
            ]
    if protocol == "official":
        if subset is None:
            raise ValueError(
                f"{setting('protocol', 'official')} needs the data set's own test "
                "split, and this data has none (FSDD and Speech Commands have "
                f"one); use {setting('protocol', 'group')} or "
                f"{setting('protocol', 'kfold')}."
            )
        test = np.asarray(subset) == "test"
        return [("official", np.flatnonzero(~test), np.flatnonzero(test))]
    raise ValueError(f"Unknown protocol {protocol!r}; choose one of {PROTOCOLS}.")


def untrained_classes(splits, y):
    """Name the classes each fold tests without any training example of them.

    Parameters
    ----------
    splits : list of (str, ndarray, ndarray)
        From :func:`make_splits`.
    y : array-like of shape (n_samples,)
        Labels.

    Returns
    -------
    missing : dict of str to list
        Fold name to the classes of its test set absent from its training
        set, for the folds that have any.

    Examples
    --------
    >>> y = ["dog", "dog", "cat", "cat", "owl"]
    >>> splits = make_splits("group", y, groups=["a", "b", "a", "b", "a"])
    >>> untrained_classes(splits, y)
    {'a': ['owl']}
    """
    y = np.asarray(y)
    missing = {
        name: sorted(set(y[test].tolist()) - set(y[train].tolist()))
        for name, train, test in splits
    }
    return {name: classes for name, classes in missing.items() if classes}


#: Highest rate :func:`data_settings` loads at: higher rates cost compute and
#: memory while the content a classifier needs is almost always below 11 kHz.
MAX_SAMPLE_RATE = 22050


def data_settings(filenames, *, sample_rate=None, duration=None):
    """Choose the loading rate and clip length that fit a data set.

    Reads the files' headers only, and reports every file whose header
    cannot be read at once. The rate is the most common rate of the
    files, at most ``MAX_SAMPLE_RATE`` (22,050 Hz); of rates equally common,
    the rate of the first file in ``filenames``. Files at other rates are
    resampled to it. The clip length keeps 99 % of the clips whole
    (:func:`skaudio.io.auto_duration`).

    Parameters
    ----------
    filenames : array-like of shape (n_files,)
        Audio files.
    sample_rate : int, default=None
        Use this rate instead of choosing one.
    duration : float, default=None
        Use this clip length (seconds) instead of choosing one.

    Returns
    -------
    settings : dict
        ``sample_rate``, ``duration``, the files' ``native_rates`` (rate →
        count), ``durations`` (ndarray of shape (n_files,), seconds),
        ``n_cropped`` (files longer than ``duration``) and ``n_multichannel``
        (files of two or more channels, which the loader mixes to mono).

    Raises
    ------
    ValueError
        When some files cannot be read, naming them.
    """
    from .io import AudioLoadError, _list_problems, audio_info, auto_duration, n_longer

    infos, problems = [], []
    for f in filenames:
        try:
            infos.append(audio_info(f))
        except AudioLoadError as exc:
            problems.append((_shown(exc.path), exc.reason))
    if problems:
        raise ValueError(
            f"{len(problems)} of {len(filenames)} files cannot be read"
            + _list_problems(problems)
        )
    rates = Counter(i.sample_rate for i in infos)
    if sample_rate is None:
        sample_rate = min(rates.most_common(1)[0][0], MAX_SAMPLE_RATE)
    durations = np.array([i.duration for i in infos])
    if duration is None:
        duration = auto_duration(durations)
    return {
        "sample_rate": int(sample_rate),
        "duration": float(duration),
        "native_rates": dict(sorted(rates.items())),
        "durations": durations,
        "n_cropped": n_longer(durations, duration, sample_rate),
        "n_multichannel": sum(i.channels > 1 for i in infos),
    }


def _shown(path):
    """``path`` relative to the working folder when it lies within it.

    A manifest's files are absolute paths; named from the working folder
    they read as the user wrote them next to the CSV.
    """
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _compared(settings):
    """Return the settings a saved fold must match to be reused (see run_cv)."""
    return {k: v for k, v in settings.items() if k != "data"}


def read_results(path, **settings):
    """Return the fold records of a results file that match ``settings``.

    Parameters
    ----------
    path : str or os.PathLike
        JSON-lines file written by :func:`run_cv`; missing means empty.
    **settings
        Keys every returned record must have with these values.

    Returns
    -------
    records : list of dict
    """
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}, line {number}: not valid JSON ({exc})."
            ) from None
        if all(record.get(k) == v for k, v in settings.items()):
            records.append(record)
    return records


class FoldsFailedError(RuntimeError):
    """Folds of :func:`~skaudio.experiments.run_cv` failed on a cluster.

    The finished folds are saved; the message names the failed ones.
    """


def _fit_fold(estimator, X, y, train, test, labels):
    """Fit a clone of ``estimator`` on one fold and return its scores."""
    from sklearn.base import clone
    from sklearn.metrics import confusion_matrix

    model = clone(estimator)
    start = time.perf_counter()
    model.fit(X[train], y[train])
    seconds = time.perf_counter() - start
    y_pred = model.predict(X[test])
    return {
        "accuracy": float(np.mean(y_pred == y[test])),
        "predicted": y_pred.tolist(),
        "train_seconds": round(seconds, 2),
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "labels": labels.tolist(),
        "confusion": confusion_matrix(y[test], y_pred, labels=labels).tolist(),
    }


def run_cv(
    estimator,
    X,
    y,
    splits,
    *,
    results_path,
    settings,
    progress=print,
    client=None,
):
    """Fit and score ``estimator`` on every fold, saving each result at once.

    Parameters
    ----------
    estimator : estimator
        Cloned afresh for every fold.
    X : ndarray of shape (n_samples, ...) or callable
        Inputs of the estimator (e.g. waveforms), or a function of no
        argument that returns them, called only when a fold is not saved yet
        (so a finished run loads nothing). Only read for folds not yet saved,
        so it may be ``None`` when every fold is.
    y : ndarray of shape (n_samples,)
        Labels.
    splits : list of (str, ndarray, ndarray)
        From :func:`make_splits`.
    results_path : str or os.PathLike
        JSON-lines file the records are appended to (created with its folder).
    settings : dict
        JSON-serialisable description of the run (model, data set, protocol,
        epochs, seed, ...), stored in every record. Folds whose record with
        the same settings is already in the file are skipped; ``data``, the
        data set as named (``./clips.csv`` and ``clips.csv`` are one file), is
        stored but not compared: ``data_digest`` identifies the data.
    progress : callable, default=print
        Called with one line of text per fold.
    client : distributed.Client, default=None
        Run the folds as tasks on this Dask cluster (see
        :func:`skaudio.cluster.connect`); each record is saved here as soon as
        its task finishes. A task whose worker dies is run again by Dask. The
        same seeds give the same scores as a local run.

    Returns
    -------
    records : list of dict
        One per fold, in the order of ``splits``, with ``fold``, ``accuracy``,
        ``predicted`` (the predicted label of each test example, in the order
        of the split's test indices), ``train_seconds``, ``n_train``,
        ``n_test``, ``labels``, ``confusion`` and the settings.

    Raises
    ------
    FoldsFailedError
        When folds failed on the cluster; it names them, and the finished
        folds are saved, so the same call trains only the missing ones.
    """
    results_path = Path(results_path)
    done = {r["fold"]: r for r in read_results(results_path, **_compared(settings))}
    labels = np.unique(y)
    position = {fold: i for i, (fold, _, _) in enumerate(splits, 1)}

    def save(fold, scores):
        record = {**settings, "fold": fold, **scores}
        _append(results_path, record)
        progress(
            f"[{position[fold]}/{len(splits)}] {fold}: {record['accuracy']:.1%} "
            f"({record['train_seconds']:.0f} s)"
        )
        done[fold] = record

    for fold, _, _ in splits:
        if fold in done:
            progress(
                f"[{position[fold]}/{len(splits)}] {fold}: "
                f"{done[fold]['accuracy']:.1%} (saved)"
            )
    todo = [(fold, train, test) for fold, train, test in splits if fold not in done]
    if todo and callable(X):
        X = X()
    if client is None:
        for fold, train, test in todo:
            with _interruptible() as interrupted:
                scores = _fit_fold(estimator, X, y, train, test, labels)
            if interrupted:  # skorch stops training quietly on Ctrl-C
                raise KeyboardInterrupt
            save(fold, scores)
    elif todo:
        _run_on_cluster(client, estimator, X, y, todo, labels, save, results_path)
    return [done[fold] for fold, _, _ in splits]


@contextmanager
def _interruptible():
    """Yield a list that becomes non-empty if Ctrl-C was pressed in the block.

    skorch ends a fit early and returns normally on KeyboardInterrupt, so a
    fold cut short would look finished; the caller checks this instead.
    """
    interrupted = []
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def note(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


# Scatterings of the data for the folds of one run_cv on a cluster: each
# worker death can lose it once (tests/test_cluster.py kills both of 2).
_DATA_ATTEMPTS = 3


def _run_on_cluster(client, estimator, X, y, todo, labels, save, results_path):
    """Submit one task per fold and save each result as it arrives.

    A fold whose task was cancelled because the data it reads was lost (its
    worker died, and Dask's memory manager may have left that worker the only
    copy) runs again on the data scattered anew, up to ``_DATA_ATTEMPTS``
    times in all.
    """
    from distributed import CancelledError, as_completed

    n_folds, failed = len(todo), {}
    for attempt in range(1, _DATA_ATTEMPTS + 1):
        # On every worker (broadcast), else the folds queue on the one that
        # holds the data. Keys of their own (hash=False): a content-addressed
        # key shared with an earlier run's data, lost with a killed worker,
        # left tasks waiting for ever (distributed 2026.8).
        X_remote, y_remote = client.scatter([X, y], broadcast=True, hash=False)
        futures = {
            client.submit(
                _fit_fold,
                estimator,
                X_remote,
                y_remote,
                train,
                test,
                labels,
                key=f"skaudio-fold-{fold}-{os.urandom(4).hex()}",
            ): (fold, train, test)
            for fold, train, test in todo
        }
        lost = []
        for future in as_completed(futures):
            fold = futures[future][0]
            try:
                scores = future.result()
            except CancelledError as exc:
                if attempt < _DATA_ATTEMPTS:
                    lost.append(futures[future])
                else:
                    failed[fold] = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # reported below; the other folds go on
                failed[fold] = f"{type(exc).__name__}: {exc}"
            else:
                save(fold, scores)
        if not lost:
            break
        todo = lost
    if failed:
        reasons = "; ".join(f"{fold}: {why}" for fold, why in failed.items())
        raise FoldsFailedError(
            f"{len(failed)} of {n_folds} folds failed on the cluster ({reasons}). "
            f"The finished folds are saved in {results_path}; run the same "
            "command again to train only the missing ones."
        )


def _append(path, record):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def balanced_accuracy(record):
    """Mean recall over the classes in a fold's test set.

    :func:`sklearn.metrics.balanced_accuracy_score` of the fold, from its
    confusion matrix: each class weighs the same however many test clips it
    has, so a model that ignores a rare class cannot hide behind the others.

    Parameters
    ----------
    record : dict
        A fold record of :func:`run_cv`, with its ``confusion`` matrix.

    Returns
    -------
    score : float
    """
    confusion = np.asarray(record["confusion"], dtype=float)
    support = confusion.sum(axis=1)
    return float(np.mean(np.diag(confusion)[support > 0] / support[support > 0]))


def summarize(records):
    """Mean and standard deviation of the folds' scores, and total training time.

    Parameters
    ----------
    records : list of dict
        Fold records of one model, from :func:`run_cv`.

    Returns
    -------
    summary : dict
        ``mean`` and ``std`` of accuracy (population, as over folds),
        ``balanced_mean`` and ``balanced_std`` of :func:`balanced_accuracy`,
        ``train_seconds`` (sum) and ``n_folds``.
    """
    accuracy = np.array([r["accuracy"] for r in records])
    balanced = np.array([balanced_accuracy(r) for r in records])
    return {
        "mean": float(accuracy.mean()),
        "std": float(accuracy.std()),
        "balanced_mean": float(balanced.mean()),
        "balanced_std": float(balanced.std()),
        "train_seconds": float(sum(r["train_seconds"] for r in records)),
        "n_folds": len(records),
    }


#: Pipelines on features, beside the waveform presets: name -> description.
FEATURE_MODELS = {
    "mel-cnn": "log-Mel (64 bands, 64 ms window, 32 ms hop) + SpectrogramCNNClassifier",
    "mfcc-seq": "40 MFCC (64 ms window, 16 ms hop) in time + SequenceCNNClassifier",
    "mfcc-seq-aug": "mfcc-seq with the MFCC front end inside the classifier, "
    "256 filters per block, standard_augmentation() and training_recipe(): the "
    "most accurate on unseen speakers so far",
}


def training_recipe():
    """Classifier parameters of the training recipe that ``mfcc-seq-aug`` uses.

    AdamW with weight decay 0.05, label smoothing 0.1 and a cosine learning
    rate schedule (``benchmarks/results/accuracy.md`` measures it with and
    without augmentation).

    Returns
    -------
    params : dict
        Keyword arguments of any skaudio classifier.

    Examples
    --------
    >>> training_recipe()["lr_schedule"]
    'cosine'
    """
    import torch

    return {
        "optimizer": torch.optim.AdamW,
        "optimizer__weight_decay": 0.05,
        "criterion__label_smoothing": 0.1,
        "lr_schedule": "cosine",
    }


def feature_window(sample_rate):
    """FFT window of the feature models: the power of two nearest to 64 ms.

    64 ms resolves the pitch and formants of speech and most sound events;
    a power of two keeps the FFT fast. The Mel model hops half a window, the
    MFCC model a quarter.

    Parameters
    ----------
    sample_rate : int
        Rate of the waveforms (Hz).

    Returns
    -------
    n_fft : int
        512 at 8 kHz, 1024 at 16 and 22.05 kHz, 2048 at 44.1 kHz.
    """
    return 1 << round(np.log2(sample_rate * 0.064))


def make_model(name, *, sample_rate, **params):
    """Return a named pipeline that classifies fixed-length waveforms.

    Parameters
    ----------
    name : str
        A waveform model of ``skaudio.presets.WAVEFORM_PRESETS``
        (``"lv-18"`` ... ``"sincnet"``, ``"simple"``): per-sample
        normalisation then :class:`~skaudio.WaveformCNNClassifier`. Or one of
        ``FEATURE_MODELS``: ``"mel-cnn"``, a log-Mel image into the
        default :class:`~skaudio.SpectrogramCNNClassifier`; ``"mfcc-seq"``,
        MFCC sequences into :class:`~skaudio.SequenceCNNClassifier`;
        ``"mfcc-seq-aug"``, the same classifier with the MFCC transformer as
        its ``frontend`` (so that waveform augmentations reach it), 256
        filters per block instead of 64,
        :func:`~skaudio.augment.standard_augmentation` and
        :func:`training_recipe`.
    sample_rate : int
        Rate of the waveforms; the feature windows scale with it.
    **params
        Classifier parameters (``max_epochs``, ``random_state``, ``device``,
        ...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Its steps are named ``"norm"``, ``"mel"`` or ``"mfcc"``, then
        ``"cnn"``: the prefixes of their parameters (``mel__n_mels``,
        ``cnn__max_epochs``) in ``set_params`` and a grid search.
        ``"mfcc-seq-aug"`` has the one step ``"cnn"``
        (``cnn__frontend__n_mfcc``).

    Raises
    ------
    ValueError
        For an unknown name, a parameter the classifier does not have, or a
        ``sample_rate`` too low for the model's features (under 1,415 Hz).
    """
    from sklearn.pipeline import Pipeline

    from .augment import standard_augmentation
    from .classifiers import (
        SequenceCNNClassifier,
        SpectrogramCNNClassifier,
        WaveformCNNClassifier,
    )
    from .features import MelTransformer, MFCCTransformer
    from .preprocessing import PerSampleNormalizer
    from .presets import WAVEFORM_MODELS

    n_fft = feature_window(sample_rate)
    if name in WAVEFORM_MODELS:
        steps = [
            ("norm", PerSampleNormalizer()),
            (
                "cnn",
                WaveformCNNClassifier(architecture=name, sample_rate=sample_rate),
            ),
        ]
    elif name == "mel-cnn":
        steps = [
            (
                "mel",
                MelTransformer(
                    sample_rate=sample_rate,
                    n_fft=n_fft,
                    hop_length=n_fft // 2,
                    n_mels=64,
                ),
            ),
            ("cnn", SpectrogramCNNClassifier()),
        ]
    elif name in ("mfcc-seq", "mfcc-seq-aug"):
        mfcc = MFCCTransformer(
            sample_rate=sample_rate,
            n_fft=n_fft,
            hop_length=n_fft // 4,
            n_mels=64,
            n_mfcc=40,
            layout="sequence",
        )
        if name == "mfcc-seq":
            steps = [("mfcc", mfcc), ("cnn", SequenceCNNClassifier())]
        else:
            # Four times the default width: augmented training uses the
            # capacity (benchmarks/results/accuracy.md, "256 filters").
            classifier = SequenceCNNClassifier(
                frontend=mfcc,
                augment=standard_augmentation(),
                filters=256,
                **training_recipe(),
            )
            steps = [("cnn", classifier)]
    else:
        raise ValueError(f"Unknown model {name!r}; choose one of {model_names()}.")
    # set_params names a misspelt parameter now, not at fit.
    steps[-1][1].set_params(**params)
    pipeline = Pipeline(steps)
    _check_feature_rate(name, pipeline)
    return pipeline


def _check_feature_rate(name, model):
    """Refuse a sample rate too low for the Mel filters of a feature model.

    Below about 1.4 kHz the window of :func:`feature_window` has too few FFT
    bins for 64 Mel filters; the message names the lowest rate that works.
    """
    from sklearn.base import clone

    front = _front_end(model)
    if front is None:
        return
    rate = front.sample_rate
    try:
        front._check_settings()
    except ValueError:
        for higher in range(rate + 1, MAX_SAMPLE_RATE + 1):
            candidate = clone(front).set_params(
                sample_rate=higher, n_fft=feature_window(higher)
            )
            try:
                candidate._check_settings()
            except ValueError:
                continue
            raise ValueError(
                f"{rate} Hz is too low a sample rate for {name}: its "
                f"{front.n_mels} Mel bands do not fit the {front.n_fft // 2 + 1} "
                f"frequency bins of its {front.n_fft}-sample window at that rate; "
                f"use {setting('sample_rate', higher)} or higher, or a model on "
                "waveforms."
            ) from None
        raise


def model_names():
    """Names accepted by :func:`~skaudio.experiments.make_model`.

    Returns
    -------
    names : list of str
    """
    from .presets import WAVEFORM_MODELS

    return sorted(WAVEFORM_MODELS) + list(FEATURE_MODELS)


def fold_table(records, summary=None):
    """Format fold records as a Markdown table with the mean ± std row.

    The last row gives the accuracies' mean ± std and the folds' total
    test clips and training time. One fold has no spread: that row is
    named ``one fold``, without ±.

    Parameters
    ----------
    records : list of dict
        Fold records of one model.
    summary : dict, default=None
        From :func:`summarize`; computed when ``None``.

    Returns
    -------
    table : str
    """
    summary = summary or summarize(records)
    lines = [
        "| fold | accuracy | balanced accuracy | n_test | train s |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['fold']} | {r['accuracy']:.1%} | {balanced_accuracy(r):.1%} | "
        f"{r['n_test']} | {r['train_seconds']:.0f} |"
        for r in records
    ]
    if len(records) == 1:  # no spread to show
        name, accuracy = "one fold", f"{summary['mean']:.1%}"
        balanced = f"{summary['balanced_mean']:.1%}"
    else:
        name = "mean ± std"
        accuracy = f"{summary['mean']:.1%} ± {summary['std']:.1%}"
        balanced = f"{summary['balanced_mean']:.1%} ± {summary['balanced_std']:.1%}"
    lines.append(
        f"| **{name}** | **{accuracy}** | {balanced} | "
        f"{sum(r['n_test'] for r in records)} in all | "
        f"{summary['train_seconds']:.0f} in all |"
    )
    return "\n".join(lines)


def write_fold_csv(records, path, *, test_groups=None):
    """Write one CSV row per fold: fold, accuracy, balanced accuracy, sizes, time.

    Parameters
    ----------
    records : list of dict
        Fold records.
    path : str or os.PathLike
        CSV file to write.
    test_groups : dict or None, default=None
        Fold name to the groups of its test set; given, a last column
        ``test_groups`` lists them as a JSON list (``["mic A", "mic B"]``), so
        that names with spaces or commas read back with ``json.loads``.
    """
    columns = ["fold", "accuracy", "balanced_accuracy", "n_train", "n_test"]
    columns.append("train_seconds")
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns + ["test_groups"] * (test_groups is not None))
        for r in records:
            extra = (
                []
                if test_groups is None
                else [json.dumps(test_groups[r["fold"]], ensure_ascii=False)]
            )
            row = {**r, "balanced_accuracy": round(balanced_accuracy(r), 6)}
            writer.writerow([row[c] for c in columns] + extra)


def write_predictions_csv(records, splits, filenames, target, path, *, groups=None):
    """Write one CSV row per test clip: file, fold, group, label, prediction.

    Folds whose record has no ``predicted`` list (saved by an earlier
    version of skaudio) have no rows.

    Parameters
    ----------
    records : list of dict
        Fold records of :func:`run_cv`, in the order of ``splits``.
    splits : list of (str, ndarray, ndarray)
        The folds the records were made on (:func:`make_splits`).
    filenames : sequence of str of length n_samples
        The clips' files, as the data set names them.
    target : array-like of shape (n_samples,)
        Their labels.
    path : str or os.PathLike
        CSV file to write (UTF-8).
    groups : array-like of shape (n_samples,), default=None
        Their groups; given, a ``group`` column follows ``fold``.

    Returns
    -------
    n_rows : int
        Test clips written.

    Raises
    ------
    ValueError
        When a record's ``predicted`` list and its fold's test set differ in
        length: the record was not made on these splits.
    """
    columns = ["file", "fold", "label", "predicted", "correct"]
    if groups is not None:
        columns.insert(2, "group")
    n_rows = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for record, (fold, _, test) in zip(records, splits, strict=True):
            predictions = record.get("predicted")
            if predictions is None:
                continue
            if len(predictions) != len(test):
                raise ValueError(
                    f"Fold '{fold}' has {len(predictions)} predictions for "
                    f"{len(test)} test clips: its record was made on other splits."
                )
            for i, predicted in zip(test, predictions, strict=True):
                row = [filenames[i], fold, target[i], predicted, target[i] == predicted]
                if groups is not None:
                    row.insert(2, groups[i])
                writer.writerow(row)
                n_rows += 1
    return n_rows


def save_confusion_figure(records, path, *, title=None):
    """Save the confusion matrix summed over folds as a PNG, if matplotlib is there.

    Parameters
    ----------
    records : list of dict
        Fold records with ``labels`` and ``confusion``.
    path : str or os.PathLike
        PNG file.
    title : str, default=None
        Figure title.

    Returns
    -------
    path : pathlib.Path or None
        ``None`` when matplotlib is not installed (the ``plot`` extra).
    """
    try:
        from .plotting import plot_confusion_matrix
    except ImportError:
        return None
    import matplotlib.pyplot as plt

    confusion = np.sum([r["confusion"] for r in records], axis=0)
    ax = plot_confusion_matrix(confusion, records[0]["labels"])
    if title:
        ax.set_title(title)
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    return Path(path)


def prepare_data(
    data,
    *,
    layout="auto",
    columns=None,
    sample_rate=None,
    duration=None,
    progress=print,
):
    """Load a data set and choose its rate and clip length, saying so once.

    Parameters
    ----------
    data : str or os.PathLike
        ``"fsdd"``, a CSV manifest or a folder, as
        :func:`skaudio.datasets.load_audio_dataset` reads them.
    layout : str, default="auto"
        How to read ``data``: ``"auto"`` or a key of
        ``skaudio.datasets.LAYOUTS``.
    columns : dict, default=None
        The manifest's ``path_column``, ``label_column``, ``group_column``.
    sample_rate : int, default=None
        Loading rate; chosen by :func:`data_settings` when ``None``.
    duration : float, default=None
        Seconds per clip; chosen by :func:`data_settings` when ``None``.
    progress : callable, default=print
        Called with each line of the description (files, classes, groups,
        rates, durations, and what the chosen rate and length change).

    Returns
    -------
    data : sklearn.utils.Bunch
        From :func:`~skaudio.datasets.load_audio_dataset`.
    settings : dict
        From :func:`data_settings`.

    Raises
    ------
    ValueError
        When the data cannot be read or has fewer than two classes.
    """
    bunch = datasets.load_audio_dataset(data, layout=layout, columns=columns or {})
    classes = sorted(set(bunch.target.tolist()))
    if len(classes) < 2:
        manifests = sorted(Path(data).glob("*.csv")) if Path(data).is_dir() else []
        hint = (
            f" '{manifests[0]}' may be a manifest of the clips: give it as the data."
            if manifests
            else ""
        )
        raise ValueError(
            f"Data '{data}' has one class ({classes[0]!r}); a classifier "
            f"needs at least two.{hint}"
        )
    chosen = data_settings(bunch.filenames, sample_rate=sample_rate, duration=duration)
    n_groups = (
        "no groups" if bunch.groups is None else _count(len(set(bunch.groups)), "group")
    )
    source = f"{bunch.layout} layout"
    columns = bunch.get("columns")
    if columns:
        source += f": labels from {columns['label']!r}"
        if columns["group"]:
            source += f", groups from {columns['group']!r}"
    if bunch.groups is None and bunch.get("other_columns"):
        source += f"; unused columns: {', '.join(map(repr, bunch.other_columns))}"
    progress(
        f"data: {len(bunch.filenames)} files, {len(classes)} classes, "
        f"{n_groups} ({source})"
    )
    if bunch.get("label_names"):
        column, names = bunch.label_names
        label, name = next(iter(names.items()))
        progress(
            f"the labels are numbers, and column {column!r} names the same "
            f"{len(names)} classes ({label!r} is {name!r}): "
            + either(
                f"columns={{'label_column': {column!r}}}", f"--label-column {column}"
            )
            + " uses the names"
        )
    subsets = bunch.get("subset")
    if subsets is not None:
        counts = Counter(str(s) for s in subsets)
        progress(
            "official split: "
            + ", ".join(f"{name} {counts[name]}" for name in sorted(counts))
            + f" ({setting('protocol', 'official')} tests on test and trains on "
            "the rest)"
        )
    if bunch.groups is not None and len(set(bunch.groups)) == len(bunch.filenames):
        progress(
            "every group holds one clip: a fold per group tests one clip at a "
            "time, and clips of one speaker or session can be on both sides of a "
            "fold. Is the group column the right one?"
        )
    similar = {}
    for label in classes:
        key = unicodedata.normalize("NFC", " ".join(str(label).casefold().split()))
        if key.isascii() and key.isdigit():
            key = str(int(key))  # "01" and "1"
        similar.setdefault(key, []).append(label)
    similar = [names for names in similar.values() if len(names) > 1]
    if similar:
        # ascii() shows how labels that print alike (composed and decomposed
        # accents) differ.
        pairs = "; ".join(" and ".join(map(ascii, names)) for names in similar)
        progress(
            "classes that differ only in case, inner spaces, leading zeros or Unicode "
            f"form (composed or decomposed accents) stay apart: {pairs}; rename "
            "them in the data if they are the same class"
        )
    rates = ", ".join(
        f"{r} Hz ({_count(n, 'file')})" for r, n in chosen["native_rates"].items()
    )
    seconds = chosen["durations"]
    if np.ptp(seconds) < 1e-3:
        lengths = f"{seconds[0]:.2f} s each"
    else:
        lengths = (
            f"{seconds.min():.2f}-{seconds.max():.2f} s, "
            f"median {np.median(seconds):.2f} s"
        )
    progress(f"files: {rates}; {lengths}")
    rate, clip = chosen["sample_rate"], chosen["duration"]
    notes = []
    dropped = [r for r in chosen["native_rates"] if r > rate]
    if dropped:
        notes.append(
            f"files at {', '.join(map(str, dropped))} Hz are resampled, losing "
            f"content above {rate / 2:g} Hz"
        )
    raised = [r for r in chosen["native_rates"] if r < rate]
    if raised:
        notes.append(
            f"files at {', '.join(map(str, raised))} Hz are upsampled, with "
            "nothing above half their rate"
        )
    if chosen["n_multichannel"]:
        notes.append(
            f"{_count(chosen['n_multichannel'], 'file')} of two or more channels "
            f"{'is' if chosen['n_multichannel'] == 1 else 'are'} mixed to mono"
        )
    if chosen["n_cropped"]:
        n_cropped = chosen["n_cropped"]
        verb = "is" if n_cropped == 1 else "are"
        notes.append(
            f"{_count(n_cropped, 'clip')} ({n_cropped / len(seconds):.1%}) longer "
            f"than {clip} s {verb} cropped"
        )
    else:
        notes.append("every clip is whole")
    median = np.median(seconds)
    if duration is not None and clip > 2 * seconds.max():
        notes.append(
            f"the longest clip is {seconds.max():.2f} s: every clip is padded "
            f"with zeros to more than twice its length"
        )
    if duration is None and clip > 3 * median:
        # A few long files set the length for all: say which.
        longest = int(np.argmax(seconds))
        n_long = int(np.sum(seconds > 3 * median))
        which = "file" if n_long == 1 else f"{n_long} files, e.g."
        notes.append(
            f"the length is set by the longest {which} "
            f"('{bunch.filenames[longest]}', {seconds[longest]:.1f} s), over 3 "
            f"times the median {median:.2f} s: the other clips are padded to it"
        )
    short = np.flatnonzero(seconds < median / 10)
    if len(short):
        # Often a cut recording or a stray file: say which, not only the range.
        shortest = short[np.argmin(seconds[short])]
        example = f"'{bunch.filenames[shortest]}' ({seconds[shortest]:.2g} s)"
        tenth = f"under a tenth of the median {median:.2f} s"
        notes.append(
            f"{example} is {tenth}"
            if len(short) == 1
            else f"{len(short)} clips are {tenth} (the shortest: {example})"
        )
        notes[-1] += (
            ", mostly zeros once padded: check that "
            f"{'it was' if len(short) == 1 else 'they were'} not cut short"
        )
    n_bytes = len(seconds) * round(clip * rate) * np.dtype(np.float32).itemsize
    if n_bytes > 1e9:
        notes.append(f"the clips take {n_bytes / 1e9:.1f} GB of memory")
    # Next to each value chosen for the user, the option that changes it.
    rate_hint = "" if sample_rate else f" ({setting('sample_rate')} changes it)"
    clip_hint = "" if duration else f" ({setting('duration')} changes it)"
    progress(
        f"loading at {rate} Hz{rate_hint}, {clip} s per clip{clip_hint}: "
        + "; ".join(notes)
    )
    return bunch, chosen


def silent_clips(X, filenames):
    """Say which loaded clips are silent, or return ``None`` when none is.

    A clip whose every sample is zero (as loaded: a cropped file only in the
    part kept) teaches a classifier nothing about its label; it is usually a
    failed recording or export.

    Parameters
    ----------
    X : ndarray of shape (n_samples, [n_channels,] n_times)
        The waveforms as loaded.
    filenames : sequence of str of length n_samples
        Their files.

    Returns
    -------
    note : str or None
        One line naming how many clips are silent and the first of them.
    """
    silent = np.flatnonzero(~np.asarray(X).reshape(len(X), -1).any(axis=1))
    if not len(silent):
        return None
    first = f"'{filenames[silent[0]]}'"
    what = (
        f"{first} is" if len(silent) == 1 else f"{len(silent)} clips (e.g. {first}) are"
    )
    its = "its label says" if len(silent) == 1 else "their labels say"
    return (
        f"{what} silent, every sample zero as loaded: {its} nothing about the "
        "audio; check the recording, or leave it out of the data"
    )


def make_loader(settings, *, n_jobs=1):
    """Return the loader of a data set at its chosen rate and clip length.

    It shows a progress bar when standard error is a terminal, and none in a
    pipe or a log file.

    Parameters
    ----------
    settings : dict
        With ``sample_rate`` and ``duration``, as :func:`data_settings`
        returns them.
    n_jobs : int, default=1
        Processes decoding the files.

    Returns
    -------
    loader : skaudio.WaveformLoader
    """
    from .io import WaveformLoader

    return WaveformLoader(
        sample_rate=settings["sample_rate"],
        duration=settings["duration"],
        n_jobs=n_jobs,
        verbose=int(sys.stderr.isatty()),
    )


def describe_features(model):
    """One line on the STFT window and hop of a feature pipeline's first step.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        From :func:`make_model`.

    Returns
    -------
    line : str or None
        ``None`` for a model on waveforms.
    """
    front = _front_end(model)
    if front is None:
        return None
    rate, hop = front.sample_rate, front.hop_length
    return (
        f"features: {type(front).__name__}, window {front.n_fft} samples "
        f"({1000 * front.n_fft / rate:.0f} ms), hop {hop} "
        f"({1000 * hop / rate:.0f} ms)"
    )


def _front_end(model):
    """Return the STFT front end of a :func:`make_model` model, or ``None``.

    The first step (or ``model`` itself, when not a pipeline), or the
    classifier's ``frontend``; ``None`` for a model on waveforms.
    """
    front = model.steps[0][1] if hasattr(model, "steps") else model
    front = getattr(front, "frontend", None) or front
    return front if hasattr(front, "n_fft") else None


def _check_output_outside_data(output, data, name):
    """Refuse an output in the folder of a data set read from a folder.

    A data set found by its layout (class folders, ESC-50's, ...) takes every
    file under its folder: results, plots or a model written there would be
    read as part of it by the next run, which then fails or trains on them.
    ``name`` is how the message calls the output, e.g. ``"--out"``.
    """
    if not os.path.isdir(data):  # a manifest, or a named data set
        return
    folder, target = Path(data).resolve(), Path(output).resolve()
    if target == folder or folder in target.parents:
        raise ValueError(
            f"{name} '{output}' is inside the data folder '{data}': the next run "
            "would read what is written there as part of the data set. Give a "
            "path outside it."
        )


def check_clip_length(name, model, settings):
    """Refuse, before any file is loaded, clips too short for a model's features.

    The front end is the first pipeline step, or the classifier's
    ``frontend``; models on waveforms take any length.

    Parameters
    ----------
    name : str
        The model's name, for the message.
    model : sklearn.pipeline.Pipeline
        From :func:`make_model`.
    settings : dict
        ``sample_rate`` and ``duration`` (s), as :func:`data_settings` returns
        them.

    Raises
    ------
    ValueError
        Naming the clip length, the model and what its front end needs.
    """
    front = _front_end(model)
    if front is None:
        return
    rate, duration = settings["sample_rate"], settings["duration"]
    n_times = round(duration * rate)
    # A whole FFT window (more than the STFT accepts): shorter clips give
    # features of padding.
    needed = front.n_fft
    if n_times < needed:
        raise ValueError(
            f"Clips of {duration:g} s ({n_times} samples at {rate} Hz) are too "
            f"short for {name}: its {type(front).__name__} window of "
            f"{front.n_fft} samples needs at least {needed} samples "
            f"({np.ceil(1000 * needed / rate) / 1000:g} s); choose a longer "
            f"{setting('duration')}."
        )


def _count(n, noun):
    """``"1 file"``, ``"2 files"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def data_digest(data):
    """Summarise a data set's clip names, labels, groups and subsets in 16 digits.

    File names count relative to the folder that holds them all, so moving
    the data set keeps its digest; renaming, adding, removing or rewriting a
    file (its size or modification time), or changing a label, group or
    subset changes it. (The audio is not read; a copy with new modification
    times counts as changed.) :func:`run_experiment` stores it with every
    fold, so that a rerun on changed data trains again instead of reusing
    the old folds.

    Parameters
    ----------
    data : sklearn.utils.Bunch
        ``filenames``, ``target`` and ``groups`` (or ``None``), and
        optionally ``subset``, as :func:`prepare_data` returns them.

    Returns
    -------
    digest : str
        16 hexadecimal digits.

    Examples
    --------
    >>> from sklearn.utils import Bunch
    >>> one = Bunch(filenames=["/a/x.wav", "/a/y.wav"], target=[1, 2], groups=None)
    >>> moved = Bunch(filenames=["/b/x.wav", "/b/y.wav"], target=[1, 2], groups=None)
    >>> data_digest(one) == data_digest(moved)
    True
    >>> data_digest(one) == data_digest(Bunch(**{**one, "target": [2, 2]}))
    False
    """
    files = [str(f) for f in data.filenames]
    root = os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0])
    n = len(files)
    groups = data.groups if data.groups is not None else [None] * n
    subsets = data.get("subset")
    subsets = subsets if subsets is not None else [None] * n
    digest = hashlib.sha256()
    for row in zip(files, data.target, groups, subsets, strict=True):
        name = os.path.relpath(row[0], root)
        digest.update(
            json.dumps([name, *map(str, row[1:]), _file_stamp(row[0])]).encode() + b"\n"
        )
    return digest.hexdigest()[:16]


def _file_stamp(path):
    """``[size, modification time in ns]`` of a file, or ``None`` when absent."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def check_model_name(name):
    """Raise a ValueError naming the choices when ``name`` is not a model.

    Parameters
    ----------
    name : str
        A name for :func:`make_model`.
    """
    if name not in model_names():
        raise ValueError(f"Unknown model {name!r}; choose one of {model_names()}.")


@contextmanager
def dask_client(scheduler, progress=print):
    """Yield a Dask client for ``scheduler``, or ``None`` to run the folds here.

    Parameters
    ----------
    scheduler : str or None
        A scheduler's address (``tcp://host:8786``) or ``local:N``
        (:func:`skaudio.cluster.connect`); ``None`` yields ``None``.
    progress : callable, default=print
        Told the scheduler's address once connected.

    Yields
    ------
    client : distributed.Client or None
    """
    if scheduler is None:
        yield None
        return
    try:
        from .cluster import connect
    except ImportError as exc:
        raise ValueError(
            f"{setting('scheduler')} needs Dask ({exc}); install skaudio[dask]."
        ) from None
    with connect(scheduler) as client:
        progress(f"folds run on the Dask cluster at {client.scheduler.address}")
        yield client


def run_experiment(
    model,
    data,
    *,
    protocol=None,
    n_splits=None,
    out="runs/cv",
    layout="auto",
    columns=None,
    sample_rate=None,
    duration=None,
    max_epochs=30,
    random_state=0,
    device="auto",
    verbose=0,
    n_jobs=1,
    scheduler=None,
    progress=print,
):
    """Cross-validate a named model on a data set, saving and summarising the folds.

    What ``skaudio cv`` runs. Reads the data set and chooses its rate and
    clip length (:func:`prepare_data`), builds the model (:func:`make_model`)
    and the folds of the protocol (:func:`make_splits`), loads the waveforms
    unless every fold is already saved, fits and scores every fold not yet in
    ``out/results.jsonl`` (:func:`run_cv`, here or on a Dask cluster), then
    writes ``out/folds.csv``, ``out/predictions.csv`` (one row per test
    clip, :func:`write_predictions_csv`) and ``out/confusion.png``. A rerun
    with the same settings trains nothing and ends with the same table.

    Parameters
    ----------
    model : str
        One of :func:`model_names`.
    data : str or os.PathLike
        ``"fsdd"``, a CSV manifest or a folder (see :func:`prepare_data`).
    protocol : {"group", "loso", "kfold", "official"}, default=None
        See :func:`make_splits`; :func:`default_protocol` when ``None``.
    n_splits : int, default=None
        Folds of ``"kfold"`` or ``"group"`` (see :func:`make_splits`).
    out : str or os.PathLike, default="runs/cv"
        Folder of the results.
    layout, columns, sample_rate, duration
        How to read ``data`` and at which rate and clip length (see
        :func:`prepare_data`).
    max_epochs, random_state, device, verbose
        Parameters of the classifier.
    n_jobs : int, default=1
        Processes decoding the files (:class:`~skaudio.WaveformLoader`).
    scheduler : str, default=None
        Run the folds on this Dask cluster (see :func:`dask_client`).
    progress : callable, default=print
        Called with each line of the report: the data, the model, each fold
        as it finishes, the fold table and the files written.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``records`` (one dict per fold, see :func:`run_cv`), ``summary``
        (:func:`summarize`), ``settings`` (what every record stores) and
        ``written`` (list of pathlib.Path).

    Raises
    ------
    FoldsFailedError
        When folds failed on the cluster (the finished ones are saved).
    """
    check_model_name(model)
    _check_output_outside_data(out, data, setting("out"))
    bunch, chosen = prepare_data(
        data,
        layout=layout,
        columns=columns,
        sample_rate=sample_rate,
        duration=duration,
        progress=progress,
    )
    pipeline = make_model(
        model,
        sample_rate=chosen["sample_rate"],
        max_epochs=max_epochs,
        random_state=random_state,
        device=device,
        verbose=verbose,
    )
    check_clip_length(model, pipeline, chosen)
    features = describe_features(pipeline)
    if features:
        progress(features)
    protocol = protocol or default_protocol(bunch.groups)
    unread = bunch.get("other_columns")
    if protocol == "kfold" and bunch.groups is not None:
        n_groups = len(set(bunch.groups))
        progress(
            f"{setting('protocol', 'kfold')} ignores the data's {n_groups} "
            f"groups: the folds may put clips of one group on both sides "
            f"({setting('protocol', 'group')} keeps them whole)"
            if n_groups > 1
            else f"the data has one group ({bunch.groups[0]!r}), which every fold "
            f"trains and tests on: {setting('protocol', 'kfold')}"
        )
    elif protocol == "kfold" and unread:
        progress(
            "no group column: the folds may put clips of one speaker or session "
            f"on both sides; if one of the columns {', '.join(map(repr, unread))} "
            f"holds them, name it with {either(_GROUP_COLUMN, '--group-column')}"
        )
    splits = make_splits(
        protocol,
        bunch.target,
        groups=bunch.groups,
        subset=bunch.subset,
        n_splits=n_splits,
    )
    missing = untrained_classes(splits, bunch.target)
    if missing:
        name, classes = next(iter(missing.items()))
        progress(
            f"{_count(len(missing), 'fold')} of {len(splits)} "
            f"test{'s' if len(missing) == 1 else ''} classes with no training "
            f"example (e.g. fold '{name}': {', '.join(map(repr, classes))}), "
            "whose clips there can only be misclassified"
        )
    classes = set(bunch.target.tolist())
    untested = Counter(
        label
        for _, _, test in splits
        for label in sorted(classes - set(bunch.target[test].tolist()))
    )
    if untested:
        label, n = untested.most_common(1)[0]
        what = "1 class has" if len(untested) == 1 else f"{len(untested)} classes have"
        progress(
            f"{what} no test clip in some folds (e.g. {label!r}: none in {n} of "
            f"{len(splits)}), whose scores say nothing about "
            f"{'it' if len(untested) == 1 else 'them'}"
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"Output folder '{out}' is a file; give a folder for the results "
            "(it is created when missing)."
        )
    results_path = out / "results.jsonl"
    settings = {
        "model": model,
        "data": str(data),
        "data_digest": data_digest(bunch),
        "layout": bunch.layout,
        "protocol": protocol,
        "n_splits": n_splits,
        "epochs": max_epochs,
        "seed": random_state,
        "sample_rate": chosen["sample_rate"],
        "duration": chosen["duration"],
    }

    if not read_results(results_path, **_compared(settings)):
        without_digest = {
            k: v for k, v in _compared(settings).items() if k != "data_digest"
        }
        others = read_results(results_path, **without_digest)
        if others:
            progress(
                f"{results_path} has {len(others)} folds of these settings on "
                "other data (the files, labels or groups changed, or an older "
                "skaudio wrote them): kept in the file, not used; every fold is "
                "trained on the data as it is now"
            )

    def load():
        progress(f"Loading {len(bunch.filenames)} files ...")
        X = make_loader(chosen, n_jobs=n_jobs).fit_transform(bunch.filenames)
        note = silent_clips(X, bunch.filenames)
        if note:
            progress(note)
        return X

    progress(
        f"{model}, {protocol}, {_count(len(splits), 'fold')}, "
        f"{_count(max_epochs, 'epoch')}"
    )
    with dask_client(scheduler, progress) as client:
        records = run_cv(
            pipeline,
            load,
            bunch.target,
            splits,
            results_path=results_path,
            settings=settings,
            progress=progress,
            client=client,
        )
    summary = summarize(records)
    progress("")
    progress(fold_table(records, summary))
    test_groups = None
    if bunch.groups is not None:
        groups = np.asarray(bunch.groups).astype(str)
        test_groups = {fold: sorted(set(groups[test])) for fold, _, test in splits}
    write_fold_csv(records, out / "folds.csv", test_groups=test_groups)
    written = [results_path, out / "folds.csv"]
    unpredicted = [r["fold"] for r in records if "predicted" not in r]
    if len(unpredicted) < len(records):
        write_predictions_csv(
            records,
            splits,
            bunch.filenames,
            bunch.target,
            out / "predictions.csv",
            groups=bunch.groups,
        )
        written.append(out / "predictions.csv")
    if unpredicted:
        progress(
            f"{_count(len(unpredicted), 'fold')} saved by an earlier skaudio "
            f"(e.g. '{unpredicted[0]}') {'has' if len(unpredicted) == 1 else 'have'} "
            "no per-clip predictions: predictions.csv leaves "
            f"{'it' if len(unpredicted) == 1 else 'them'} out"
        )
    figure = save_confusion_figure(
        records, out / "confusion.png", title=f"{model}, {protocol}"
    )
    if figure:
        written.append(figure)
    progress("\nwritten: " + ", ".join(str(p) for p in written))
    return Bunch(records=records, summary=summary, settings=settings, written=written)
