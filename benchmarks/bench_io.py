"""Time WaveformLoader on all of FSDD against a soundfile loop and librosa.load.

Each contender loads the 3,000 FSDD files to float32 mono, at the native 8 kHz
and resampled to 16 kHz; the loader also pads/crops to 1 s. The contenders run
interleaved, round after round in one process, and the median of the rounds
is reported, so that a slow spell of the machine hits all of them alike.
Each time includes one pass over the result (its sum), so that an array whose
pages are filled in lazily is not favoured.

    python benchmarks/bench_io.py [--repeats 5] [--out benchmarks/results/io.md]
"""

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date

import librosa
import numpy as np
import soundfile as sf
from joblib import Parallel, delayed, parallel_config

from skaudio.datasets import load_fsdd
from skaudio.io import WaveformLoader


def soundfile_loop(paths):
    return [sf.read(p, dtype="float32")[0] for p in paths]


def librosa_loop(paths, sr=None):
    return [librosa.load(p, sr=sr)[0] for p in paths]


def librosa_loop_16k(paths):
    return librosa_loop(paths, sr=16000)


# Every clip padded or cropped to 1 s, as in the published tables.
ONE_SECOND = {"duration": 1.0}


def _read_all(result):
    return sum(float(np.sum(x)) for x in result)


def threads_loader(paths):
    """WaveformLoader(sample_rate=None, n_jobs=2) with joblib's threading backend."""
    with parallel_config(backend="threading"):
        return WaveformLoader(sample_rate=None, **ONE_SECOND, n_jobs=2).fit_transform(
            paths
        )


def _zero_rows(out, start, stop):
    out[start:stop] = 0


def shared_array_only(paths, n_times=8000, n_jobs=2):
    """Time parallel loading's cost without decoding.

    Two workers zero their rows of a shared array, as the loader's workers
    write theirs (8 chunks, like WaveformLoader with two workers).
    """
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        out = np.lib.format.open_memmap(
            os.path.join(folder, "x.npy"), "w+", np.float32, (len(paths), n_times)
        )
        step = -(-len(paths) // 8)
        Parallel(n_jobs=n_jobs)(
            delayed(_zero_rows)(out, i, i + step) for i in range(0, len(paths), step)
        )
        return [np.asarray(out).sum()]


def private_array_only(paths, n_times=8000):
    """Zero the same array in one process (written, so its pages are touched)."""
    out = np.empty((len(paths), n_times), np.float32)
    out[:] = 0
    return [out]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None, help="write the Markdown table here")
    args = parser.parse_args()

    paths = load_fsdd().filenames
    contenders = {
        "WaveformLoader(sample_rate=None, n_jobs=1)": WaveformLoader(
            sample_rate=None, **ONE_SECOND, n_jobs=1
        ).fit_transform,
        "WaveformLoader(sample_rate=None, n_jobs=2)": WaveformLoader(
            sample_rate=None, **ONE_SECOND, n_jobs=2
        ).fit_transform,
        "WaveformLoader(sample_rate=None, n_jobs=2), threading backend": threads_loader,
        "soundfile.read loop": soundfile_loop,
        "librosa.load(sr=None) loop": librosa_loop,
        "WaveformLoader(sample_rate=16000, n_jobs=1)": WaveformLoader(
            sample_rate=16000, **ONE_SECOND, n_jobs=1
        ).fit_transform,
        "WaveformLoader(sample_rate=16000, n_jobs=2)": WaveformLoader(
            sample_rate=16000, **ONE_SECOND, n_jobs=2
        ).fit_transform,
        "librosa.load(sr=16000) loop (soxr_hq)": librosa_loop_16k,
        "(no decoding) 2 workers zero a shared array": shared_array_only,
        "(no decoding) one process zeroes a private array": private_array_only,
    }
    for load in contenders.values():  # warm up imports and caches
        load(paths[:50])
    times = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, load in contenders.items():
            start = time.perf_counter()
            _read_all(load(paths))
            times[name].append(time.perf_counter() - start)

    reference = {
        8000: "librosa.load(sr=None) loop",
        16000: "librosa.load(sr=16000) loop (soxr_hq)",
    }
    lines = [
        f"`python benchmarks/bench_io.py --repeats {args.repeats}` on "
        f"{date.today()}, {platform.machine()} VM, 2 CPU cores, no GPU, "
        f"{len(paths)} FSDD files; median of {args.repeats} interleaved runs.",
        "",
        "| loader | median s | files/s | speed-up vs librosa.load at the same rate |",
        "|---|---|---|---|",
    ]
    for name, t in times.items():
        s = statistics.median(t)
        if name.startswith("(no decoding)"):
            lines.append(f"| {name} | {s:.3f} | | |")
            continue
        librosa_s = statistics.median(
            times[reference[16000 if "16000" in name else 8000]]
        )
        lines.append(
            f"| {name} | {s:.2f} | {len(paths) / s:.0f} | {librosa_s / s:.1f}× |"
        )
    lines += ["", "All runs (s):", ""]
    lines += [f"- {k}: {np.round(v, 3).tolist()}" for k, v in times.items()]
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write("# Loading FSDD\n\n" + table + "\n")


if __name__ == "__main__":
    main()
