"""Environmental sounds at 44.1 kHz, 5 s: do the defaults travel beyond FSDD.

Synthetic events of eight kinds (siren, bark, engine, clock, rain, bird,
alarm, knock) are placed at random times in the background noise of six
"recordings" (each its own noise colour, level and microphone colouring),
written as 44.1 kHz, 5 s WAV files and read back with ``WaveformLoader()``'s
defaults (resampled to 16 kHz). Every pitch, rate and duration varies per
clip, so a class is a kind of sound, not one frequency. Cross-validation is
leave one recording out: the test clips come from a background and
microphone never heard in training. Each fold's record is appended to
``benchmarks/results/environmental.jsonl`` as it finishes, and the table is
written to ``environmental.md``::

    nice python benchmarks/bench_environmental.py --models default mel-cnn-aug

``--report`` only rewrites the table.
"""

import argparse
import datetime
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from bench_accuracy import parse_run_arguments, read_records, write_keeping_notes
from sklearn.pipeline import Pipeline

from skaudio import (
    MelTransformer,
    MFCCTransformer,
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformLoader,
)
from skaudio.augment import standard_augmentation
from skaudio.experiments import make_splits, run_cv, training_recipe

FILE_RATE = 44100
DURATION = 5.0
CLASSES = ("siren", "bark", "engine", "clock", "rain", "bird", "alarm", "knock")


def _tone(t, freq):
    return np.sin(2 * np.pi * np.cumsum(np.broadcast_to(freq, t.shape)) / FILE_RATE)


def _event(kind, rng):
    """One event of ``kind``: a float waveform at FILE_RATE, peak about 1."""
    seconds = {"siren": 2.5, "engine": 3.5, "clock": 3.5, "rain": 3.5}.get(kind, 1.2)
    n = int(seconds * rng.uniform(0.7, 1.3) * FILE_RATE)
    t = np.arange(n) / FILE_RATE
    if kind == "siren":  # a tone swept up and down
        rate, centre = rng.uniform(0.5, 2), rng.uniform(600, 1500)
        x = _tone(t, centre * (1 + 0.3 * np.sin(2 * np.pi * rate * t)))
    elif kind == "bark":  # short harmonic bursts with a fast decay
        x = np.zeros(n)
        f0 = rng.uniform(300, 600)
        for start in np.sort(rng.uniform(0, t[-1] - 0.2, rng.integers(2, 5))):
            m = int(rng.uniform(0.08, 0.2) * FILE_RATE)
            u = np.arange(m) / FILE_RATE
            burst = sum(_tone(u, k * f0) / k for k in range(1, 6))
            burst += 0.3 * rng.standard_normal(m)
            i = int(start * FILE_RATE)
            x[i : i + m] += (burst * np.exp(-u / 0.04))[: n - i]
    elif kind == "engine":  # a low hum with many harmonics, throbbing
        f0 = rng.uniform(30, 80)
        x = sum(_tone(t, k * f0) / k**0.5 for k in range(1, 12))
        x *= 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(5, 15) * t)
    elif kind == "clock":  # regular clicks
        x = np.zeros(n)
        period, m = rng.uniform(0.3, 1.0), int(0.005 * FILE_RATE)
        for start in np.arange(0, t[-1] - 0.01, period):
            i = int(start * FILE_RATE)
            x[i : i + m] += rng.standard_normal(m) * np.exp(-np.arange(m) / 40)
    elif kind == "rain":  # many tiny random drops
        x = np.zeros(n)
        drops = rng.integers(0, n - 200, int(rng.uniform(200, 800) * seconds))
        for i in drops:
            x[i : i + 200] += rng.standard_normal(200) * np.exp(-np.arange(200) / 30)
    elif kind == "bird":  # fast rising chirps, high up
        x = np.zeros(n)
        for start in np.sort(rng.uniform(0, t[-1] - 0.12, rng.integers(3, 9))):
            m = int(rng.uniform(0.05, 0.1) * FILE_RATE)
            u = np.arange(m) / FILE_RATE
            low = rng.uniform(2000, 4000)
            chirp = _tone(u, low + (low * 0.6) * u / u[-1]) * np.hanning(m)
            i = int(start * FILE_RATE)
            x[i : i + m] += chirp[: n - i]
    elif kind == "alarm":  # two-tone beeps
        f = rng.uniform(700, 1100)
        on = (t % 0.4) < 0.2
        x = _tone(t, np.where((t % 0.8) < 0.4, f, 1.25 * f)) * on
    elif kind == "knock":  # damped low resonances
        x = np.zeros(n)
        f = rng.uniform(100, 250)
        start = rng.uniform(0, 0.3)
        for _ in range(rng.integers(2, 6)):
            m = int(0.15 * FILE_RATE)
            u = np.arange(m) / FILE_RATE
            i = int(start * FILE_RATE)
            if i + m > n:
                break
            x[i : i + m] += _tone(u, f) * np.exp(-u / 0.03)
            start += rng.uniform(0.15, 0.3)
    else:
        raise ValueError(kind)
    return x / (np.abs(x).max() + 1e-9)


