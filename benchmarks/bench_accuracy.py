"""FSDD leave-one-speaker-out accuracy with and without augmentation and recipe.

Every fold's result is appended to ``benchmarks/results/accuracy.jsonl`` as
soon as it finishes (a rerun skips the folds already saved), and the table of
every run saved so far is written to ``benchmarks/results/accuracy.md``::

    export SKAUDIO_DATA=/path/holding/fsdd
    nice python benchmarks/bench_accuracy.py --models mel-cnn mel-cnn-aug

``--report`` only rewrites the table from the JSON lines. On a GPU machine,
``--device cuda --machine "..."`` labels the rows with that machine; one run
per process, each writing its own ``--results`` file, can share the GPU (the
files are concatenated before ``--report``).
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skaudio import (
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
    WaveformLoader,
)
from skaudio.augment import (
    FrequencyBandGain,
    Mixup,
    RandomTilt,
    SpecAugment,
    SpeedPerturbation,
    TimeShift,
    standard_augmentation,
)
from skaudio.datasets import load_fsdd
from skaudio.experiments import (
    feature_window,
    make_model,
    make_splits,
    run_cv,
    training_recipe,
)
from skaudio.features import MelTransformer, MFCCTransformer
from skaudio.paper import PAPER_FSDD_ACCURACY
from skaudio.preprocessing import PerSampleNormalizer
from skaudio.presets import PAPER_MODELS

RESULTS = Path(__file__).parent / "results"
SAMPLE_RATE = 8000
MACHINE = "2-core CPU VM"
NOTES_MARKER = "Notes (written by hand"


def _mel(rate):
    n_fft = feature_window(rate)
    return MelTransformer(sample_rate=rate, n_fft=n_fft, hop_length=n_fft // 2)


def _mfcc(rate):
    n_fft = feature_window(rate)
    return MFCCTransformer(
        sample_rate=rate, n_fft=n_fft, hop_length=n_fft // 4, n_mfcc=40
    )


def _mel_aug(rate, **params):
    return SpectrogramCNNClassifier(
        frontend=_mel(rate),
        augment=standard_augmentation(),
        **training_recipe(),
        **params,
    )


def mild_augmentation():
    """Return the speed, shift and SpecAugment part of the standard list."""
    return [
        TimeShift(max_shift=0.1, mode="zero"),
        SpeedPerturbation(min_rate=0.9, max_rate=1.1),
        SpecAugment(),
    ]


def _mel_mild(rate, **params):
    return SpectrogramCNNClassifier(
        frontend=_mel(rate), augment=mild_augmentation(), **params
    )


def _mfcc_mild(rate, **params):
    return SequenceCNNClassifier(
        frontend=_mfcc(rate), augment=mild_augmentation(), **params
    )


def _mfcc_seq_aug_of_width(filters):
    """``make_model("mfcc-seq-aug")`` with ``filters`` per block, pinned.

    It had 64 until 2026-11-26 13:50 UTC, 128 until 16:00 and 256 since: each
    row keeps the width it was measured with.
    """

    def make(rate, **params):
        return make_model(
            "mfcc-seq-aug", sample_rate=rate, **{"filters": filters, **params}
        )

    return make


_mfcc_seq_aug_64 = _mfcc_seq_aug_of_width(64)


def _waveform_aug(architecture, *extra):
    def make(rate, **params):
        augment = [a for a in standard_augmentation() if a.domain == "waveform"]
        augment += [clone(a) for a in extra]
        return Pipeline(
            [
                ("norm", PerSampleNormalizer()),
                (
                    "cnn",
                    WaveformCNNClassifier(
                        architecture=architecture,
                        sample_rate=rate,
                        augment=augment,
                        **training_recipe(),
                        **params,
                    ),
                ),
            ]
        )

    return make


# name: (factory(sample_rate, **classifier params), description)
MODELS = {
    "mel-cnn": (
        lambda rate, **p: make_model("mel-cnn", sample_rate=rate, **p),
        "make_model('mel-cnn'): MelTransformer(64 mels) + SpectrogramCNNClassifier(), "
        "Adam 1e-3",
    ),
    "mel-cnn-aug": (
        _mel_aug,
        "SpectrogramCNNClassifier(frontend=MelTransformer(64 mels), "
        "augment=standard_augmentation()) + recipe",
    ),
    "bcresnet-aug": (
        lambda rate, **p: _mel_aug(rate, architecture="bcresnet", **p),
        "same, architecture='bcresnet'",
    ),
    "mel-cnn-recipe": (
        lambda rate, **p: make_model(
            "mel-cnn", sample_rate=rate, **training_recipe(), **p
        ),
        "make_model('mel-cnn') + recipe, no augmentation",
    ),
    "bcresnet": (
        lambda rate, **p: make_model(
            "mel-cnn", sample_rate=rate, architecture="bcresnet", **p
        ),
        "make_model('mel-cnn') with architecture='bcresnet' (24k parameters), Adam "
        "1e-3, no augmentation",
    ),
    "mfcc-seq": (
        lambda rate, **p: make_model("mfcc-seq", sample_rate=rate, **p),
        "make_model('mfcc-seq'): 40 MFCC sequence + SequenceCNNClassifier(), Adam",
    ),
    "mfcc-seq-aug": (
        _mfcc_seq_aug_64,
        "make_model('mfcc-seq-aug') until 2026-11-26: SequenceCNNClassifier("
        "frontend=MFCCTransformer(40, sequence), augment=standard_augmentation(), "
        "filters=64) + recipe",
    ),
    "mel-cnn-mild": (
        _mel_mild,
        "SpectrogramCNNClassifier(frontend=MelTransformer(64 mels), "
        "augment=[TimeShift(0.1, zero), SpeedPerturbation(0.9-1.1), SpecAugment()]), "
        "Adam 1e-3",
    ),
    "mfcc-seq-mild": (
        _mfcc_mild,
        "SequenceCNNClassifier(frontend=MFCCTransformer(40, sequence), "
        "augment=[TimeShift(0.1, zero), SpeedPerturbation(0.9-1.1), SpecAugment()]), "
        "Adam 1e-3",
    ),
}
# The paper's eight presets (as `skaudio reproduce` builds them) with the
# waveform part of standard_augmentation() and the recipe.
MODELS.update(
    (
        f"{preset}-aug",
        (
            _waveform_aug(preset),
            f"PerSampleNormalizer + WaveformCNNClassifier('{preset}', waveform "
            "part of standard_augmentation()) + recipe",
        ),
    )
    for preset in PAPER_MODELS
)
# The same with Mixup added (issue 12: the presets still below their goal).
MODELS.update(
    (
        f"{preset}-aug-mixup",
        (
            _waveform_aug(preset, Mixup()),
            f"`{preset}-aug` with Mixup() added to its augmentations",
        ),
    )
    for preset in PAPER_MODELS
)
# The same with RandomTilt added (george's recordings are brighter than the
# other speakers': about 3 dB per octave more above 250 Hz).
MODELS.update(
    (
        f"{preset}-aug{mixup}-tilt",
        (
            _waveform_aug(preset, *extra, RandomTilt()),
            f"`{preset}-aug{mixup}` with RandomTilt() added to its augmentations",
        ),
    )
    for preset in PAPER_MODELS
    for mixup, extra in (("", ()), ("-mixup", (Mixup(),)))
)
# The recommended pipeline without augmentation, and with each augmentation
# of standard_augmentation() alone.
MODELS["mfcc-seq-recipe"] = (
    lambda rate, **p: _mfcc_seq_aug_64(rate, augment=None, **p),
    "`mfcc-seq-aug` (64 filters) with augment=None: the front end inside the "
    "classifier and the recipe, no augmentation",
)
MODELS.update(
    (
        f"mfcc-seq-only-{type(augmentation).__name__}",
        (
            lambda rate, augmentation=augmentation, **p: _mfcc_seq_aug_64(
                rate, augment=[augmentation], **p
            ),
            f"`mfcc-seq-aug` (64 filters) with augment=[{augmentation!r}]",
        ),
    )
    for augmentation in standard_augmentation()
)
# The recommended pipeline with one more augmentation that is not in
# standard_augmentation().
MODELS.update(
    (
        f"mfcc-seq-aug-{type(augmentation).__name__}",
        (
            lambda rate, augmentation=augmentation, **p: _mfcc_seq_aug_64(
                rate, augment=[*standard_augmentation(), augmentation], **p
            ),
            "`mfcc-seq-aug` (64 filters) with augment=[*standard_augmentation(), "
            f"{augmentation!r}]",
        ),
    )
    for augmentation in (Mixup(), FrequencyBandGain())
)
# The recommended pipeline with a wider speed range (speakers' vocal tracts
# differ by more than the ±10 % of the standard list).
MODELS["mfcc-seq-aug-speed-0.8-1.25"] = (
    lambda rate, **p: _mfcc_seq_aug_64(
        rate,
        augment=[
            SpeedPerturbation(min_rate=0.8, max_rate=1.25)
            if isinstance(a, SpeedPerturbation)
            else a
            for a in standard_augmentation()
        ],
        **p,
    ),
    "`mfcc-seq-aug` (64 filters) with SpeedPerturbation(0.8, 1.25) in place of "
    "(0.9, 1.1)",
)
# The recommended pipeline with a wider or deeper network.
MODELS["mfcc-seq-aug-128-filters"] = (
    _mfcc_seq_aug_of_width(128),
    "make_model('mfcc-seq-aug') from 2026-11-26 13:50 to 16:00 UTC: "
    "filters=128, otherwise as `mfcc-seq-aug`",
)
MODELS["mfcc-seq-aug-256-filters"] = (
    _mfcc_seq_aug_of_width(256),
    "make_model('mfcc-seq-aug') since 2026-11-26 16:00 UTC: filters=256, "
    "otherwise as `mfcc-seq-aug`",
)
MODELS["mfcc-seq-aug-256-filters-RandomTilt"] = (
    lambda rate, **p: _mfcc_seq_aug_of_width(256)(
        rate, augment=[*standard_augmentation(), RandomTilt()], **p
    ),
    "`mfcc-seq-aug-256-filters` with augment=[*standard_augmentation(), RandomTilt()]",
)
MODELS["mfcc-seq-aug-3-blocks"] = (
    lambda rate, **p: _mfcc_seq_aug_64(rate, n_blocks=3, **p),
    "`mfcc-seq-aug` (64 filters) with n_blocks=3 (default 2)",
)
RECIPE_TEXT = (
    "recipe: AdamW (lr 1e-3, weight decay 0.05), label smoothing 0.1, cosine "
    "learning-rate schedule; standard_augmentation() (the `-aug` rows): "
    "TimeShift(0.1, zero), "
    "RandomGain(±6 dB), SpeedPerturbation(0.9-1.1), RandomFilter(), "
    "AddNoise(10-40 dB, mixed colours), SpecAugment(0.15, 0.1, 2+2 masks)"
)


def read_records(path):
    """Return the records of a JSON-lines results file (none when missing)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _reference_rows(speakers):
    """Earlier LOSO runs of the same pipelines by ``bench_spectrogram.py``."""
    path = RESULTS / "spectrogram.jsonl"
    runs = {}
    for record in read_records(path):
        if record.get("protocol") == "loso" and record.get("epochs") == 30:
            runs.setdefault(record["model"], {})[record["fold"]] = record
    lines = []
    for model in ("mel-cnn", "mfcc-seq"):
        folds = runs.get(model, {})
        if set(folds) != set(speakers):
            continue
        accs = [folds[s]["accuracy"] * 100 for s in speakers]
        seconds = np.mean([folds[s]["train_seconds"] for s in speakers])
        cells = " | ".join(f"{a:.1f}" for a in accs)
        lines.append(
            f"| {model} (earlier run: `spectrogram.jsonl`, bench_spectrogram.py, "
            f"2026-11-22) | 30 | 0 | {np.mean(accs):.1f} ± {np.std(accs):.1f} | "
            f"{cells} | {seconds:.0f} |"
        )
    return lines


