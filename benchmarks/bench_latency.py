r"""Latency of one clip, file to label, and batch throughput: eager vs ONNX.

A named model (default ``mel-cnn``: log-Mel, 64 bands, 64 ms window, 32 ms
hop, into the default ``SpectrogramCNNClassifier``) is fitted for one epoch
on 300 FSDD clips (1 s at 8 kHz; latency does not depend on accuracy), then
timed on one thread (``torch.set_num_threads(1)``, ONNX Runtime with one
intra-op and one inter-op thread):

- ``network forward``: the classifier's network alone on the precomputed
  features of one clip, under ``torch.inference_mode``; the floor of eager
  PyTorch;
- ``feature step`` and ``classifier`` alone (pipelines with a feature
  step): the two parts of the eager pipeline, to show where its time goes;
- ``eager predict_proba``: the fitted pipeline (without its loader) on one
  waveform;
- ``ONNX Runtime``: the graph of :func:`skaudio.export_onnx` on one waveform;
  ``ONNX Runtime, per clip``: the graph of ``export_onnx(..., per_clip=True)``,
  which runs the batch's clips one at a time;
- ``file → label, eager``: ``pipeline.predict([path])``, WaveformLoader
  included;
- ``file → label, ONNX``: :func:`skaudio.load_audio`, pad/crop to the clip
  length, the ONNX session, argmax to the label.

Calls are interleaved in blocks (each of ``--rounds`` rounds runs every
method for ``--block`` consecutive calls, after a warm-up), so load from other
processes on a shared machine hits all methods alike; p50 and p95 are over
all the calls, of the wall-clock time and of the calling thread's CPU time
(``time.thread_time``; everything runs in that thread), which leaves out the
waits for a core when other processes load the machine. Throughput: clips
per second of ``predict_proba`` / the ONNX session at batch sizes 1, 32 and
256 (waveforms in memory), interleaved the same way.

Usage::

    SKAUDIO_DATA=/path/holding/fsdd python benchmarks/bench_latency.py \
        --output benchmarks/results/latency.md
"""

import argparse
import datetime
import functools
import os
import platform
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
from bench_training_speed import KeepFreedMemory

import skaudio
from skaudio import WaveformLoader, export_onnx, fix_length, load_audio
from skaudio.datasets import load_fsdd
from skaudio.experiments import make_model

SR = 8000
N_TIMES = 8000


def _fit(name, files, y):
    pipe = make_model(name, sample_rate=SR, max_epochs=1, random_state=0, device="cpu")
    pipe.steps.insert(0, ("load", WaveformLoader(sample_rate=SR, duration=1.0)))
    return pipe.fit(files, y)


def _session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _interleaved(methods, rounds, block, warmup=20):
    """Time every call of each method, in blocks of calls taken in turn.

    Each of ``rounds`` rounds runs every method for ``block`` consecutive
    calls (as a service calling one model repeatedly does, with its code and
    data in the caches), so load from other processes hits all methods alike.

    Returns ``{name: (wall, cpu)}``, arrays of seconds per call: wall-clock
    time, and the CPU time of the calling thread, which on a loaded machine
    leaves out the time spent waiting for a core (everything timed runs in
    the calling thread with one torch / ONNX Runtime thread).
    """
    for _ in range(warmup):
        for method in methods.values():
            method()
    wall = {name: [] for name in methods}
    cpu = {name: [] for name in methods}
    for _ in range(rounds):
        for name, method in methods.items():
            for _ in range(block):
                start, start_cpu = time.perf_counter(), time.thread_time()
                method()
                cpu[name].append(time.thread_time() - start_cpu)
                wall[name].append(time.perf_counter() - start)
    return {name: (np.array(wall[name]), np.array(cpu[name])) for name in methods}


def latency_methods(pipe, sessions, path, waveform):
    model = pipe[1:]
    classifier = pipe[-1]
    step_output = pipe[1:-1].transform(waveform) if len(pipe) > 2 else waveform
    features = torch.from_numpy(classifier._validate_input(step_output, reset=False))
    network = classifier.module_.eval()
    classes = classifier.classes_

    def network_forward():
        with torch.inference_mode():
            network(features)

    def onnx_file_to_label():
        x, _ = load_audio(path, sample_rate=SR)
        x = fix_length(x, N_TIMES)[np.newaxis]
        scores = sessions["ONNX Runtime"].run(None, {"waveforms": x})[0]
        return classes[scores.argmax(axis=1)]

    steps = {}
    if len(pipe) > 2:
        # Where the eager pipeline's time goes: its feature step, and the
        # classifier (validation, skorch, network) on precomputed features.
        steps = {
            "feature step transform alone": lambda: pipe[1:-1].transform(waveform),
            "classifier predict_proba alone (features precomputed)": lambda: (
                classifier.predict_proba(step_output)
            ),
        }
    return {
        "network forward (features precomputed)": network_forward,
        **steps,
        "eager predict_proba (waveform in memory)": lambda: model.predict_proba(
            waveform
        ),
        **{
            f"{method} (waveform in memory)": functools.partial(
                session.run, None, {"waveforms": waveform}
            )
            for method, session in sessions.items()
        },
        "file → label, eager pipeline": lambda: pipe.predict([path]),
        "file → label, load_audio + ONNX Runtime": onnx_file_to_label,
    }


