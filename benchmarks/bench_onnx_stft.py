r"""ONNX Runtime throughput of ``mel-cnn`` with each STFT form, against eager.

For each sample rate, ``make_model("mel-cnn", sample_rate=...)`` (64 Mel
bands, ``n_fft`` the power of two nearest 64 ms, hop half of it, then the
default ``SpectrogramCNNClassifier``) is fitted for one epoch on noise
(timing does not depend on the weights), exported with
:func:`skaudio.export_onnx` twice, ``stft="onnx"`` (the ONNX ``STFT``
operator) and ``stft="matmul"`` (a strided convolution with DFT kernels),
and timed on one thread (torch and ONNX Runtime) against the eager
pipeline's ``predict_proba``, at batch 1 and 32, calls interleaved in blocks
as in ``bench_latency.py``. The table justifies ``stft="auto"``'s rule.

Usage::

    python benchmarks/bench_onnx_stft.py --output benchmarks/results/onnx_stft.md
"""

import argparse
import datetime
import os
import platform
import tempfile

import numpy as np
import onnxruntime as ort
import torch
from bench_latency import _interleaved, _session

import skaudio
from skaudio import export_onnx
from skaudio.experiments import feature_window, make_model


def _sessions(pipe, n_times, folder):
    sessions = {}
    for stft in ("onnx", "matmul"):
        path = os.path.join(folder, f"{stft}.onnx")
        export_onnx(pipe, path, n_times=n_times, stft=stft)
        sessions[stft] = _session(path)
    return sessions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[8000, 16000, 44100])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for rate in args.rates:
        n_times = round(args.seconds * rate)
        X = rng.standard_normal((32, n_times)).astype(np.float32)
        y = np.arange(32) % 2
        pipe = make_model(
            "mel-cnn", sample_rate=rate, max_epochs=1, random_state=0, device="cpu"
        ).fit(X, y)
        with tempfile.TemporaryDirectory() as folder:
            sessions = _sessions(pipe, n_times, folder)
        for batch in (1, 32):
            clips = np.ascontiguousarray(X[:batch])
            methods = {
                "eager": lambda p=pipe, clips=clips: p.predict_proba(clips),
                **{
                    stft: lambda s=session, clips=clips: s.run(
                        None, {"waveforms": clips}
                    )
                    for stft, session in sessions.items()
                },
            }
            block = max(1, 32 // batch)
            times = _interleaved(methods, args.rounds, block, warmup=2)
            rate_of = {m: batch / np.median(times[m][1]) for m in methods}
            rows.append(
                f"| {rate} | {feature_window(rate)} | {batch} "
                f"| {rate_of['eager']:,.0f} | {rate_of['onnx']:,.0f} "
                f"| {rate_of['matmul']:,.0f} "
                f"| {rate_of['matmul'] / rate_of['onnx']:.2f} "
                f"| {rate_of['matmul'] / rate_of['eager']:.2f} |"
            )
            print(rows[-1], flush=True)
    lines = [
        "# ONNX export of mel-cnn: the STFT as the ONNX operator or as a DFT matmul",
        "",
        "- Command: `python benchmarks/bench_onnx_stft.py --rates "
        f"{' '.join(map(str, args.rates))} --seconds {args.seconds:g} "
        f"--rounds {args.rounds}`",
        f"- Date: {datetime.date.today().isoformat()}",
        "- Machine: 2-core x86_64 VM, no GPU (load average at the end: "
        f"{', '.join(f'{v:.1f}' for v in os.getloadavg())})",
        f"- Versions: skaudio {skaudio.__version__}, torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}, Python {platform.python_version()}",
        "- One thread (torch and ONNX Runtime); clips/s from the calling "
        f"thread's CPU time, median over {args.rounds} interleaved rounds; "
        f"clips of {args.seconds:g} s",
        "",
        "| rate (Hz) | n_fft | batch | eager clips/s | ONNX `STFT` clips/s "
        "| ONNX matmul clips/s | matmul / `STFT` | matmul / eager |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n".join(lines))


if __name__ == "__main__":
    main()
