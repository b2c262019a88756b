"""CPU time per batch of skaudio.augment against torch-audiomentations/audiomentations.

The two libraries are optional: install them (``pip install
torch-audiomentations audiomentations``, or with ``--no-deps`` into a folder
given by ``--path``) to get their rows. One torch thread; a batch of 32 clips
of 1 s at 8 kHz; median of ``--rounds`` calls after one warm-up call, in CPU
time of the calling thread (everything runs in it with one torch thread, so a
shared machine's load does not inflate it as it does wall-clock time). Writes
``benchmarks/results/augment_libraries.md``::

    python benchmarks/bench_augment_libraries.py --path /tmp/libs
"""

import argparse
import datetime
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from skaudio.augment import (
    AddNoise,
    RandomFilter,
    RandomGain,
    SpecAugment,
    SpeedPerturbation,
    TimeShift,
)

RESULTS = Path(__file__).parent / "results"
RATE = 8000


def _median_ms(call, rounds):
    call()
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        call()
        times.append(time.thread_time() - start)
    return 1000 * float(np.median(times))


def _rows(x, rounds):
    for name, aug in [
        ("TimeShift()", TimeShift()),
        ("RandomGain()", RandomGain()),
        ("AddNoise() (white/pink/brown)", AddNoise()),
        ("SpeedPerturbation() (0.9-1.1)", SpeedPerturbation()),
        ("RandomFilter() (low/high-pass)", RandomFilter()),
    ]:
        yield "skaudio.augment", name, lambda aug=aug: aug(x)
    spec = torch.randn(32, 1, 64, 32)
    aug = SpecAugment()
    yield "skaudio.augment", "SpecAugment() on 64 x 32 log-Mel", lambda: aug(spec)
    try:
        import torch_audiomentations as ta
    except ImportError:
        pass
    else:
        for name, aug in [
            ("Shift", ta.Shift(p=1.0, output_type="tensor")),
            ("Gain", ta.Gain(p=1.0, output_type="tensor")),
            ("AddColoredNoise", ta.AddColoredNoise(p=1.0, output_type="tensor")),
            ("LowPassFilter (defaults)", ta.LowPassFilter(p=1.0, output_type="tensor")),
            ("HighPassFilter", ta.HighPassFilter(p=1.0, output_type="tensor")),
            (
                "PitchShift",
                ta.PitchShift(p=1.0, sample_rate=RATE, output_type="tensor"),
            ),
        ]:
            yield (
                "torch-audiomentations",
                name,
                lambda aug=aug: aug(x, sample_rate=RATE),
            )
    try:
        import audiomentations as am
    except ImportError:
        return
    clips = x.numpy()[:, 0]
    for name, aug in [
        ("Shift", am.Shift(p=1.0)),
        ("Gain", am.Gain(p=1.0)),
        ("AddGaussianSNR", am.AddGaussianSNR(p=1.0)),
        ("LowPassFilter", am.LowPassFilter(p=1.0)),
        ("TimeStretch", am.TimeStretch(p=1.0)),
        ("PitchShift", am.PitchShift(p=1.0)),
    ]:
        yield (
            "audiomentations (loop over the 32 clips)",
            name,
            lambda aug=aug: [aug(c, sample_rate=RATE) for c in clips],
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", help="folder holding the libraries, if not installed")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", default=str(RESULTS / "augment_libraries.md"))
    args = parser.parse_args(argv)
    if args.path:
        sys.path.append(args.path)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(32, 1, RATE)
    lines = [
        "# Augmentation on the CPU: skaudio.augment and the libraries",
        "",
        f"- Command: `python benchmarks/bench_augment_libraries.py "
        f"{' '.join(sys.argv[1:])}`",
        f"- Date: {datetime.date.today()}",
        "- Machine: 2-core x86_64 VM, no GPU, shared with other jobs (times vary "
        f"by tens of percent between runs); {platform.python_version()}, torch "
        f"{torch.__version__}, one torch thread",
        f"- Batch of 32 clips, 1 s at {RATE} Hz; median of {args.rounds} calls, "
        "CPU time of the calling thread (time.thread_time)",
        "",
        "| library | augmentation | ms per batch |",
        "|---|---|---:|",
    ]
    for library, name, call in _rows(x, args.rounds):
        try:
            cell = f"{_median_ms(call, args.rounds):.1f}"
        except Exception as error:  # a library's own failure is a result here
            cell = f"fails: {type(error).__name__}: {error}"
        lines.append(f"| {library} | {name} | {cell} |")
        print(lines[-1], flush=True)
    Path(args.output).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