def throughput_methods(pipe, sessions, X):
    model = pipe[1:]
    return {
        "eager predict_proba": lambda: model.predict_proba(X),
        **{
            method: functools.partial(session.run, None, {"waveforms": X})
            for method, session in sessions.items()
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["mel-cnn"])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--block", type=int, default=10)
    parser.add_argument("--batch-rounds", type=int, default=7)
    parser.add_argument("--output")
    parser.add_argument("--keep-freed-memory", action=KeepFreedMemory)
    args = parser.parse_args()
    torch.set_num_threads(1)
    fsdd = load_fsdd()
    files, y = fsdd.filenames[:300], fsdd.target[:300]
    X_all = WaveformLoader(sample_rate=SR, duration=1.0).fit_transform(
        fsdd.filenames[:256]
    )
    lines = []
    for name in args.models:
        first_line = len(lines)
        pipe = _fit(name, files, y)
        sessions = {}
        with tempfile.TemporaryDirectory() as folder:
            for method, per_clip in (
                ("ONNX Runtime", False),
                ("ONNX Runtime, per clip", True),
            ):
                onnx_path = os.path.join(folder, f"{per_clip}.onnx")
                export_onnx(pipe, onnx_path, per_clip=per_clip)
                sessions[method] = _session(onnx_path)
        path = str(fsdd.filenames[0])
        waveform = X_all[:1]
        times = _interleaved(
            latency_methods(pipe, sessions, path, waveform), args.rounds, args.block
        )
        forward_wall, forward_cpu = (
            np.median(t) for t in times["network forward (features precomputed)"]
        )
        lines += [
            f"## {name}: one clip (1 s at 8 kHz), {args.rounds} interleaved rounds "
            f"of {args.block} calls",
            "",
            "| method | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms "
            "| wall p50 × forward | CPU p50 × forward |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for method, (wall, cpu) in times.items():
            w50, w95 = np.percentile(wall, [50, 95]) * 1e3
            c50, c95 = np.percentile(cpu, [50, 95]) * 1e3
            lines.append(
                f"| {method} | {w50:.3f} | {w95:.3f} | {c50:.3f} | {c95:.3f} "
                f"| {np.median(wall) / forward_wall:.2f} "
                f"| {np.median(cpu) / forward_cpu:.2f} |"
            )
        lines += [
            "",
            f"## {name}: throughput (clips/s, median over {args.batch_rounds} "
            "interleaved rounds of max(1, 64 // batch) calls)",
            "",
            "| batch | clock | eager clips/s | ONNX clips/s | ONNX per clip "
            "clips/s | ONNX / eager | ONNX per clip / eager |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for batch in (1, 32, 256):
            X = np.ascontiguousarray(X_all[:batch])
            block = max(1, 64 // batch)
            times = _interleaved(
                throughput_methods(pipe, sessions, X), args.batch_rounds, block, 2
            )
            for clock, clock_name in enumerate(("wall", "CPU")):
                eager, onnx, per_clip = (
                    batch / np.median(times[method][clock])
                    for method in ("eager predict_proba", *sessions)
                )
                row = [str(batch), clock_name]
                row += [f"{v:,.0f}" for v in (eager, onnx, per_clip)]
                row += [f"{onnx / eager:.2f}", f"{per_clip / eager:.2f}"]
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        print("\n".join(lines[first_line:]), flush=True)
    header = [
        "# Latency and throughput: eager pipeline, raw network, ONNX Runtime",
        "",
        "- Command: `SKAUDIO_DATA=... python benchmarks/bench_latency.py "
        f"--models {' '.join(args.models)} --rounds {args.rounds} --block {args.block} "
        f"--batch-rounds {args.batch_rounds}"
        f"{' --keep-freed-memory' if args.keep_freed_memory else ''}`",
        f"- Date: {datetime.date.today().isoformat()}",
        "- Machine: 2-core x86_64 VM, no GPU, shared with other processes "
        f"(load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())})",
        f"- Versions: skaudio {skaudio.__version__}, torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}, Python {platform.python_version()}",
        "- One thread: torch.set_num_threads(1); ONNX Runtime intra/inter-op threads 1",
        "- Models fitted 1 epoch on 300 FSDD clips (latency does not depend on "
        "the weights' values); the clip timed is FSDD's first file",
        "",
    ]
    text = "\n".join(header + lines)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