def _paper_rows(runs, speakers):
    """Lines comparing each paper preset with augmentation to Table 2."""
    plain = {}
    for record in read_records(RESULTS / "reproduce.jsonl"):
        if record.get("epochs") == 30 and record.get("seed") == 0:
            plain.setdefault(record["model"], []).append(record["accuracy"] * 100)
    lines = [
        "",
        "Paper presets with augmentation against Table 2 (goal: the published "
        "mean + 5 points; 'without' is `skaudio reproduce --epochs 30 --seed 0`, "
        "`reproduce.md`, on the 2-core CPU machine):",
        "",
        "| preset | machine | with augmentation % | without % | paper % | goal % "
        "| goal met | train s / fold |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (model, epochs, seed, machine), folds in runs.items():
        # "lv-18-aug-mixup-tilt" -> "lv-18-aug", with Mixup and RandomTilt
        tilted = model.removesuffix("-tilt")
        augmented = tilted.removesuffix("-mixup")
        preset = augmented.removesuffix("-aug")
        if augmented == preset or preset not in PAPER_MODELS:
            continue
        extras = [
            name
            for name, added in (
                ("Mixup", augmented != tilted),
                ("RandomTilt", tilted != model),
            )
            if added
        ]
        if set(folds) != set(speakers):
            continue
        accs = [folds[s]["accuracy"] * 100 for s in speakers]
        seconds = np.mean([r["train_seconds"] for r in folds.values()])
        without = plain.get(preset, [])
        without = f"{np.mean(without):.1f}" if len(without) == len(speakers) else "–"
        paper = PAPER_FSDD_ACCURACY[preset]
        if paper is None:
            published, goal, met = "not reported", "–", "–"
        else:
            published, goal = f"{paper[0]:.1f}", f"{paper[0] + 5:.1f}"
            met = "yes" if np.mean(accs) >= paper[0] + 5 else "no"
        lines.append(
            f"| {' + '.join([preset, *extras])} ({epochs} epochs, seed {seed}) "
            f"| {machine} | "
            f"{np.mean(accs):.1f} ± {np.std(accs):.1f} | {without} | {published} | "
            f"{goal} | {met} | {seconds:.0f} |"
        )
    return lines


def write_report(jsonl, markdown):
    """Write the Markdown table of every run in ``jsonl``."""
    runs = {}
    for record in read_records(jsonl):
        key = (
            record["model"],
            record["epochs"],
            record["seed"],
            record.get("machine", MACHINE),
        )
        runs.setdefault(key, {})[record["fold"]] = record
    speakers = sorted({fold for folds in runs.values() for fold in folds})
    header = " | ".join(speakers)
    lines = [
        "# FSDD leave-one-speaker-out: augmentation, recipe and presets",
        "",
        "Script: `benchmarks/bench_accuracy.py` (one JSON line per fold in "
        "`accuracy.jsonl`). Rows without a machine of their own ran on the "
        + MACHINE
        + " (x86_64, no GPU), shared with other jobs (under `nice`, one torch "
        "thread), so "
        "their training times are inflated and vary between runs. 8 kHz, 1 s "
        "clips; accuracy after the last epoch; no early stopping; nothing tuned "
        "on the test speaker. The ± in the tables is the standard deviation "
        "over the six speakers (population, ddof 0).",
        "",
        RECIPE_TEXT + ".",
        "",
        f"| model | machine | epochs | seed | mean ± std % | {header} | "
        "train s / fold |",
        "|---|---|---|---|---|" + "---|" * len(speakers) + "---|",
    ]
    for (model, epochs, seed, machine), folds in runs.items():
        accs = [folds[s]["accuracy"] * 100 for s in speakers if s in folds]
        cells = [
            f"{folds[s]['accuracy'] * 100:.1f}" if s in folds else "–" for s in speakers
        ]
        seconds = np.mean([r["train_seconds"] for r in folds.values()])
        partial = "" if len(accs) == len(speakers) else f" ({len(accs)} folds)"
        lines.append(
            f"| {model} | {machine} | {epochs} | {seed} | {np.mean(accs):.1f} ± "
            f"{np.std(accs):.1f}{partial} | {' | '.join(cells)} | {seconds:.0f} |"
        )
    lines += _reference_rows(speakers)
    lines += _paper_rows(runs, speakers)
    lines += ["", "Models:", ""]
    for model in dict.fromkeys(key[0] for key in runs):
        lines.append(f"- `{model}`: {MODELS[model][1]}")
    lines += ["", "Runs (command, date its last fold finished):", ""]
    for record in {r["command"]: r for r in read_records(jsonl)}.values():
        lines.append(f"- `{record['command']}` ({record['date']})")
    write_keeping_notes(markdown, lines)


def write_keeping_notes(markdown, lines):
    """Write ``lines`` to ``markdown``, keeping the notes written by hand.

    The notes are everything from ``NOTES_MARKER`` to the end of the file.
    """
    old = markdown.read_text() if markdown.exists() else ""
    notes = old[old.find(NOTES_MARKER) :] if NOTES_MARKER in old else ""
    markdown.write_text("\n".join(lines) + "\n" + ("\n" + notes if notes else ""))


def parse_run_arguments(parser, argv, stem, models):
    """Add ``--results``, ``--markdown`` and ``--report``, parse, check ``--models``.

    Returns
    -------
    args : argparse.Namespace
    jsonl, markdown : pathlib.Path
        The results file (default ``results/STEM.jsonl``) and its table
        (``results/STEM.md``).
    """
    parser.add_argument("--results", default=str(RESULTS / f"{stem}.jsonl"))
    parser.add_argument("--markdown", default=str(RESULTS / f"{stem}.md"))
    parser.add_argument("--report", action="store_true", help="only write the table")
    args = parser.parse_args(argv)
    for name in [] if args.report else args.models:
        if name not in models:
            parser.error(f"unknown model {name!r}; choose from {sorted(models)}")
    return args, Path(args.results), Path(args.markdown)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mel-cnn", "mel-cnn-aug"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--folds", nargs="+", metavar="SPEAKER", help="only these test speakers"
    )
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument(
        "--machine",
        help=f"label of the machine, stored in each record (default: {MACHINE})",
    )
    args, jsonl, markdown = parse_run_arguments(parser, argv, "accuracy", MODELS)
    if args.report:
        write_report(jsonl, markdown)
        return
    torch.set_num_threads(args.threads)
    bunch = load_fsdd()
    start = time.perf_counter()
    X = WaveformLoader(sample_rate=SAMPLE_RATE, duration=1.0).fit_transform(
        bunch.filenames
    )
    y = np.asarray(bunch.target)
    print(f"loaded {X.shape} in {time.perf_counter() - start:.0f} s", flush=True)
    splits = make_splits("loso", y, groups=bunch.groups)
    if args.folds:
        unknown = sorted(set(args.folds) - {fold for fold, _, _ in splits})
        if unknown:
            parser.error(f"--folds: no speaker {unknown} in FSDD")
        splits = [split for split in splits if split[0] in args.folds]
    command = "python benchmarks/bench_accuracy.py " + " ".join(sys.argv[1:])
    for seed in args.seeds:
        for name in args.models:
            estimator = MODELS[name][0](
                SAMPLE_RATE,
                max_epochs=args.epochs,
                random_state=seed,
                device=args.device,
            )
            settings = {
                "model": name,
                "epochs": args.epochs,
                "seed": seed,
                "torch_threads": torch.get_num_threads(),
            }
            if args.machine:
                settings["machine"] = args.machine
            print(f"== {name} seed {seed}", flush=True)

            def progress(line, settings=settings):
                print(line, flush=True)
                _stamp(jsonl, settings, command)
                write_report(jsonl, markdown)

            run_cv(
                estimator,
                X,
                y,
                splits,
                results_path=jsonl,
                settings=settings,
                progress=progress,
            )


def _stamp(jsonl, settings, command):
    """Add the command and date to the records of ``settings`` lacking them."""
    records = read_records(jsonl)
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    changed = False
    for record in records:
        if "command" not in record and all(
            record.get(k) == v for k, v in settings.items()
        ):
            record["command"], record["date"] = command, date
            changed = True
    if changed:
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))


if __name__ == "__main__":
    main()