def _recording(rng):
    """Background and microphone of one recording: colour, level, filter."""
    return {
        "exponent": rng.uniform(0, 2),  # white .. brown noise
        "noise_db": rng.uniform(-40, -20),
        "cutoff": rng.uniform(3000, 16000),  # microphone low-pass, Hz
        "tilt_db": rng.uniform(-6, 6),  # and a spectral tilt
    }


def _background(rng, n, recording):
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / FILE_RATE)
    spectrum[1:] /= freqs[1:] ** (recording["exponent"] / 2)
    noise = np.fft.irfft(spectrum, n)
    return noise / noise.std() * 10 ** (recording["noise_db"] / 20)


def _microphone(x, recording):
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / FILE_RATE)
    gain = 1 / np.sqrt(1 + (freqs / recording["cutoff"]) ** 8)
    gain *= 10 ** (recording["tilt_db"] / 20 * freqs / (FILE_RATE / 2))
    return np.fft.irfft(spectrum * gain, len(x))


def make_environmental(folder, *, n_recordings=6, per_class=8, random_state=0):
    """Write the clips into ``folder``; return (paths, labels, recordings)."""
    rng = np.random.default_rng(random_state)
    n = int(DURATION * FILE_RATE)
    paths, labels, groups = [], [], []
    for r in range(n_recordings):
        recording = _recording(rng)
        for label in CLASSES:
            for k in range(per_class):
                clip = _background(rng, n, recording)
                level = 10 ** (rng.uniform(-26, -6) / 20)
                for _ in range(rng.integers(1, 3)):
                    event = _event(label, rng)[:n]
                    start = rng.integers(0, n - len(event) + 1)
                    clip[start : start + len(event)] += level * event
                clip = _microphone(clip, recording)
                path = Path(folder) / f"rec{r}_{label}_{k}.wav"
                sf.write(path, np.clip(clip, -1, 1), FILE_RATE, subtype="PCM_16")
                paths.append(str(path))
                labels.append(label)
                groups.append(f"rec{r}")
    return paths, np.array(labels), np.array(groups)


def _models():
    return {
        "default": (
            lambda **p: Pipeline(
                [("mel", MelTransformer()), ("cnn", SpectrogramCNNClassifier(**p))]
            ),
            "Pipeline(MelTransformer(), SpectrogramCNNClassifier()): defaults",
        ),
        "mel-cnn-aug": (
            lambda **p: SpectrogramCNNClassifier(
                frontend=MelTransformer(),
                augment=standard_augmentation(),
                **training_recipe(),
                **p,
            ),
            "SpectrogramCNNClassifier(frontend=MelTransformer(), "
            "augment=standard_augmentation()) + recipe",
        ),
        "mfcc-seq-aug": (
            _mfcc_seq_aug,
            "SequenceCNNClassifier(frontend=MFCCTransformer(n_mfcc=40), "
            "augment=standard_augmentation()) + recipe (FSDD's best until "
            "2026-11-26)",
        ),
        "mfcc-seq-aug-128-filters": (
            lambda **p: _mfcc_seq_aug(filters=128, **p),
            "the same with filters=128 (default 64)",
        ),
        "mfcc-seq-aug-256-filters": (
            lambda **p: _mfcc_seq_aug(filters=256, **p),
            "the same with filters=256 (make_model('mfcc-seq-aug') since 2026-11-26)",
        ),
    }


