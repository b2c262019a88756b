r"""Seed ensembles of a named model: FSDD leave-one-speaker-out accuracy.

For every held-out speaker and every seed, ``make_model(NAME)`` (default
``mfcc-seq-aug``, ``--epochs`` 60) is trained on the other five speakers and
its ``predict_proba`` on the held-out speaker is saved to
``OUT/SPEAKER-seedN.npy`` (a saved fold is not trained again, so runs resume
and several processes can share the seeds). ``--report`` then prints, per
speaker, the accuracy of each seed alone and of the mean of the seeds'
probabilities: what averaging independently trained networks buys, and what
it costs (one training per seed).

Usage::

    SKAUDIO_DATA=... python benchmarks/bench_ensemble.py --seeds 0 1 2
    python benchmarks/bench_ensemble.py --seeds 0 1 2 --report
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from skaudio import WaveformLoader
from skaudio.datasets import load_fsdd
from skaudio.experiments import make_model, make_splits

SAMPLE_RATE = 8000


def _path(out, speaker, seed):
    return Path(out) / f"{speaker}-seed{seed}.npy"


def train(name, epochs, seeds, out):
    """Train and save every missing (speaker, seed) fold's probabilities."""
    fsdd = load_fsdd()
    X = WaveformLoader(sample_rate=SAMPLE_RATE, duration=1.0).fit_transform(
        fsdd.filenames
    )
    y = np.asarray(fsdd.target)
    Path(out).mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        for speaker, train_idx, test_idx in make_splits("loso", y, groups=fsdd.groups):
            path = _path(out, speaker, seed)
            if path.exists():
                continue
            model = make_model(
                name, sample_rate=SAMPLE_RATE, max_epochs=epochs, random_state=seed
            )
            start = time.perf_counter()
            model.fit(X[train_idx], y[train_idx])
            proba = model.predict_proba(X[test_idx])
            np.save(path, proba)
            accuracy = np.mean(model.classes_[proba.argmax(1)] == y[test_idx])
            print(
                f"{speaker} seed {seed}: {accuracy:.1%} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


def report(seeds, out):
    """Print per-speaker accuracy of each seed and of their averaged probabilities."""
    fsdd = load_fsdd()
    y = np.asarray(fsdd.target)
    classes = np.unique(y)
    header = [f"seed {s}" for s in seeds] + [f"mean of {len(seeds)} seeds' proba"]
    lines = [
        "| held-out speaker | " + " | ".join(header) + " |",
        "|---|" + "---:|" * len(header),
    ]
    columns = []
    for speaker, _, test_idx in make_splits("loso", y, groups=fsdd.groups):
        probas = [np.load(_path(out, speaker, s)) for s in seeds]
        truth = y[test_idx]
        row = [np.mean(classes[p.argmax(1)] == truth) for p in probas]
        row.append(np.mean(classes[np.mean(probas, axis=0).argmax(1)] == truth))
        columns.append(row)
        lines.append(f"| {speaker} | " + " | ".join(f"{a:.1%}" for a in row) + " |")
    means = np.mean(columns, axis=0)
    lines.append("| **mean** | " + " | ".join(f"**{a:.1%}**" for a in means) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="mfcc-seq-aug")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="runs/ensemble")
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    if args.report:
        print(report(args.seeds, args.out))
        return
    torch.set_num_threads(args.threads)
    train(args.model, args.epochs, args.seeds, args.out)


if __name__ == "__main__":
    main()
