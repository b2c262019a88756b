r"""Speed and memory of MelTransformer on FSDD (1 s clips at 8 kHz).

Throughput: all 3,000 FSDD clips, 1 s at 8 kHz (8,000 samples), to 64 Mel
bands x 32 frames (n_fft=512, hop_length=256, HTK scale, no filter norm,
reflect padding, power 2, no dB, which all three compute alike):

- ``MelTransformer(scale=None)``: skaudio, batches of ``batch_size`` clips;
- ``MelTransformer()``: the same plus per-clip dB with top_db=80 (the default);
- raw torchaudio: ``torchaudio.transforms.MelSpectrogram`` built and applied
  to the whole ``(3000, 8000)`` tensor at once, converted back to NumPy;
- a per-clip ``librosa.feature.melspectrogram`` loop.

Runs are interleaved (one of each method per round) so that load from other
processes on a shared machine hits all methods alike; the table gives the
median of ``--runs`` rounds, and the ratios both as ratios of the medians and
as medians of the ratios within each round (paired, less sensitive to load
that changes from round to round). The torch methods run once per round for
each of ``--threads`` (torch intra-op threads; the librosa loop is single
threaded): on a machine whose cores other processes also use, every parallel
torch operation can wait for a descheduled thread, and one thread is the
steadier comparison.

Memory: the clips tiled to 3,000 and 30,000 rows, each size in a fresh
subprocess. The peak resident set size (VmHWM in /proc/self/status) is reset
(``echo 5 > /proc/self/clear_refs``) once the input is in memory, so the
increase of the peak over the RSS before the call is what the transform itself
needed: its output array plus its working memory. Linux only.

Usage::

    SKAUDIO_DATA=/path/holding/fsdd python benchmarks/bench_features.py \
        --threads 2 1 --output benchmarks/results/features.md
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import librosa
import numpy as np
import torch
import torchaudio

import skaudio
from skaudio import MelTransformer
from skaudio.datasets import load_fsdd
from skaudio.io import WaveformLoader

SR = 8000
PARAMS = dict(n_fft=512, hop_length=256, n_mels=64)


def skaudio_mel(X):
    return MelTransformer(sample_rate=SR, scale=None, **PARAMS).fit_transform(X)


def skaudio_mel_db(X):
    return MelTransformer(sample_rate=SR, **PARAMS).fit_transform(X)


def raw_torchaudio(X):
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=SR, **PARAMS)
    with torch.inference_mode():
        return mel(torch.from_numpy(X)).numpy()


def librosa_loop(X):
    return np.stack(
        [
            librosa.feature.melspectrogram(
                y=x, sr=SR, htk=True, norm=None, pad_mode="reflect", **PARAMS
            )
            for x in X
        ]
    )


MEL = "MelTransformer(scale=None)"
RAW = "raw torchaudio MelSpectrogram, whole tensor"
LIBROSA = "librosa.feature.melspectrogram loop"
METHODS = {
    MEL: skaudio_mel,
    "MelTransformer() (+ dB per clip)": skaudio_mel_db,
    RAW: raw_torchaudio,
    LIBROSA: librosa_loop,
}


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(method, n, path):
    """Print the peak RSS increase of ``METHODS[method]`` on ``n`` clips."""
    base = np.load(path)
    X = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, len(base)):
        X[start : start + len(base)] = base[: n - start]
    del base
    METHODS[method](X[:8])  # import-time and first-call allocations
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    before = _status_kib("VmRSS")
    out = METHODS[method](X)
    peak = _status_kib("VmHWM")
    print(
        json.dumps(
            {
                "input_mib": X.nbytes / 2**20,
                "output_mib": out.nbytes / 2**20,
                "peak_increase_mib": (peak - before) / 2**10,
            }
        )
    )


def measure_memory(method, n, path):
    result = subprocess.run(
        [sys.executable, __file__, "--memory-child", method, str(n), path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[torch.get_num_threads()]
    )
    parser.add_argument("--output", help="write the markdown report here")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        method, n, path = args.memory_child
        memory_child(method, int(n), path)
        return
    default_threads = torch.get_num_threads()

    bunch = load_fsdd()
    t0 = time.perf_counter()
    X = WaveformLoader(sample_rate=SR, duration=1.0, n_jobs=2).fit_transform(
        bunch.filenames
    )
    print(f"loaded {X.shape} in {time.perf_counter() - t0:.1f} s", flush=True)

    outputs = {name: func(X[:50]) for name, func in METHODS.items()}  # warm-up
    ref = outputs[LIBROSA]
    for name in [MEL, RAW]:
        err = np.abs(outputs[name].reshape(ref.shape) - ref).max() / ref.max()
        print(f"{name}: max |diff| to librosa = {err:.1e} of the peak")
        assert err < 1e-5, name

    # times[(name, threads)]: one duration per round.
    times = {}
    for run in range(args.runs):
        for threads in args.threads:
            torch.set_num_threads(threads)
            for name, func in METHODS.items():
                if name == LIBROSA and threads != args.threads[0]:
                    continue
                t0 = time.perf_counter()
                func(X)
                times.setdefault((name, threads), []).append(time.perf_counter() - t0)
        print(
            f"round {run + 1}: "
            + ", ".join(f"{k[0]} @{k[1]}: {t[-1]:.3f}" for k, t in times.items()),
            flush=True,
        )
    torch.set_num_threads(default_threads)
    lib_times = times[LIBROSA, args.threads[0]]

    memory = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fsdd_1s_8k.npy")
        np.save(path, X)
        for name in [MEL, RAW]:
            for n in [3000, 30000]:
                memory[name, n] = measure_memory(name, n, path)
                print(name, n, memory[name, n], flush=True)

    lines = [
        "# MelTransformer benchmark",
        "",
        f"- Command: `SKAUDIO_DATA=... python benchmarks/bench_features.py "
        f"--runs {args.runs} --threads {' '.join(map(str, args.threads))} "
        "--output benchmarks/results/features.md`",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {platform.machine()} VM, {os.cpu_count()} CPU cores shared "
        f"with other processes (load average at the end: "
        f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}), no GPU",
        f"- Versions: skaudio {skaudio.__version__}, torch {torch.__version__}, "
        f"torchaudio {torchaudio.__version__}, librosa {librosa.__version__}, "
        f"Python {platform.python_version()}",
        f"- Data: all {len(X):,} FSDD clips, 1 s at 8 kHz ({X.shape[1]:,} samples) "
        "→ 64 Mel bands × 32 frames (n_fft=512, hop_length=256, power 2, HTK "
        "scale, no filter norm, reflect padding); MelTransformer batch_size=256 "
        "(default), device cpu",
        "",
        f"## Throughput (median of {args.runs} interleaved rounds)",
        "",
        "| method | torch threads | median s | clips / s | × raw torchaudio "
        "| × raw torchaudio, paired | × librosa loop | × librosa loop, paired |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = {}
    for (name, threads), ts in times.items():
        raw_ts = times.get((RAW, threads), ts)
        ratios[name, threads] = {
            "raw": statistics.median(raw_ts) / statistics.median(ts),
            "raw_paired": statistics.median(
                r / t for r, t in zip(raw_ts, ts, strict=True)
            ),
            "lib": statistics.median(lib_times) / statistics.median(ts),
            "lib_paired": statistics.median(
                r / t for r, t in zip(lib_times, ts, strict=True)
            ),
        }
        r = ratios[name, threads]
        label = "1 (numpy)" if name == LIBROSA else str(threads)
        lines.append(
            f"| {name} | {label} | {statistics.median(ts):.3f} "
            f"| {len(X) / statistics.median(ts):,.0f} | {r['raw']:.2f} "
            f"| {r['raw_paired']:.2f} | {r['lib']:.1f} | {r['lib_paired']:.1f} |"
        )
    lines += [
        "",
        "All runs (s): "
        + "; ".join(
            f"{name} @{threads}: " + ", ".join(f"{t:.3f}" for t in ts)
            for (name, threads), ts in times.items()
        ),
        "",
        "## Peak memory (increase of peak RSS during the call, fresh process)",
        "",
        "Input and output arrays grow with n by necessity; *working memory* is "
        f"the peak increase minus the output array. torch threads "
        f"{default_threads}.",
        "",
        "| method | clips | input MiB | output MiB | peak increase MiB "
        "| working memory MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (name, n), m in memory.items():
        work = m["peak_increase_mib"] - m["output_mib"]
        lines.append(
            f"| {name} | {n:,} | {m['input_mib']:.0f} | {m['output_mib']:.0f} "
            f"| {m['peak_increase_mib']:.0f} | {work:.0f} |"
        )

    small, large = memory[MEL, 3000], memory[MEL, 30000]
    work_ratio = (large["peak_increase_mib"] - large["output_mib"]) / (
        small["peak_increase_mib"] - small["output_mib"]
    )
    peak_ratio = large["peak_increase_mib"] / small["peak_increase_mib"]

    def verdict(ok):
        return "met" if ok else "**not met**"

    lines += ["", "## Goals", ""]
    for threads in args.threads:
        r = ratios[MEL, threads]
        raw_ok = min(r["raw"], r["raw_paired"]) >= 0.9
        lib_ok = min(r["lib"], r["lib_paired"]) >= 10
        lines += [
            f"- {threads} torch thread(s), throughput ≥ 0.9× raw torchaudio: "
            f"MelTransformer(scale=None) {r['raw']:.2f}× (paired "
            f"{r['raw_paired']:.2f}×) — {verdict(raw_ok)}.",
            f"- {threads} torch thread(s), throughput ≥ 10× the librosa loop: "
            f"{r['lib']:.1f}× (paired {r['lib_paired']:.1f}×) — "
            f"{verdict(lib_ok)}.",
        ]
    lines.append(
        f"- Memory for 30,000 clips within 2× that for 3,000: working memory "
        f"{work_ratio:.2f}× — {verdict(work_ratio <= 2)}. The peak increase "
        f"including the output array is {peak_ratio:.2f}×, since the output "
        "itself is 10× larger; the input array (not counted) also grows 10×."
    )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
