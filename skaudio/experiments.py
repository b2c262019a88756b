"""Cross-validation experiments that save each fold as it finishes and resume.

The engine behind ``skaudio cv`` and ``skaudio reproduce``. Waveforms are
loaded once; every fold fits a fresh clone of a pipeline that starts from
waveforms, and its result is appended to a JSON-lines file at once. A rerun
with the same settings skips the folds already in the file, so an interrupted
run resumes where it stopped and ends with the same table.
"""

import csv
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold
from sklearn.pipeline import Pipeline

from .classifiers import (
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
)
from .features import MelTransformer, MFCCTransformer
from .model_selection import WAVEFORM_PRESETS
from .preprocessing import PerSampleNormalizer

__all__ = [
    "FEATURE_MODELS",
    "PROTOCOLS",
    "make_model",
    "make_splits",
    "model_names",
    "read_results",
    "run_cv",
    "summarize",
]

PROTOCOLS = ("loso", "kfold", "official")


def make_splits(protocol, y, *, groups=None, take=None, n_splits=5, random_state=0):
    """Return the named folds of an evaluation protocol.

    Parameters
    ----------
    protocol : {"loso", "kfold", "official"}
        ``"loso"``: leave one group (speaker) out; ``"kfold"``: stratified
        k-fold, shuffled; ``"official"``: FSDD's split, ``take < 5`` is the
        test set.
    y : array-like of shape (n_samples,)
        Labels (for stratification).
    groups : array-like of shape (n_samples,), default=None
        Required by ``"loso"``.
    take : array-like of shape (n_samples,), default=None
        Required by ``"official"``.
    n_splits : int, default=5
        Folds of ``"kfold"``.
    random_state : int, default=0
        Shuffling of ``"kfold"``.

    Returns
    -------
    splits : list of (str, ndarray, ndarray)
        ``(fold name, train indices, test indices)``; a LOSO fold is named
        after the held-out group.
    """
    y = np.asarray(y)
    if protocol == "loso":
        if groups is None:
            raise ValueError("protocol 'loso' needs groups (e.g. speakers).")
        groups = np.asarray(groups)
        return [
            (str(groups[test][0]), train, test)
            for train, test in LeaveOneGroupOut().split(y, y, groups)
        ]
    if protocol == "kfold":
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        return [
            (f"fold-{i}", train, test) for i, (train, test) in enumerate(cv.split(y, y))
        ]
    if protocol == "official":
        if take is None:
            raise ValueError("protocol 'official' needs the take of every clip.")
        test = np.asarray(take) < 5
        return [("official", np.flatnonzero(~test), np.flatnonzero(test))]
    raise ValueError(f"Unknown protocol {protocol!r}; choose one of {PROTOCOLS}.")


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


def run_cv(estimator, X, y, splits, *, results_path, settings, progress=print):
    """Fit and score ``estimator`` on every fold, saving each result at once.

    Parameters
    ----------
    estimator : estimator
        Cloned afresh for every fold.
    X : ndarray of shape (n_samples, ...)
        Inputs of the estimator (e.g. waveforms).
    y : ndarray of shape (n_samples,)
        Labels.
    splits : list of (str, ndarray, ndarray)
        From :func:`make_splits`.
    results_path : str or os.PathLike
        JSON-lines file the records are appended to (created with its folder).
    settings : dict
        JSON-serialisable description of the run (model, data set, protocol,
        epochs, seed, ...), stored in every record. Folds whose record with
        the same settings is already in the file are skipped.
    progress : callable, default=print
        Called with one line of text per fold.

    Returns
    -------
    records : list of dict
        One per fold, in the order of ``splits``, with ``fold``, ``accuracy``,
        ``train_seconds``, ``n_train``, ``n_test``, ``labels``, ``confusion``
        and the settings.
    """
    results_path = Path(results_path)
    done = {r["fold"]: r for r in read_results(results_path, **settings)}
    labels = np.unique(y)
    records = []
    for index, (fold, train, test) in enumerate(splits, 1):
        if fold in done:
            record = done[fold]
            progress(
                f"[{index}/{len(splits)}] {fold}: {record['accuracy']:.1%} (saved)"
            )
        else:
            model = clone(estimator)
            start = time.perf_counter()
            model.fit(X[train], y[train])
            seconds = time.perf_counter() - start
            y_pred = model.predict(X[test])
            record = {
                **settings,
                "fold": fold,
                "accuracy": float(np.mean(y_pred == y[test])),
                "train_seconds": round(seconds, 2),
                "n_train": int(len(train)),
                "n_test": int(len(test)),
                "labels": labels.tolist(),
                "confusion": confusion_matrix(y[test], y_pred, labels=labels).tolist(),
            }
            _append(results_path, record)
            progress(
                f"[{index}/{len(splits)}] {fold}: {record['accuracy']:.1%} "
                f"({seconds:.0f} s)"
            )
        records.append(record)
    return records


