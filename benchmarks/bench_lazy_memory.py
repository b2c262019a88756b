"""Peak memory of one training epoch on files, loaded in memory or batch by batch.

Writes 3,000 and 30,000 one-second 8 kHz WAV clips (noisy tones of four
classes, 16 KB each) to a temporary folder, then fits and applies the same
pipeline (loader, log-Mel, a small 2D CNN, one epoch) once per setting, each
in a fresh Python process so that peaks do not mix:

- ``memory``: ``WaveformLoader()`` loads every clip into one array;
- ``lazy``: ``WaveformLoader(lazy=True)``, clips decoded per batch in the
  training process;
- ``lazy, 2 workers``: the same with ``iterator_train__num_workers=2`` and
  ``iterator_valid__num_workers=2``.

Importing torch alone briefly takes more memory than the lazy runs ever
hold, so a plain ``ru_maxrss`` hides them: after the imports the process's
peak is reset (``/proc/self/clear_refs``, Linux) and the table gives the
resident memory then (``rss before``), the peak during fit and predict, and
their difference (``growth``). For worker runs it also gives the peak of the
largest DataLoader worker (``ru_maxrss`` of the children; forked, so it
counts pages shared with the parent). The clips are deleted afterwards.

    python benchmarks/bench_lazy_memory.py [--sizes 3000 30000] \
        [--settings memory lazy "lazy, 2 workers"] \
        [--out benchmarks/results/lazy_memory.jsonl]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date

import numpy as np
import soundfile as sf

SAMPLE_RATE = 8000
SETTINGS = {
    "memory": {"lazy": False, "num_workers": 0},
    "lazy": {"lazy": True, "num_workers": 0},
    "lazy, 2 workers": {"lazy": True, "num_workers": 2},
}


def write_clips(folder, n_clips, chunk=1000):
    """Write ``n_clips`` one-second tones; return the paths and labels files."""
    from skaudio.datasets import make_tones

    paths, labels = [], []
    for start in range(0, n_clips, chunk):
        X, y = make_tones(
            min(chunk, n_clips - start),
            n_classes=4,
            sample_rate=SAMPLE_RATE,
            duration=1.0,
            random_state=start,
        )
        for i, (x, label) in enumerate(zip(X, y, strict=True), start):
            path = os.path.join(folder, f"{i:06d}.wav")
            sf.write(path, x, SAMPLE_RATE, subtype="PCM_16")
            paths.append(path)
            labels.append(label)
    index = os.path.join(folder, "index.json")
    with open(index, "w") as f:
        json.dump({"paths": paths, "labels": [int(v) for v in labels]}, f)
    return index


def _status_mb(field):
    """Return a memory field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def measure(index, setting):
    """Fit and predict once in this process; print what it measured as JSON."""
    import gc
    import resource

    import torch
    from sklearn.pipeline import Pipeline

    from skaudio import MelTransformer, SpectrogramCNNClassifier, WaveformLoader

    torch.set_num_threads(1)
    with open(index) as f:
        data = json.load(f)
    paths = np.array(data["paths"], dtype=object)
    y = np.array(data["labels"])
    options = SETTINGS[setting]
    workers = options["num_workers"]
    pipeline = Pipeline(
        [
            ("load", WaveformLoader(sample_rate=SAMPLE_RATE, lazy=options["lazy"])),
            (
                "mel",
                MelTransformer(
                    sample_rate=SAMPLE_RATE, n_fft=256, hop_length=128, n_mels=32
                ),
            ),
            (
                "cnn",
                SpectrogramCNNClassifier(
                    architecture="simple",
                    filters=8,
                    max_epochs=1,
                    batch_size=64,
                    device="cpu",
                    random_state=0,
                    iterator_train__num_workers=workers,
                    iterator_valid__num_workers=workers,
                ),
            ),
        ]
    )
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the peak (VmHWM) to the current resident memory
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    pipeline.fit(paths, y)
    fitted = time.perf_counter()
    accuracy = float(np.mean(pipeline.predict(paths) == y))
    done = time.perf_counter()
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "n_clips": len(paths),
                "setting": setting,
                "rss_before_mb": before,
                "peak_mb": _status_mb("VmHWM"),
                "worker_peak_mb": workers_peak / 1024 if workers else None,
                "fit_s": fitted - start,
                "predict_s": done - fitted,
                "train_accuracy": accuracy,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    parser.add_argument("--out", default="benchmarks/results/lazy_memory.jsonl")
    parser.add_argument(
        "--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS)
    )
    parser.add_argument("--measure", nargs=2, metavar=("INDEX", "SETTING"))
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    rows = []
    for n_clips in args.sizes:
        folder = tempfile.mkdtemp(prefix="skaudio-lazy-")
        try:
            index = write_clips(folder, n_clips)
            for setting in args.settings:
                result = subprocess.run(
                    [sys.executable, __file__, "--measure", index, setting],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(result.stdout.strip().splitlines()[-1])
                print(row, flush=True)
                rows.append(row)
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")
        finally:
            shutil.rmtree(folder)
    print(f"\n{date.today()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(
        "| clips | setting | rss before MB | peak MB | growth MB | "
        "worker peak MB | fit s | predict s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        worker = "" if r["worker_peak_mb"] is None else f"{r['worker_peak_mb']:.0f}"
        print(
            f"| {r['n_clips']:,} | {r['setting']} | {r['rss_before_mb']:.0f} | "
            f"{r['peak_mb']:.0f} | {r['peak_mb'] - r['rss_before_mb']:.0f} | "
            f"{worker} | {r['fit_s']:.1f} | {r['predict_s']:.1f} |"
        )


if __name__ == "__main__":
    main()