def _mfcc_seq_aug(**params):
    return SequenceCNNClassifier(
        frontend=MFCCTransformer(n_mfcc=40),
        augment=standard_augmentation(),
        **training_recipe(),
        **params,
    )


def write_report(jsonl, markdown):
    """Write the Markdown table of every run in ``jsonl``."""
    runs = {}
    for record in read_records(jsonl):
        key = (record["model"], record["epochs"], record["seed"])
        runs.setdefault(key, {})[record["fold"]] = record
    folds = sorted({fold for run in runs.values() for fold in run})
    descriptions = {name: text for name, (_, text) in _models().items()}
    lines = [
        "# Environmental sounds, 44.1 kHz, 5 s: leave one recording out",
        "",
        "Script: `benchmarks/bench_environmental.py` (one JSON line per fold in "
        "`environmental.jsonl`). Eight synthetic event kinds in the background "
        "noise and microphone colouring of six recordings, 8 clips per kind "
        "and recording (384 clips), written at 44.1 kHz and loaded with "
        "`WaveformLoader()` (16 kHz, 5.0 s). Each fold tests one recording "
        "never heard in training; chance is 12.5 %. Accuracy after the last "
        "epoch, no early stopping, nothing tuned on the test folds. Recipe: "
        "AdamW (lr 1e-3, weight decay 0.05), label smoothing 0.1, cosine "
        "schedule.",
        "",
        f"| model | epochs | seed | mean ± std % | {' | '.join(folds)} | "
        "train s / fold |",
        "|---|---|---|---|" + "---|" * len(folds) + "---|",
    ]
    for (model, epochs, seed), run in runs.items():
        accs = [run[f]["accuracy"] * 100 for f in folds if f in run]
        cells = [f"{run[f]['accuracy'] * 100:.1f}" if f in run else "–" for f in folds]
        seconds = np.mean([r["train_seconds"] for r in run.values()])
        partial = "" if len(accs) == len(folds) else f" ({len(accs)} folds)"
        lines.append(
            f"| {model} | {epochs} | {seed} | {np.mean(accs):.1f} ± "
            f"{np.std(accs):.1f}{partial} | {' | '.join(cells)} | {seconds:.0f} |"
        )
    lines += ["", "Models:", ""]
    lines += [f"- `{m}`: {descriptions[m]}" for m in dict.fromkeys(k[0] for k in runs)]
    lines += ["", "Runs (command, machine, date its last fold finished):", ""]
    for record in {r["command"]: r for r in read_records(jsonl)}.values():
        lines.append(f"- `{record['command']}` ({record['machine']}, {record['date']})")
    write_keeping_notes(markdown, lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    models = _models()
    parser.add_argument("--models", nargs="+", default=["default", "mel-cnn-aug"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args, jsonl, markdown = parse_run_arguments(parser, argv, "environmental", models)
    if args.report:
        write_report(jsonl, markdown)
        return
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        paths, y, groups = make_environmental(folder)
        loader = WaveformLoader()
        X = loader.fit_transform(paths)
        print(
            f"{len(paths)} clips at {FILE_RATE} Hz loaded as {X.shape} at "
            f"{loader.sample_rate_} Hz in {time.perf_counter() - start:.0f} s",
            flush=True,
        )
    splits = make_splits("group", y, groups=groups)
    command = "python benchmarks/bench_environmental.py " + " ".join(sys.argv[1:])
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch thread(s), CPU"
    for name in args.models:
        settings = {"model": name, "epochs": args.epochs, "seed": args.seed}
        estimator = models[name][0](
            max_epochs=args.epochs, random_state=args.seed, device="cpu"
        )

        def progress(line):
            print(line, flush=True)
            date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            records = read_records(jsonl)
            for record in records:
                if "command" not in record:
                    record.update(command=command, machine=machine, date=date)
            jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
            write_report(jsonl, markdown)

        print(f"== {name}", flush=True)
        run_cv(
            estimator,
            X,
            y,
            splits,
            results_path=jsonl,
            settings=settings,
            progress=progress,
        )


if __name__ == "__main__":
    main()