def _append(path, record):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def summarize(records):
    """Mean and standard deviation of accuracy, and total training time.

    Parameters
    ----------
    records : list of dict
        Fold records of one model, from :func:`run_cv`.

    Returns
    -------
    summary : dict
        ``mean``, ``std`` (population, as over folds), ``train_seconds``
        (sum) and ``n_folds``.
    """
    accuracy = np.array([r["accuracy"] for r in records])
    return {
        "mean": float(accuracy.mean()),
        "std": float(accuracy.std()),
        "train_seconds": float(sum(r["train_seconds"] for r in records)),
        "n_folds": len(records),
    }


#: Pipelines on features, beside the waveform presets: name -> description.
FEATURE_MODELS = {
    "mel-cnn": "log-Mel (64 bands, 64 ms window, 32 ms hop) + SpectrogramCNNClassifier",
    "mfcc-seq": "40 MFCC (64 ms window, 16 ms hop) in time + SequenceCNNClassifier",
}


def _fft_size(sample_rate, seconds=0.064):
    """Power of two nearest to ``seconds`` of samples (512 at 8 kHz)."""
    return 1 << round(np.log2(sample_rate * seconds))


def make_model(name, *, sample_rate, **params):
    """Return a named pipeline that classifies fixed-length waveforms.

    Parameters
    ----------
    name : str
        A waveform model of ``skaudio.model_selection.WAVEFORM_PRESETS``
        (``"lv-18"`` ... ``"sincnet"``, ``"simple"``): per-sample
        normalisation then :class:`~skaudio.WaveformCNNClassifier`. Or one of
        ``FEATURE_MODELS``: ``"mel-cnn"``, a log-Mel image into the
        default :class:`~skaudio.SpectrogramCNNClassifier`; ``"mfcc-seq"``,
        MFCC sequences into :class:`~skaudio.SequenceCNNClassifier`.
    sample_rate : int
        Rate of the waveforms; the feature windows scale with it.
    **params
        Classifier parameters (``max_epochs``, ``random_state``, ``device``,
        ...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Its last step is named ``"cnn"``.
    """
    n_fft = _fft_size(sample_rate)
    if name in WAVEFORM_PRESETS:
        steps = [
            ("norm", PerSampleNormalizer()),
            (
                "cnn",
                WaveformCNNClassifier(
                    architecture=name, sample_rate=sample_rate, **params
                ),
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
            ("cnn", SpectrogramCNNClassifier(**params)),
        ]
    elif name == "mfcc-seq":
        steps = [
            (
                "mfcc",
                MFCCTransformer(
                    sample_rate=sample_rate,
                    n_fft=n_fft,
                    hop_length=n_fft // 4,
                    n_mels=64,
                    n_mfcc=40,
                    layout="sequence",
                ),
            ),
            ("cnn", SequenceCNNClassifier(**params)),
        ]
    else:
        raise ValueError(f"Unknown model {name!r}; choose one of {model_names()}.")
    return Pipeline(steps)


def model_names():
    """Names accepted by :func:`make_model`.

    Returns
    -------
    names : list of str
    """
    return sorted(WAVEFORM_PRESETS) + list(FEATURE_MODELS)


def fold_table(records, summary=None):
    """Format fold records as a Markdown table with the mean ± std row.

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
    lines = ["| fold | accuracy | n_test | train s |", "|---|---|---|---|"]
    lines += [
        f"| {r['fold']} | {r['accuracy']:.1%} | {r['n_test']} | "
        f"{r['train_seconds']:.0f} |"
        for r in records
    ]
    lines.append(
        f"| **mean ± std** | **{summary['mean']:.1%} ± {summary['std']:.1%}** | "
        f"{sum(r['n_test'] for r in records)} | {summary['train_seconds']:.0f} |"
    )
    return "\n".join(lines)


def write_fold_csv(records, path):
    """Write one CSV row per fold: fold, accuracy, n_train, n_test, train_seconds.

    Parameters
    ----------
    records : list of dict
        Fold records.
    path : str or os.PathLike
        CSV file to write.
    """
    columns = ["fold", "accuracy", "n_train", "n_test", "train_seconds"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([r[c] for c in columns] for r in records)


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
