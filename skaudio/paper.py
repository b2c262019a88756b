"""Vrysis et al. (2020): the published FSDD results and a reproduction report.

Vrysis, Thoidis, Dimoulas, Papanikolaou, "Experimenting with 1D CNN
architectures for generic audio classification", AES 148th Convention, 2020.
``skaudio reproduce`` runs the paper's eight models under leave-one-speaker-out
on FSDD; this module holds the published figures it is compared with and
writes the comparison.
"""

import functools
import os
import platform
from datetime import date
from pathlib import Path

import numpy as np
import torch

from . import datasets
from .experiments import (
    dask_client,
    make_loader,
    make_model,
    make_splits,
    read_results,
    run_cv,
    summarize,
)
from .presets import PAPER_MODELS

__all__ = [
    "PAPER_FSDD_ACCURACY",
    "PAPER_MODELS",
    "PAPER_RELATIVE_ACCURACY",
    "PAPER_RELATIVE_TRAINING_TIME",
    "reproduce",
    "reproduce_settings",
    "reproduction_report",
    "save_reproduction_figure",
]

#: Table 2, FSDD row: leave-one-speaker-out accuracy %, (mean, std); LV-81 was
#: not reported on FSDD.
PAPER_FSDD_ACCURACY = {
    "lv-18": (58.6, 9.7),
    "lv-24": (58.1, 7.4),
    "lv-42": (52.8, 10.3),
    "lv-81": None,
    "earlymix": (53.7, 12.9),
    "latemix": (55.7, 13.5),
    "rollmix": (57.9, 16.3),
    "sincnet": (67.9, 8.4),
}
#: Table 3: accuracy relative to the least accurate model (all four data sets).
PAPER_RELATIVE_ACCURACY = dict(
    zip(PAPER_MODELS, (1.13, 1.12, 1.06, 1.00, 1.09, 1.07, 1.12, 1.13), strict=True)
)
#: Table 3: training time relative to the fastest model.
PAPER_RELATIVE_TRAINING_TIME = dict(
    zip(PAPER_MODELS, (1.71, 1.29, 1.14, 1.00, 1.43, 1.57, 1.43, 2.57), strict=True)
)

_DATA_SETTINGS = {
    "data": "fsdd",
    "protocol": "loso",
    "sample_rate": 8000,
    "duration": 1.0,
}


def reproduce_settings(model, epochs, seed):
    """Return the settings stored with (and identifying) a reproduction record.

    Parameters
    ----------
    model : str
        One of ``skaudio.presets.PAPER_MODELS``.
    epochs : int
        Training epochs.
    seed : int
        ``random_state`` of the classifier.

    Returns
    -------
    settings : dict
    """
    return {"model": model, **_DATA_SETTINGS, "epochs": epochs, "seed": seed}


def _summaries(results_path, epochs, seed):
    """Summaries of the paper's models that have results, in the paper's order."""
    # One read of the file for all the models (reproduce_settings without "model").
    records = read_results(results_path, **_DATA_SETTINGS, epochs=epochs, seed=seed)
    out = {}
    for model in PAPER_MODELS:
        folds = [r for r in records if r["model"] == model]
        if folds:
            out[model] = summarize(folds)
    return out


def reproduction_report(results_path, epochs, seed):
    """Markdown comparison of a reproduction with Tables 2 and 3 of the paper.

    Parameters
    ----------
    results_path : str or os.PathLike
        JSON-lines file written by ``skaudio reproduce``.
    epochs, seed : int
        Which run of the file to report.

    Returns
    -------
    report : str
        One row per model of ``skaudio.presets.PAPER_MODELS``, in the
        paper's order
        (``not run`` where the file has no fold of it): Table 2 (accuracy,
        ours beside the paper's, with the difference),
        Table 3 (relative accuracy and training time, ours beside the
        paper's), and the number of folds behind each row.
    """
    ours = _summaries(results_path, epochs, seed)
    lines = [
        f"FSDD, leave-one-speaker-out (6 folds), 8 kHz, 1 s clips, per-sample "
        f"normalisation, Adam lr 1e-3, batch 32, {epochs} epochs, seed {seed}; "
        "accuracy after the last epoch.",
        "",
        "| model | ours % (mean ± std) | paper % | ours − paper | folds | "
        "train s (all folds) |",
        "|---|---|---|---|---|---|",
    ]
    for model in PAPER_MODELS:
        published = PAPER_FSDD_ACCURACY[model]
        paper_text = "–" if published is None else f"{published[0]} ± {published[1]}"
        if model not in ours:
            lines.append(f"| {model} | not run | {paper_text} | | 0 | |")
            continue
        s = ours[model]
        diff = "" if published is None else f"{100 * s['mean'] - published[0]:+.1f}"
        lines.append(
            f"| {model} | {100 * s['mean']:.1f} ± {100 * s['std']:.1f} | "
            f"{paper_text} | {diff} | {s['n_folds']} | {s['train_seconds']:.0f} |"
        )
    complete = {m: s for m, s in ours.items() if s["n_folds"] == 6}
    below = [
        f"{model} by {published[0] - 100 * s['mean']:.1f} points, against a "
        f"standard error of {published[1] / np.sqrt(6):.1f} for a 6-fold mean "
        "with the paper's spread"
        for model, s in complete.items()
        if (published := PAPER_FSDD_ACCURACY[model]) is not None
        and 100 * s["mean"] < published[0]
    ]
    if below:
        lines += [
            "",
            "Below the paper's mean (complete models): " + "; ".join(below) + ".",
        ]
    if len(complete) >= 2:
        low = min(s["mean"] for s in complete.values())
        fast = min(s["train_seconds"] for s in complete.values())
        lines += [
            "",
            "Relative figures (Table 3) over the models with all 6 folds: accuracy "
            "× the least accurate, training time × the fastest. The paper's "
            "figures average its four data sets.",
            "",
            "| model | accuracy (ours) | accuracy (paper) | training time (ours) | "
            "training time (paper) |",
            "|---|---|---|---|---|",
        ]
        for model, s in complete.items():
            lines.append(
                f"| {model} | {s['mean'] / low:.2f} | "
                f"{PAPER_RELATIVE_ACCURACY[model]:.2f} | "
                f"{s['train_seconds'] / fast:.2f} | "
                f"{PAPER_RELATIVE_TRAINING_TIME[model]:.2f} |"
            )
    lines += ["", _provenance(epochs, seed)]
    return "\n".join(lines) + "\n"


