"""FSDD accuracy and speed of the spectrogram and sequence CNN pipelines.

Runs the official split (takes 0-4 are the test set) and leave-one-speaker-out
for each model, appending every fold's result to a JSON-lines file as soon as
it finishes; a rerun skips the folds already there, so an interrupted run
resumes. Prints a Markdown table of the requested runs, e.g.::

    export SKAUDIO_DATA=/path/holding/fsdd
    python benchmarks/bench_spectrogram.py --models mel-cnn --protocols loso
"""

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from skaudio import WaveformLoader
from skaudio.datasets import load_fsdd
from skaudio.experiments import make_model, make_splits, run_cv
from skaudio.nn.sequence import SequenceCNN
from skaudio.nn.spectrogram import SIMPLE_SPECTROGRAM_CNN, SpectrogramCNN

RESULTS = Path(__file__).parent / "results"


def _mel_cnn(epochs, seed, **cnn):
    return make_model(
        "mel-cnn",
        sample_rate=8000,
        max_epochs=epochs,
        random_state=seed,
        device="cpu",
        **cnn,
    )


def _mfcc_seq(epochs, seed):
    return make_model(
        "mfcc-seq", sample_rate=8000, max_epochs=epochs, random_state=seed, device="cpu"
    )


# name: (pipeline factory, its network for counting parameters, description)
MODELS = {
    "mel-cnn": (
        _mel_cnn,
        lambda: SpectrogramCNN(n_classes=10),
        "MelTransformer(64 mels, hop 256) + SpectrogramCNNClassifier() (default vgg)",
    ),
    "mel-cnn-specaug": (
        lambda e, s: _mel_cnn(e, s, freq_mask=8, time_mask=4),
        lambda: SpectrogramCNN(n_classes=10),
        "same, with freq_mask=8, time_mask=4",
    ),
    "mel-simple": (
        lambda e, s: _mel_cnn(e, s, architecture="simple"),
        lambda: SpectrogramCNN(n_classes=10, **SIMPLE_SPECTROGRAM_CNN),
        "same features + architecture='simple' (seed minimal 2D CNN)",
    ),
    "mfcc-seq": (
        _mfcc_seq,
        lambda: SequenceCNN(in_channels=40, n_classes=10),
        "MFCCTransformer(40, hop 128, sequence) + SequenceCNNClassifier()",
    ),
}


def _n_params(make_network):
    return sum(p.numel() for p in make_network().parameters())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mel-cnn", "mfcc-seq"])
    parser.add_argument(
        "--protocols",
        nargs="+",
        default=["official", "loso"],
        choices=["official", "loso"],
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads; on a busy 2-core VM 1 was 5-25x faster than 2",
    )
    parser.add_argument(
        "--results", default=str(RESULTS / "spectrogram.jsonl"), help="JSON lines"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    bunch = load_fsdd()
    start = time.perf_counter()
    X = WaveformLoader(sample_rate=8000, duration=1.0, n_jobs=2).fit_transform(
        bunch.filenames
    )
    y = np.asarray(bunch.target)
    print(f"loaded {X.shape} in {time.perf_counter() - start:.0f} s", flush=True)

    rows = []
    for name in args.models:
        make = MODELS[name][0]
        for protocol in args.protocols:
            splits = make_splits(protocol, y, groups=bunch.groups, take=bunch.take)
            settings = {
                "model": name,
                "protocol": protocol,
                "epochs": args.epochs,
                "seed": args.seed,
                "torch_threads": torch.get_num_threads(),
            }
            print(f"== {name} / {protocol}", flush=True)
            records = run_cv(
                make(args.epochs, args.seed),
                X,
                y,
                splits,
                results_path=args.results,
                settings=settings,
                progress=lambda line: print(line, flush=True),
            )
            per_epoch = np.mean([r["train_seconds"] for r in records]) / args.epochs
            rows.append((name, protocol, per_epoch, records))
    print(_table(rows, {n: _n_params(MODELS[n][1]) for n in args.models}))


def _table(rows, params):
    lines = [
        f"Machine: {platform.node()} ({os.cpu_count()} CPUs), torch "
        f"{torch.__version__}",
        "",
        "| model | protocol | accuracy % | folds | s / epoch (train) | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for name, protocol, per_epoch, records in rows:
        accs = [r["accuracy"] * 100 for r in records]
        acc = f"{np.mean(accs):.1f}"
        if len(accs) > 1:
            acc += f" ± {np.std(accs):.1f}"
        folds = ", ".join(f"{r['fold']} {r['accuracy']:.1%}" for r in records)
        lines.append(
            f"| {name} | {protocol} | {acc} | {folds} | {per_epoch:.1f} | "
            f"{params[name]:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
