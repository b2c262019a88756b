r"""Training time per epoch on FSDD, and what the training learnt.

For each model (default ``mel-cnn`` and ``lv-18``), ``make_model(NAME)`` is
trained with its defaults on the clips of five FSDD speakers (``--test``,
default george, held out) for ``--epochs`` epochs on one torch thread, with
``random_state=0``. Recorded: skorch's duration of every epoch (the
network's passes over the data; the features are computed before and not
counted), as wall-clock time and as the CPU time of the training thread
(everything runs in it with one torch thread; other processes on a shared
machine do not count), the training loss of every epoch, and the accuracy
on the held-out speaker.

Run it in two checkouts of skaudio to compare code versions: same seed and
same data, so a change that computes exactly what the code did before gives
the same losses and accuracies, and only the durations differ. ``--report``
renders the rows of a JSON-lines file as a table, the first label of each
model as the reference.

Usage::

    SKAUDIO_DATA=/path/holding/fsdd python benchmarks/bench_training_speed.py \
        --label new --out runs/training_speed.jsonl
    python benchmarks/bench_training_speed.py --report runs/training_speed.jsonl
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time

import numpy as np
import torch
from skorch.callbacks import Callback

import skaudio
from skaudio import WaveformLoader
from skaudio.datasets import load_fsdd
from skaudio.experiments import make_model


def _commit():
    folder = os.path.dirname(os.path.dirname(skaudio.__file__))
    result = subprocess.run(
        ["git", "-C", folder, "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


class KeepFreedMemory(argparse.Action):
    """``--keep-freed-memory``: call ``skaudio.keep_freed_memory()`` as the CLI does."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=False,
            help="call skaudio.keep_freed_memory() first (as the command line does)",
            **kwargs,
        )

    def __call__(self, parser, namespace, values, option_string=None):
        """Apply the setting when the option is given; refuse where it cannot be."""
        if not skaudio.keep_freed_memory():
            parser.error("keep_freed_memory() does not apply on this machine")
        setattr(namespace, self.dest, True)


class EpochCPUTime(Callback):
    """Record the training thread's CPU seconds of each epoch as ``cpu_dur``."""

    def on_epoch_begin(self, net, **kwargs):
        """Start the clock."""
        self.start_ = time.thread_time()

    def on_epoch_end(self, net, **kwargs):
        """Record the epoch's CPU time."""
        net.history.record("cpu_dur", time.thread_time() - self.start_)


def measure(name, X, y, test, epochs):
    """Train ``make_model(name)`` and return its timings and learning curve."""
    model = make_model(
        name, sample_rate=8000, max_epochs=epochs, random_state=0, device="cpu"
    )
    model[-1].set_params(callbacks=[("cpu_time", EpochCPUTime())])
    train = ~test
    # A classifier with its front end inside (mfcc-seq-aug) is the one step.
    features = (
        model[:-1].fit_transform(X[train], y[train]) if len(model) > 1 else X[train]
    )
    classifier = model[-1].fit(features, y[train])
    history = classifier.history
    return {
        "model": name,
        "epoch_seconds": [float(v) for v in history[:, "dur"]],
        "epoch_cpu_seconds": [float(v) for v in history[:, "cpu_dur"]],
        "train_loss": [float(v) for v in history[:, "train_loss"]],
        "test_accuracy": float(np.mean(model.predict(X[test]) == y[test])),
    }


def report(path):
    """Render the rows of a JSON-lines file, first label per model as reference."""
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    lines = [
        "| model | code | epoch CPU s (median of epochs 2+) | speed-up (CPU) "
        "| epoch wall s | speed-up (wall) | train loss, last epoch "
        "| held-out accuracy | same losses |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    reference = {}
    for row in rows:
        ref = reference.setdefault(row["model"], row)
        same = row["train_loss"] == ref["train_loss"]
        cells = [f"{row['label']} ({row['commit']})"]
        for clock in ("epoch_cpu_seconds", "epoch_seconds"):
            seconds = np.median(row[clock][1:])
            speed_up = np.median(ref[clock][1:]) / seconds
            cells += [f"{seconds:.2f}", f"{speed_up:.2f}"]
        lines.append(
            f"| {row['model']} | {' | '.join(cells)} "
            f"| {row['train_loss'][-1]:.4f} | {row['test_accuracy']:.3f} "
            f"| {'reference' if row is ref else ('yes' if same else 'no')} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["mel-cnn", "lv-18"])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--test", default="george", help="held-out speaker")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="runs/training_speed.jsonl")
    parser.add_argument("--report", metavar="JSONL", help="print a table and stop")
    parser.add_argument("--keep-freed-memory", action=KeepFreedMemory)
    args = parser.parse_args()
    if args.report:
        print(report(args.report))
        return
    torch.set_num_threads(args.threads)
    fsdd = load_fsdd()
    X = WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames)
    y, test = fsdd.target, np.asarray(fsdd.groups) == args.test
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    for name in args.models:
        row = measure(name, X, y, test, args.epochs)
        row.update(
            label=args.label,
            keep_freed_memory=args.keep_freed_memory,
            commit=_commit(),
            date=datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
            machine=f"{platform.machine()}, {args.threads} torch thread(s), "
            f"torch {torch.__version__}",
        )
        with open(args.out, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(row["model"], row["epoch_seconds"], row["test_accuracy"], flush=True)


if __name__ == "__main__":
    main()