def _provenance(epochs, seed):
    """Which command wrote the report, when, and on what machine."""
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    return (
        f"Written by `skaudio reproduce --epochs {epochs} --seed {seed}` on "
        f"{date.today()}: {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"{gpu}, torch {torch.__version__}. Folds saved by earlier runs are "
        "read back, and their training seconds are wall-clock times of the "
        "machine they ran on."
    )


def save_reproduction_figure(results_path, epochs, seed, path):
    """Bar chart of our LOSO accuracy beside the paper's, if matplotlib is there.

    Parameters
    ----------
    results_path : str or os.PathLike
        JSON-lines file written by ``skaudio reproduce``.
    epochs, seed : int
        Which run of the file to plot.
    path : str or os.PathLike
        PNG file.

    Returns
    -------
    path : str or os.PathLike or None
        ``None`` when matplotlib is missing or no model has results.
    """
    ours = _summaries(results_path, epochs, seed)
    if not ours:
        return None
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    models = PAPER_MODELS
    x = np.arange(len(models))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for offset, label, values in [
        (-0.2, "skaudio", [ours.get(m) for m in models]),
        (0.2, "paper", [PAPER_FSDD_ACCURACY[m] for m in models]),
    ]:
        mean = [np.nan if v is None else _pct(v, 0) for v in values]
        std = [np.nan if v is None else _pct(v, 1) for v in values]
        ax.bar(x + offset, mean, 0.4, yerr=std, capsize=3, label=label)
    ax.set_xticks(x, models)
    ax.set_ylabel("LOSO accuracy %")
    ax.set_title(f"FSDD, leave-one-speaker-out, {epochs} epochs")
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _pct(value, index):
    """Mean or std in %, from a summary dict (fractions) or a paper tuple (%)."""
    if isinstance(value, dict):
        return 100 * value["mean" if index == 0 else "std"]
    return value[index]


def reproduce(
    models=PAPER_MODELS,
    *,
    epochs=30,
    seed=0,
    out="benchmarks/results",
    device="auto",
    verbose=0,
    n_jobs=1,
    scheduler=None,
    progress=print,
):
    """Run the paper's FSDD protocol for ``models`` and write the report.

    What ``skaudio reproduce`` runs: leave-one-speaker-out on FSDD at 8 kHz,
    1 s per clip, every model x fold saved to ``out/reproduce.jsonl`` as it
    finishes (a rerun resumes), and ``out/reproduce.md`` and
    ``out/reproduce.png`` rewritten after every model.

    Parameters
    ----------
    models : sequence of str, default=PAPER_MODELS
        Names of ``PAPER_MODELS``.
    epochs : int, default=30
        Training epochs.
    seed : int, default=0
        ``random_state`` of the classifiers.
    out : str or os.PathLike, default="benchmarks/results"
        Folder of the results.
    device, verbose
        Parameters of the classifiers.
    n_jobs : int, default=1
        Processes decoding the files.
    scheduler : str, default=None
        Run the folds on this Dask cluster
        (:func:`skaudio.experiments.dask_client`).
    progress : callable, default=print
        Called with each line of the report.

    Returns
    -------
    report : str
        The Markdown report, as written to ``out/reproduce.md``.
    """
    models = list(models)
    unknown = [name for name in models if name not in PAPER_MODELS]
    if not models or unknown:
        raise ValueError(
            f"models must name one or more of {list(PAPER_MODELS)}; got {models}."
        )
    fsdd = datasets.load_audio_dataset("fsdd")
    splits = make_splits("loso", fsdd.target, groups=fsdd.groups)

    @functools.cache
    def load():  # once, and only when a fold is not saved yet
        progress(f"Loading {len(fsdd.filenames)} files ...")
        return make_loader(_DATA_SETTINGS, n_jobs=n_jobs).fit_transform(fsdd.filenames)

    out = Path(out)
    results = out / "reproduce.jsonl"
    report_path, figure_path = out / "reproduce.md", out / "reproduce.png"
    with dask_client(scheduler, progress) as client:
        for name in models:
            progress(
                f"\n{name}: leave-one-speaker-out, {epochs} "
                f"epoch{'' if epochs == 1 else 's'}"
            )
            model = make_model(
                name,
                sample_rate=_DATA_SETTINGS["sample_rate"],
                max_epochs=epochs,
                random_state=seed,
                device=device,
                verbose=verbose,
            )
            run_cv(
                model,
                load,
                fsdd.target,
                splits,
                results_path=results,
                settings=reproduce_settings(name, epochs, seed),
                progress=lambda line: progress("  " + line),
                client=client,
            )
            # Rewritten after every model, so a long run shows its progress.
            report = reproduction_report(results, epochs, seed)
            report_path.write_text(report)
            save_reproduction_figure(results, epochs, seed, figure_path)
    progress("\n" + report)
    progress(f"written: {report_path}, {figure_path}, {results}")
    return report
