"""Training speed of the waveform classifiers on FSDD (1 s at 8 kHz, batch 32).

(a) WaveformCNNClassifier (LV-18) against a plain PyTorch loop training the
    same network in the same process, epochs interleaved, medians compared.
(b) Seconds per epoch of the paper's eight models and their ratio to the
    fastest (the paper's Table 3 row "training time").

Timings on shared VMs drift by tens of percent: compare the ratios measured
here side by side, not absolute times across runs.

Usage::

    SKAUDIO_DATA=/path/to/datasets python benchmarks/bench_waveform.py \
        --clips 1000 --epochs 3 --rounds 2 --threads 1
"""

import argparse
import datetime
import platform
import statistics
import time

import numpy as np
import torch

from skaudio.classifiers import WaveformCNNClassifier
from skaudio.datasets import load_fsdd
from skaudio.io import WaveformLoader
from skaudio.preprocessing import PerSampleNormalizer
from skaudio.presets import PAPER_MODELS, waveform_preset

SAMPLE_RATE = 8000
BATCH_SIZE = 32


def load_data(n_clips):
    fsdd = load_fsdd()
    X = WaveformLoader(sample_rate=8000, duration=1.0, n_jobs=2).fit_transform(
        fsdd.filenames
    )
    X = PerSampleNormalizer().fit_transform(X)
    rng = np.random.default_rng(0)
    keep = np.sort(rng.permutation(len(X))[:n_clips])
    return X[keep], fsdd.target[keep]


def classifier(architecture):
    return WaveformCNNClassifier(
        architecture=architecture,
        sample_rate=SAMPLE_RATE,
        batch_size=BATCH_SIZE,
        max_epochs=1,
        warm_start=True,
        device="cpu",
        random_state=0,
    )


def time_classifier_epoch(clf, X, y):
    """Wall time of one more epoch of ``clf`` (the first call also builds it)."""
    start = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - start


class PlainLoop:
    """The same network, Adam and cross-entropy in a hand-written loop."""

    def __init__(self, X, y, architecture):
        network, kwargs = waveform_preset(architecture, SAMPLE_RATE)
        torch.manual_seed(0)
        self.module = network(in_channels=1, n_classes=10, **kwargs)
        self.optimizer = torch.optim.Adam(self.module.parameters(), lr=1e-3)
        self.loss = torch.nn.CrossEntropyLoss()
        dataset = torch.utils.data.TensorDataset(
            torch.from_numpy(X[:, None]), torch.from_numpy(y.astype(np.int64))
        )
        self.loader = torch.utils.data.DataLoader(
            dataset, batch_size=BATCH_SIZE, shuffle=True
        )

    def epoch(self):
        """Train one epoch; return its wall time in seconds."""
        start = time.perf_counter()
        self.module.train()
        for xb, yb in self.loader:
            self.optimizer.zero_grad()
            loss = self.loss(self.module(xb), yb)
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - start


def bench_overhead(X, y, epochs):
    clf, plain = classifier("lv-18"), PlainLoop(X, y, "lv-18")
    time_classifier_epoch(clf, X, y)  # warm-up: builds the network
    plain.epoch()
    times = {"WaveformCNNClassifier": [], "plain PyTorch loop": []}
    for _ in range(epochs):
        times["WaveformCNNClassifier"].append(time_classifier_epoch(clf, X, y))
        times["plain PyTorch loop"].append(plain.epoch())
    return times


def bench_presets(X, y, rounds):
    clfs = {name: classifier(name) for name in PAPER_MODELS}
    times = {name: [] for name in PAPER_MODELS}
    for _ in range(rounds):
        for name, clf in clfs.items():
            times[name].append(time_classifier_epoch(clf, X, y))
    params = {
        name: sum(p.numel() for p in clf.module_.parameters())
        for name, clf in clfs.items()
    }
    return times, params


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs, (a)")
    parser.add_argument("--rounds", type=int, default=2, help="epochs per model, (b)")
    parser.add_argument("--skip", choices=["overhead", "presets"], default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    X, y = load_data(args.clips)
    print(
        f"# FSDD, {len(X)} clips of {X.shape[1]} samples, batch {BATCH_SIZE}, "
        f"{datetime.date.today()}, {platform.node()}, {torch.get_num_threads()} "
        f"torch threads, torch {torch.__version__}\n"
    )
    if args.skip != "overhead":
        times = bench_overhead(X, y, args.epochs)
        plain = statistics.median(times["plain PyTorch loop"])
        print("| training loop (LV-18) | s / epoch (median) | epochs | clips / s |")
        print("|---|---|---|---|")
        for name, values in times.items():
            median = statistics.median(values)
            all_ = ", ".join(f"{v:.2f}" for v in values)
            rate = len(X) / median
            print(f"| {name} | {median:.2f} ({all_}) | {len(values)} | {rate:.0f} |")
        ratio = plain / statistics.median(times["WaveformCNNClassifier"])
        print(f"\nthroughput of WaveformCNNClassifier / plain loop: {ratio:.3f}\n")
    if args.skip != "presets":
        times, params = bench_presets(X, y, args.rounds)
        medians = {name: statistics.median(v) for name, v in times.items()}
        fastest = min(medians.values())
        print(
            "| model | stride / pool at 8 kHz | parameters | s / epoch (median) "
            "| × fastest |"
        )
        print("|---|---|---|---|---|")
        for name in PAPER_MODELS:
            _, kwargs = waveform_preset(name, SAMPLE_RATE)
            layout = kwargs.get("branches", (kwargs.get("stride"), kwargs.get("pool")))
            all_ = ", ".join(f"{v:.1f}" for v in times[name])
            print(
                f"| {name} | {layout} | {params[name]:,} | {medians[name]:.1f} "
                f"({all_}) | {medians[name] / fastest:.2f} |"
            )


if __name__ == "__main__":
    main()
