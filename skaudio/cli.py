"""The ``skaudio`` command: describe data, cross-validate, fit, predict, reproduce."""

import argparse
import contextlib
import copy
import csv
import json
import math
import os
import sys
import time
import unicodedata
import warnings
from collections import Counter
from pathlib import Path

# Only modules that do not import torch are imported here, so that arguments
# are parsed (and --help answered) without it; each command imports what it
# runs.
from . import __version__, _spelling, datasets, experiments
from ._memory import keep_freed_memory
from ._waveforms import CroppedAudioWarning
from .presets import PAPER_MODELS

__all__ = ["main"]


def _table(title, counts):
    width = max(_width(str(k)) for k in counts)
    lines = [f"{title}:"]
    lines += [
        f"  {k}{' ' * (width - _width(str(k)))}  {v:>6}"
        for k, v in sorted(counts.items())
    ]
    return "\n".join(lines)


def _width(text):
    """Columns ``text`` takes in a terminal: accents none, wide (CJK) glyphs two."""
    return sum(
        0
        if unicodedata.combining(c)
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def _say(line):
    print(line, flush=True)


def _prepare_data(args):
    """Load ``--data`` and choose its rate and clip length, saying so once."""
    return experiments.prepare_data(
        args.data,
        layout=args.layout,
        columns=_columns(args),
        sample_rate=args.sample_rate,
        duration=args.duration,
        progress=_say,
    )


def _columns(args):
    return {
        f"{kind}_column": getattr(args, f"{kind}_column")
        for kind in datasets.MANIFEST_COLUMNS
        if getattr(args, f"{kind}_column") is not None
    }


def _describe(args):
    data, chosen = _prepare_data(args)
    print(_table("files per class", Counter(data.target.tolist())))
    if data.groups is not None:
        print(_table("files per group", Counter(data.groups.tolist())))
    start = time.perf_counter()
    X = experiments.make_loader(chosen, n_jobs=args.n_jobs).fit_transform(
        data.filenames
    )
    print(
        f"loaded into an array of shape {X.shape} ({X.dtype}, "
        f"{X.nbytes / 2**20:.1f} MiB) in {time.perf_counter() - start:.2f} s"
    )
    _note_silent_clips(X, data.filenames)


def _note_silent_clips(X, filenames):
    note = experiments.silent_clips(X, filenames)
    if note:
        _note(note)


def _classifier_params(args):
    return {
        "max_epochs": args.epochs,
        "random_state": args.seed,
        "device": args.device,
        "verbose": int(args.verbose),
    }


def _cv(args):
    experiments.run_experiment(
        args.model,
        args.data,
        protocol=args.protocol,
        n_splits=args.n_splits,
        out=args.out,
        layout=args.layout,
        columns=_columns(args),
        sample_rate=args.sample_rate,
        duration=args.duration,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        progress=_say,
        **_classifier_params(args),
    )


def _fit(args):
    import joblib
    from sklearn.pipeline import Pipeline

    from . import persistence

    experiments.check_model_name(args.model)
    _check_output_file(args.output, "model.skaudio")
    if Path(args.output).suffix.lower() == ".onnx":
        raise ValueError(
            f"'skaudio fit' saves skaudio's format, not ONNX: fit to e.g. "
            f"'{Path(args.output).with_suffix('.skaudio')}', then run 'skaudio "
            f"export' on it to write '{args.output}'."
        )
    if args.pickle:
        _check_output_kind(args.output, "fit --pickle", "a pickle", ("pickle",))
    else:
        writes = "skaudio's format (--pickle writes a pickle)"
        _check_output_kind(args.output, "fit", writes, ("skaudio",))
    experiments._check_output_outside_data(args.output, args.data, "output")
    data, chosen = _prepare_data(args)
    # (A manifest is a .csv file, which _check_output_kind refused.)
    inputs = [("a file of the data set", f) for f in data.filenames]
    _check_not_an_input(f"output '{args.output}'", args.output, inputs, "the model")
    _check_replaces_only_models(args.output, args.pickle)
    model = experiments.make_model(
        args.model, sample_rate=chosen["sample_rate"], **_classifier_params(args)
    )
    experiments.check_clip_length(args.model, model, chosen)
    features = experiments.describe_features(model)
    if features:
        _say(features)
    loader = experiments.make_loader(chosen, n_jobs=args.n_jobs)
    epochs = "" if args.verbose else " (--verbose prints each epoch)"
    _say(f"Loading {len(data.filenames)} files and training{epochs} ...")
    start = time.perf_counter()
    # What Pipeline.fit does, with a look at the clips between the two steps.
    X = loader.fit_transform(data.filenames)
    _note_silent_clips(X, data.filenames)
    model.fit(X, data.target)
    loader.set_params(verbose=0)  # the progress bar was this run's, not the model's
    pipe = Pipeline([("load", loader), *model.steps])
    print(
        f"fitted {args.model} on {len(data.filenames)} files in "
        f"{time.perf_counter() - start:.0f} s"
    )
    _create_folder_of(args.output)
    if args.pickle:
        joblib.dump(pipe, args.output)
    else:
        persistence.save(pipe, args.output)
    print(f"saved {args.output}")


def _check_output_file(path, example):
    """Refuse, before any work, an output that cannot be written as a file.

    Creates nothing: :func:`_create_folder_of` makes the missing folders when
    the file is written, so a failed run leaves none behind.
    """
    folder = str(path).endswith(("/", os.sep))
    path = Path(path)
    if folder or path.is_dir():
        raise ValueError(
            f"output '{path}' is a folder; give a file name, e.g. '{path / example}'."
        )
    existing = next(parent for parent in path.parents if parent.exists())
    if not existing.is_dir():
        raise ValueError(
            f"cannot create the folder of output '{path}': '{existing}' is a file."
        )
    if not os.access(existing, os.W_OK):
        raise ValueError(f"cannot write output '{path}': '{existing}' is read-only.")


# Suffixes of the files skaudio reads or writes, by kind.
_FILE_KINDS = {
    "audio": (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff")
    + (".aifc", ".au", ".snd", ".caf", ".w64", ".rf64", ".m4a"),
    "CSV": (".csv",),
    "skaudio": (".skaudio",),
    "pickle": (".joblib", ".pkl", ".pickle"),
    "ONNX": (".onnx",),
}


def _check_output_kind(path, command, writes, kinds):
    """Refuse an output named like a file of another kind than ``kinds``."""
    suffix = Path(path).suffix.lower()
    for kind, suffixes in _FILE_KINDS.items():
        if suffix in suffixes and kind not in kinds:
            good = Path(path).with_suffix("")  # out.onnx.wav: out.onnx
            if good.suffix.lower() not in _FILE_KINDS[kinds[0]]:
                good = Path(path).with_suffix(_FILE_KINDS[kinds[0]][0])
            raise ValueError(
                f"output '{path}' is named like "
                f"{'an' if kind[0].lower() in 'aeiou' else 'a'} "
                f"{kind} file, but 'skaudio {command}' writes {writes} there. Give "
                f"another name, e.g. '{good}'."
            )


def _create_folder_of(path):
    """Make the missing folders of an output checked by _check_output_file."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"cannot create the folder of output '{path}': {exc.strerror}."
        ) from None


def _export(args):
    from .export import export_onnx

    _check_output_file(args.output, "model.onnx")
    _check_output_kind(args.output, "export", "an ONNX model", ("ONNX",))
    _check_not_an_input(
        f"output '{args.output}'", args.output, [("the model", args.model)], "ONNX"
    )
    pipe = _read_model(args.model, args.trust_pickle)
    _create_folder_of(args.output)
    try:
        metadata = export_onnx(
            pipe,
            args.output,
            n_times=args.n_times,
            stft=args.stft,
            per_clip=args.per_clip,
        )
    except ImportError as exc:  # the optional 'export' extra is missing
        raise ValueError(str(exc)) from None
    rate = metadata.get("sample_rate")
    print(
        f"wrote {args.output}: input 'waveforms', float32 (batch, "
        f"{metadata['n_times']}){f' at {rate} Hz' if rate else ''}; output "
        f"'probabilities' over {len(json.loads(metadata['classes']))} classes "
        "(labels in the model's metadata, key 'classes')"
    )


def _info(args):
    from . import export, inference
    from ._waveforms import expected_sample_rate

    pipe = _read_model(args.model, args.trust_pickle)
    steps = pipe.steps if hasattr(pipe, "steps") else [("", pipe)]
    print(
        f"{args.model}: "
        + ", ".join(f"{name} {type(step).__name__}".strip() for name, step in steps)
    )
    loader, model = inference.split_loader(pipe)
    if loader is not None:
        rate = loader.sample_rate_
        length = (
            "each file's own length"
            if loader.duration_ is None
            else f"{loader.duration_:g} s clips ({round(loader.duration_ * rate)} "
            "samples), padded with zeros or cropped"
        )
        channels = "mixed to mono" if loader.mono else "every channel kept"
        print(f"input: audio files resampled to {rate} Hz, {channels}, {length}")
    elif export._takes_waveforms(steps[0][1]):
        rate = expected_sample_rate(step for _, step in steps)
        n_times = export._recorded_length(None, steps)
        length = "" if n_times is None else f", clips of {n_times} samples"
        if rate is not None and n_times is not None:
            length += f" ({n_times / rate:g} s)"
        at = "" if rate is None else f" at {rate} Hz"
        print(
            f"input: waveforms{at}{length}, not files (no WaveformLoader step: "
            "'skaudio predict' needs one)"
        )
    elif hasattr(steps[-1][1], "input_shape_"):
        print(
            "input: arrays of examples of shape "
            f"{tuple(steps[-1][1].input_shape_)} (channels first), not waveforms"
        )
    classes = getattr(model, "classes_", None)
    if classes is not None:
        print(f"classes ({len(classes)}): {', '.join(repr(str(c)) for c in classes)}")
    network = steps[-1][1]
    if hasattr(network, "module_"):
        n_params = sum(p.numel() for p in network.module_.parameters())
        epochs = experiments._count(len(network.history_), "epoch")
        print(f"network: {n_params:,} parameters, trained for {epochs}")


def _read_model(path, trust_pickle):
    """Load a model file; every unreadable file is one ModelFileError.

    A file in skaudio's own format is read as such, with or without
    ``trust_pickle``.
    """
    import joblib

    from . import persistence

    if not trust_pickle or persistence._is_skaudio_file(path):
        model = persistence.load(path)
    else:
        try:
            model = joblib.load(path)
        except Exception as exc:  # unpickling a damaged file can raise anything
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise persistence.ModelFileError(
                path, f"not a readable joblib/pickle file ({detail})"
            ) from None
    _check_fitted_model(path, model)
    return model


def _check_fitted_model(path, model):
    """Raise ValueError naming the file when a step of ``model`` was never fitted."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(model, "predict"):  # a trusted pickle of something else
        raise ValueError(
            f"'{path}' holds a {type(model).__name__}, which cannot predict: give "
            "a file of a classifier (or a pipeline ending in one), as 'skaudio "
            "fit' writes."
        )
    steps = model.steps if hasattr(model, "steps") else [("", model)]
    for name, step in steps:
        if step in (None, "passthrough"):
            continue
        try:
            check_is_fitted(step)
        except NotFittedError:
            which = f" (its step '{name}', a {type(step).__name__})" if name else ""
            raise ValueError(
                f"'{path}' holds a {type(model).__name__} that was never "
                f"fitted{which}: fit it, then save it, or make one with "
                "'skaudio fit'."
            ) from None


def _note(message):
    print(f"skaudio: note: {message}", file=sys.stderr)


# The words of a note that agree with its subject: one file, or several.
_AGREEING = {
    "is": ("is", "are"),
    "was": ("was", "were"),
    "has": ("has", "have"),
    "its": ("its", "their"),
    "label": ("label", "labels"),
    "says": ("says", "say"),
}


def _note_files(changed, paths, message, detail=None):
    """Note ``message`` once about the files of ``changed`` among ``paths``.

    The subject is ``'a.wav' (detail)``, ``2 of the 3 files (e.g. 'a.wav',
    detail)``, ``both files (...)`` or ``all 3 files (...)``; ``{is}``,
    ``{was}`` and the other
    words of ``_AGREEING`` in ``message`` agree with it.
    """
    example = f"'{changed[0]}'"
    if len(changed) == 1:
        subject = example + ("" if detail is None else f" ({detail})")
    else:
        if len(changed) < len(paths):
            some = f"{len(changed)} of the {len(paths)} files"
        else:
            some = "both files" if len(paths) == 2 else f"all {len(paths)} files"
        example += "" if detail is None else f", {detail}"
        subject = f"{some} (e.g. {example})"
    words = {word: forms[len(changed) > 1] for word, forms in _AGREEING.items()}
    _note(f"{subject} {message.format(**words)}")


def _report_clip_changes(paths, rate, n_times, mono=True):
    """Say once how many files are mixed to mono, resampled, padded or cropped.

    Returns the set of the cropped files.
    """
    from .io import audio_info

    infos = [(p, audio_info(p)) for p in paths]
    multichannel = [p for p, i in infos if i.channels > 1]
    if mono and multichannel:
        _note_files(
            multichannel, paths, "{has} two or more channels and {was} mixed to mono."
        )
    resampled = [(p, i) for p, i in infos if i.sample_rate != rate]
    if resampled:
        _note_files(
            [p for p, _ in resampled],
            paths,
            f"{{is}} not at the model's {rate} Hz and {{was}} resampled to it.",
            f"{resampled[0][1].sample_rate} Hz",
        )
    if n_times is None:
        return set()
    lengths = [(p, round(i.n_frames * rate / i.sample_rate)) for p, i in infos]
    length = f"{n_times / rate:g} s"
    shorter = [(p, n) for p, n in lengths if n < n_times]
    # The longest first: the note's example loses the most.
    longer = sorted(((p, n) for p, n in lengths if n > n_times), key=lambda x: -x[1])
    for changed, message in (
        (
            shorter,
            f"{{is}} shorter than the model's {length} clips and {{was}} "
            "padded with zeros.",
        ),
        (
            longer,
            f"{{is}} longer than the model's {length} clips and {{was}} "
            f"cropped to the first {length}; use --window for recordings longer "
            "than a clip.",
        ),
    ):
        if changed:
            detail = f"{changed[0][1] / rate:.3g} s"
            _note_files([p for p, _ in changed], paths, message, detail)
    return {p for p, _ in longer}


def _predict(args):
    from . import inference

    windowed = {"--hop": args.hop, "--aggregate": args.aggregate, "--event": args.event}
    given = [option for option, value in windowed.items() if value is not None]
    if args.window is None and given:
        raise ValueError(
            f"{' and '.join(given)} {'works' if len(given) == 1 else 'work'} on "
            "windows: add --window."
        )
    if args.event is None and (args.threshold, args.min_duration) != (None, None):
        raise ValueError(
            "--threshold and --min-duration set how --event finds events: add "
            "--event LABEL."
        )
    if args.aggregate and args.event is not None:
        raise ValueError(
            "--aggregate (a row per file) and --event (a row per event) are "
            "alternatives: give one of them."
        )
    if args.out:
        _check_output_file(args.out, "predictions.csv")
        _check_output_kind(args.out, "predict", "CSV", ("CSV",))
        inputs = [("the model", args.model), *(("an input", f) for f in args.files)]
        _check_not_an_input(f"--out '{args.out}'", args.out, inputs, "the CSV")
        _check_replaces_only_predictions(args.out)
    pipe = _read_model(args.model, args.trust_pickle)
    loader, model = inference.split_loader(pipe)
    if loader is None:
        raise ValueError(
            f"'{args.model}' holds a {type(pipe).__name__} without a "
            "WaveformLoader first step; 'skaudio predict' needs a pipeline that "
            "starts from files, as 'skaudio fit' saves."
        )
    rate = loader.sample_rate_
    if loader.sample_rate is None:
        # Fitted at the files' own rate: resample new files to it.
        loader = copy.deepcopy(loader).set_params(sample_rate=rate)
    n_times = None if loader.duration_ is None else round(loader.duration_ * rate)
    event = None
    if args.window is not None:  # checked before any row is written
        event = _check_windows(args, model, rate, n_times)
    # Each file is decoded once; a run that reads none writes no header, and
    # leaves --out as it was.
    with _output_stream(args.out) as out:
        if args.window is None:
            problems = _predict_clips(out, args, loader, model, rate, n_times)
        else:
            problems = _predict_recordings(out, args, model, event, rate, n_times)
    if problems:
        raise _SomeFilesFailedError(
            f"{len(problems)} of {len(args.files)} files could not be read "
            "(listed above); the others were predicted."
        )


def _check_replaces_only_predictions(path):
    """Refuse to replace a non-empty file that ``predict`` did not write.

    A CSV of predictions starts with a ``file`` column; any other file there
    (a manifest, say) would be lost.
    """
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        header = file.readline().strip()
    if not header.startswith("file,"):
        shown = header if len(header) <= 60 else header[:57] + "..."
        raise ValueError(
            f"--out '{path}' exists and is not a CSV of 'skaudio predict' (its "
            f"first line is '{shown}'): writing there would replace it. Remove "
            "it first, or give another file name."
        )


def _check_replaces_only_models(path, pickle):
    """Refuse to replace a non-empty file that is not a model file.

    A skaudio model file may be replaced, and with ``pickle`` a pickle (plain
    or compressed) too; any other file there (a recording, say) would be lost.
    """
    from . import persistence

    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return
    if persistence._is_skaudio_file(path):
        return
    with open(path, "rb") as file:
        is_pickle = persistence._pickle_kind(file.read(16)) is not None
    if pickle and is_pickle:
        return
    kind = "a skaudio model file or a pickle" if pickle else "a skaudio model file"
    hint = " (it is a pickle: give --pickle to replace it)" if is_pickle else ""
    raise ValueError(
        f"'{path}' exists and is not {kind}{hint}: saving there would replace "
        "it. Remove it first, or give another file name."
    )


def _check_not_an_input(name, out, inputs, what):
    """Refuse an output that is one of the command's inputs.

    ``inputs`` holds ``(role, path)`` pairs; ``name`` is how the message calls
    the output, ``what`` what would be written there.
    """
    if not os.path.exists(out):  # then writing it replaces nothing
        return
    for role, path in inputs:
        # The same file, also through a link (a stat each: resolving every
        # path took a third of a second per 3,000 files).
        if os.path.exists(path) and os.path.samefile(path, out):
            raise ValueError(
                f"{name} is {role}: writing {what} there would replace it. Give "
                "another file name."
            )


@contextlib.contextmanager
def _output_stream(path):
    """Yield standard output, or a file that replaces ``path`` once complete.

    The rows go to a temporary file beside ``path``; a run that fails or is
    interrupted leaves ``path`` as it was.
    """
    if not path:
        yield sys.stdout
        return
    _create_folder_of(path)
    folder, name = os.path.split(os.path.abspath(path))
    partial = os.path.join(folder, f".{name}.{os.getpid()}.partial")
    out = open(partial, "x", newline="")
    try:
        with out:
            yield out
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


def _probabilities(values):
    return [f"{v:.6f}" for v in values]


def _cannot_read(path, reason):
    if os.path.isdir(path):
        reason += f"; give the audio files in it, e.g. '{Path(path) / '*.wav'}'"
    print(f"skaudio: cannot read '{path}': {reason}", file=sys.stderr)


def _nothing_read(args):
    return ValueError(
        ("the file could not" if len(args.files) == 1 else "no file could")
        + " be read (listed above): nothing was predicted"
        + (f", '{args.out}' not written." if args.out else ".")
    )


def _predict_clips(out, args, loader, model, rate, n_times):
    """Write a row per file; return the unreadable files and why."""
    import numpy as np

    from .io import AudioLoadError

    paths, problems = args.files, {}
    try:
        waveforms = loader.transform(paths)
    except AudioLoadError as exc:
        # The loader tried every file then, and names them all.
        problems = exc.problems
        for path, reason in problems.items():
            _cannot_read(path, reason)
        paths = [p for p in paths if p not in problems]
        if not paths:
            raise _nothing_read(args) from None
        waveforms = loader.transform(paths)
    cropped = _report_clip_changes(paths, rate, n_times, loader.mono)
    peaks = np.abs(waveforms).reshape(len(paths), -1).max(axis=1)
    silent = [p for p, peak in zip(paths, peaks, strict=True) if peak == 0]
    for changed, where in (
        ([p for p in silent if p not in cropped], ""),
        (
            [p for p in silent if p in cropped],
            f" in the first {n_times / rate:g} s, all the model sees",
        ),
    ):
        if changed:
            _note_files(
                changed,
                paths,
                f"{{is}} silent{where} (every sample zero): {{its}} {{label}} "
                "{says} nothing about the audio.",
            )
    classes = model.classes_
    writer = csv.writer(out)
    writer.writerow(["file", "label", *(f"p_{c}" for c in classes)])
    for path, p in zip(paths, model.predict_proba(waveforms), strict=True):
        writer.writerow([path, classes[p.argmax()], *_probabilities(p)])
    return problems


def _hop(args):
    return args.window / 2 if args.hop is None else args.hop


def _check_windows(args, model, rate, n_times):
    """Refuse window options that cannot work with this model, before any output.

    Returns the class of ``--event`` (``None`` without it).
    """
    from . import inference

    n_window, _ = inference._window_samples(args.window, _hop(args), rate)
    front = experiments._front_end(model)
    if front is not None and n_window < front.n_fft:
        shortest = math.ceil(1000 * front.n_fft / rate) / 1000
        raise ValueError(
            f"--window {args.window:g} s ({n_window} samples at {rate} Hz) is "
            f"shorter than the model's {type(front).__name__} window of "
            f"{front.n_fft} samples: its features would be mostly padding. Use "
            f"--window {shortest:g} or longer."
        )
    if _hop(args) < 0.001:  # the CSV's times have three decimals
        given = "--hop" if args.hop is not None else "--hop (half of --window)"
        raise ValueError(
            f"{given} {_hop(args):g} s is shorter than 1 ms, the resolution of the "
            "start and end times written: windows would share their times. Use "
            "--hop 0.001 or longer."
        )
    if n_times is not None and round(args.window * rate) > n_times:
        raise ValueError(
            f"--window {args.window:g} s is longer than the model's "
            f"{n_times / rate:g} s clips: the model would see only the first "
            f"{n_times / rate:g} s of each window. Use --window {n_times / rate:g} "
            "or shorter."
        )
    if args.event is None:
        return None
    # Compared in Unicode's composed form: a label typed as "è" matches one
    # read from a macOS folder name, which stores "e" + a combining accent.
    classes = model.classes_
    labels = [unicodedata.normalize("NFC", str(c)) for c in classes]
    event = unicodedata.normalize("NFC", args.event)
    if event not in labels:
        raise ValueError(
            f"--event {args.event!r} is not one of the model's classes {labels}."
        )
    if len(labels) > 2:
        _note(
            f"the model has {len(labels)} classes: --event {args.event!r} marks "
            f"where p({args.event}) passes the threshold, against the other "
            f"{len(labels) - 1} classes together."
        )
    return classes[labels.index(event)]


def _predict_recordings(out, args, model, event, rate, n_times):
    """Write rows per window or event, a file at a time; return the unreadable."""
    from . import inference
    from .io import AudioLoadError, load_audio

    hop = _hop(args)
    classes = model.classes_
    if event is not None:
        given = {"threshold": args.threshold, "min_duration": args.min_duration}
        event_options = {k: v for k, v in given.items() if v is not None}
        header = ["file", "onset", "offset", "label", "score"]
    elif args.aggregate:
        header = ["file", "label", *(f"{args.aggregate}_{c}" for c in classes)]
    else:
        header = ["file", "start", "end", "label", *(f"p_{c}" for c in classes)]
    if n_times is not None and round(args.window * rate) != n_times:
        _note(
            f"windows of {args.window:g} s are padded with zeros to the model's "
            f"{n_times / rate:g} s clips, which it never saw padded so much; for "
            f"windows this short, fit a model with --duration {args.window:g}."
        )
    writer, problems, read = csv.writer(out), {}, []
    silent, short, without_events = [], [], []
    for path in args.files:
        try:
            waveform, file_rate = load_audio(path, sample_rate=rate)
        except AudioLoadError as exc:
            problems[path] = exc.reason
            _cannot_read(path, exc.reason)
            continue
        if not read:
            writer.writerow(header)
        read.append(path)
        if not waveform.any():
            silent.append(path)
        if waveform.shape[-1] < round(args.window * file_rate):
            short.append(path)
        predictions = inference.predict_windows(
            model,
            waveform,
            sample_rate=file_rate,
            window=args.window,
            hop=hop,
            n_times=n_times,
        )
        if event is not None:
            events = inference.detect_events(predictions, event, **event_options)
            if not events:
                without_events.append(path)
            for e in events:
                writer.writerow(
                    [
                        path,
                        f"{e.onset:.3f}",
                        f"{e.offset:.3f}",
                        args.event,
                        f"{e.score:.6f}",
                    ]
                )
        elif args.aggregate:
            scores = inference.aggregate_windows(predictions, args.aggregate)
            writer.writerow([path, classes[scores.argmax()], *_probabilities(scores)])
        else:
            for start, p in zip(predictions.starts, predictions.proba, strict=True):
                writer.writerow(
                    [
                        path,
                        f"{start:.3f}",
                        f"{min(start + args.window, predictions.duration):.3f}",
                        classes[p.argmax()],
                        *_probabilities(p),
                    ]
                )
    if not read:
        raise _nothing_read(args)
    _report_clip_changes(read, rate, None)
    for changed, message in (
        (short, f"{{is}} shorter than --window {args.window:g} s: padded with zeros."),
        (
            silent,
            "{is} silent (every sample zero): {its} rows say nothing about the audio.",
        ),
        (without_events, f"{{has}} no event of class {args.event!r}: no rows."),
    ):
        if changed:
            _note_files(changed, read, message)
    return problems


def _reproduce(args):
    from . import paper

    paper.reproduce(
        args.models or paper.PAPER_MODELS,
        epochs=args.epochs,
        seed=args.seed,
        out=args.out,
        device=args.device,
        verbose=int(args.verbose),
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        progress=_say,
    )


class _SomeFilesFailedError(Exception):
    """Some inputs failed but the command did what it could with the rest."""


def _at_least(low, kind):
    """Return an argparse type: a number of ``kind`` that is at least ``low``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if not value >= low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text}")
        return value

    return parse


def _positive(kind):
    """Return an argparse type: a number of ``kind`` above zero."""

    def parse(text):
        value = _at_least(float("-inf"), kind)(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
        return value

    return parse


def _non_empty(text):
    """Argparse type: a string that is not empty (an empty path means '.')."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _fraction(text):
    """Argparse type: a number from 0 to 1."""
    value = _at_least(0.0, float)(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be at most 1, got {text}")
    return value


def _n_jobs(text):
    value = _at_least(-1, int)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a number of processes or -1, not 0")
    return value


def _device(text):
    """Check ``--device`` now rather than deep inside the first fit."""
    if text in ("auto", "cpu"):
        return text
    import torch

    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(
            f"expected auto, cpu, cuda or cuda:N, got {text!r}"
        ) from None
    if device.type != "cuda":
        raise argparse.ArgumentTypeError(
            f"expected auto, cpu, cuda or cuda:N, got {text!r}"
        )
    if not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(
            f"{text!r}: no CUDA GPU is visible here; use auto or cpu"
        )
    return text


#: The end of ``cv``'s and ``fit``'s descriptions; ``{}``: the model names.
_MODEL_LIST = (
    "Models: {}. The most accurate so far on voices never heard in training "
    "(FSDD, one speaker held out at a time): mfcc-seq-aug, trained with "
    "--epochs 100; augmented training needs more epochs than the default 30."
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that can end its description with the model names.

    The names come from the networks' registry, which imports torch: they are
    read when the description is shown, so that parsing a command line and
    ``skaudio --help`` do not import torch.

    Parameters
    ----------
    model_list : str, default=None
        Appended to the description with the names in place of ``{}``.
    **kwargs
        Those of :class:`argparse.ArgumentParser`.
    """

    def __init__(self, *, model_list=None, **kwargs):
        self.model_list = model_list
        super().__init__(**kwargs)

    @property
    def description(self):
        if self.model_list is None:
            return self._description
        names = ", ".join(experiments.model_names())
        return f"{self._description} {self.model_list.format(names)}"

    @description.setter
    def description(self, text):
        self._description = text


def _add_data_options(parser):
    parser.add_argument(
        "--data",
        required=True,
        type=_non_empty,
        help="'fsdd' (found through $SKAUDIO_DATA, else downloaded), a CSV "
        "manifest (columns path, label and optionally group/fold/speaker; paths "
        "relative to the CSV), or a folder: ESC-50, UrbanSound8K, Speech "
        "Commands and AudioMNIST are recognised by their layout, any other "
        "folder needs one sub-folder of audio files per class",
    )
    parser.add_argument(
        "--layout",
        default="auto",
        choices=["auto", *datasets.LAYOUTS],
        help="how to read --data when it is not recognised, or 'esc10' for the "
        "ESC-10 subset of an ESC-50 folder (default auto)",
    )
    for kind, names in datasets.MANIFEST_COLUMNS.items():
        parser.add_argument(
            f"--{kind}-column",
            metavar="NAME",
            help=f"the manifest's column of {kind}s (default: the first of "
            f"{', '.join(names)})",
        )
    parser.add_argument(
        "--sample-rate",
        type=_at_least(1000, int),
        help="Hz to resample every file to (default: the rate most files "
        f"have, lowered to {experiments.MAX_SAMPLE_RATE} when above it; of "
        "rates equally common, the first file's, in the order of a manifest's "
        "rows or of a folder's class folders and file names, sorted; files at "
        "other rates are resampled)",
    )
    parser.add_argument(
        "--duration",
        type=_positive(float),
        help="seconds per clip; shorter clips are padded with zeros at the end, "
        "longer ones cropped to their start (default: the length that keeps "
        "99%% of the clips whole)",
    )


def _add_n_jobs_option(parser):
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        help="parallel decoding processes, -1 for one per core (default 1); "
        "starting them takes seconds, so they pay off from thousands of files",
    )


def _add_scheduler_option(parser):
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the folds as tasks on a Dask cluster: the address of its "
        "scheduler (tcp://host:8786), or local:N to start N worker processes "
        "on this machine for the run (needs skaudio[dask]; default: run here)",
    )


def _add_trust_pickle_option(parser):
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="also read joblib/pickle model files (runs code from the file: "
        "only for files from a trusted source); files saved by 'skaudio fit' "
        "without --pickle are read either way",
    )


def _add_training_options(parser):
    parser.add_argument(
        "--epochs",
        type=_positive(int),
        default=30,
        help="passes over the training data (default 30)",
    )
    parser.add_argument(
        "--seed",
        type=_at_least(0, int),
        default=0,
        help="seed of the network's initial weights, the batch order and the "
        "augmentations: the same seed gives the same model (default 0)",
    )
    parser.add_argument(
        "--device",
        default="auto",
        type=_device,
        help="auto (a GPU when there is one), cpu, cuda or cuda:N (default auto)",
    )
    _add_n_jobs_option(parser)
    parser.add_argument(
        "--verbose", action="store_true", help="print skorch's epoch table"
    )


def _parser():
    parser = _Parser(
        prog="skaudio",
        description="Audio classification with CNNs as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"skaudio {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    describe = commands.add_parser(
        "describe",
        help="summarise a data set and load it into waveforms",
        description="Count files per class and group, report sample rates and "
        "durations and the rate and clip length chosen for them, and time "
        "loading every file into fixed-length waveforms.",
    )
    _add_data_options(describe)
    _add_n_jobs_option(describe)
    describe.set_defaults(run=_describe)

    cv = commands.add_parser(
        "cv",
        help="cross-validate a model, saving each fold as it finishes",
        description="Cross-validate a named model. Each fold's result is "
        "appended to OUT/results.jsonl as soon as it is done; rerunning the same "
        "command skips the folds already there. Prints a per-fold table and "
        "writes OUT/folds.csv, OUT/predictions.csv (one row per test clip) and "
        "OUT/confusion.png, which show this command's "
        "settings (results.jsonl keeps the folds of every setting run there).",
        model_list=_MODEL_LIST,
    )
    cv.add_argument("model", help="model name")
    cv.add_argument(
        "--protocol",
        choices=experiments.PROTOCOLS,
        help="group: each group (speaker, official fold) is the test set once, "
        "or --n-splits folds of whole groups; loso: the same, named after "
        "speakers; kfold: stratified k-fold ignoring groups; official: the data "
        "set's own test split (FSDD, Speech Commands). Default: group when the "
        "data of 2 groups or more, else kfold",
    )
    cv.add_argument(
        "--n-splits",
        type=_at_least(2, int),
        help="folds of kfold (default 5), or of group (default: one per group); "
        "the folds are the same whatever --seed",
    )
    cv.add_argument("--out", default="runs/cv", help="output folder (default runs/cv)")
    _add_data_options(cv)
    _add_training_options(cv)
    _add_scheduler_option(cv)
    cv.set_defaults(run=_cv)

    fit = commands.add_parser(
        "fit",
        help="fit a model on a whole data set and save the pipeline",
        description="Fit WaveformLoader + a named model on every file of the data "
        "set (groups are not used: there is no validation split) and save the "
        "fitted pipeline with skaudio.save (JSON + safetensors, loaded without "
        "unpickling).",
        model_list=_MODEL_LIST,
    )
    fit.add_argument("model", help="model name")
    fit.add_argument(
        "output",
        help="file to save the fitted pipeline to, e.g. model.skaudio ('skaudio "
        "export' turns it into ONNX)",
    )
    fit.add_argument(
        "--pickle",
        action="store_true",
        help="save with joblib (pickle) instead of skaudio's safe format",
    )
    _add_data_options(fit)
    _add_training_options(fit)
    fit.set_defaults(run=_fit)

    predict = commands.add_parser(
        "predict",
        help="predict audio files with a saved pipeline",
        description="Write a CSV row per file: the label and the probability "
        "of each class. Files at another sample rate than the model's are "
        "resampled and clips of another length padded or cropped, each said "
        "once on stderr. With --window, long recordings are cut into windows: "
        "a row per window, per file (--aggregate) or per event (--event). "
        "Unreadable files are reported on stderr, the others predicted, and "
        "the exit status is then 1; when no file can be read, no CSV is "
        "written, not even its header.",
    )
    predict.add_argument("model", help="model file saved by 'skaudio fit'")
    predict.add_argument(
        "files",
        nargs="+",
        help="audio files (not folders); put names that start with '-' after "
        "'--', e.g. 'skaudio predict model.skaudio -- -a.wav'",
    )
    predict.add_argument(
        "--out",
        help="CSV file (default: standard output); an existing file is replaced "
        "only if it is a CSV of 'skaudio predict'",
    )
    predict.add_argument(
        "--window",
        type=_positive(float),
        help="window length in seconds, at most the model's clip length "
        "(shorter windows, the last window of a file and a window longer than "
        "the file are padded with zeros; a model fitted with --duration equal "
        "to the window suits it best)",
    )
    predict.add_argument(
        "--hop",
        type=_positive(float),
        help="seconds between windows (default: half the window)",
    )
    predict.add_argument(
        "--aggregate",
        choices=["mean", "max"],
        help="with --window: one row per file, the windows' mean or max "
        "probability per class",
    )
    predict.add_argument(
        "--event",
        metavar="LABEL",
        help="with --window: one row per event of class LABEL (onset, offset, "
        "score), from the windows where it is probable",
    )
    predict.add_argument(
        "--threshold",
        type=_fraction,
        help="with --event: lowest smoothed probability of an event (default 0.5)",
    )
    predict.add_argument(
        "--min-duration",
        type=_at_least(0.0, float),
        help="with --event: shortest event kept, in seconds (default 0)",
    )
    _add_trust_pickle_option(predict)
    predict.set_defaults(run=_predict)

    export = commands.add_parser(
        "export",
        help="write a saved pipeline as one ONNX graph",
        description="Write the pipeline saved by 'skaudio fit' as one ONNX graph "
        "(skaudio.export_onnx) for ONNX Runtime: float32 waveforms at the "
        "model's sample rate and clip length in, class probabilities out, the "
        "class labels in the graph's metadata. The file loader is left out: "
        "give the graph skaudio.fix_length(skaudio.load_audio(path, "
        "sample_rate=RATE)[0], N_TIMES), with RATE and N_TIMES from the "
        "graph's metadata (another resampler "
        "changes the probabilities slightly). Needs skaudio[export].",
    )
    export.add_argument("model", help="model file saved by 'skaudio fit'")
    export.add_argument("output", help="ONNX file to write, e.g. model.onnx")
    export.add_argument(
        "--stft",
        choices=["matmul", "onnx"],
        default="matmul",
        help="the front end's STFT as matrix products (faster under ONNX "
        "Runtime) or as the ONNX STFT operator (default matmul)",
    )
    export.add_argument(
        "--per-clip",
        action="store_true",
        help="run the graph on one clip at a time (an ONNX Scan over the "
        "batch): faster for large batches on a CPU, slower on a GPU",
    )
    export.add_argument(
        "--n-times",
        type=_positive(int),
        metavar="N",
        help="samples per clip, for a model that does not record its clip length "
        "(a pipeline fitted in Python without a WaveformLoader duration)",
    )
    _add_trust_pickle_option(export)
    export.set_defaults(run=_export)

    info = commands.add_parser(
        "info",
        help="show what a saved pipeline expects and predicts",
        description="Print a model file's steps, the sample rate and clip length "
        "its files are loaded at, its classes and the size of its network.",
    )
    info.add_argument("model", help="model file saved by 'skaudio fit'")
    _add_trust_pickle_option(info)
    info.set_defaults(run=_info)

    reproduce = commands.add_parser(
        "reproduce",
        help="the FSDD row of Vrysis et al. (2020), Tables 2 and 3",
        description="Leave-one-speaker-out on FSDD (8 kHz, 1 s, per-sample "
        "normalisation, Adam 1e-3, batch 32) for the paper's eight models; "
        "writes OUT/reproduce.md beside the published numbers and "
        "OUT/reproduce.png. Every model x fold result is saved as it finishes "
        "and a rerun resumes. The full run takes hours on 2 CPU cores: use "
        "--epochs and --models for a quick look.",
    )
    reproduce.add_argument(
        "--models",
        nargs="+",
        choices=PAPER_MODELS,
        metavar="MODEL",
        help=f"subset of: {', '.join(PAPER_MODELS)}",
    )
    _add_training_options(reproduce)
    _add_scheduler_option(reproduce)
    reproduce.add_argument(
        "--out",
        default="benchmarks/results",
        help="output folder (default benchmarks/results)",
    )
    reproduce.set_defaults(run=_reproduce)
    for command in commands.choices.values():
        # argparse reports a sub-command's unknown options with the top-level
        # usage; main() reports them with the sub-command's own.
        command.set_defaults(command_parser=command)
    return parser


def _error_line(exc):
    """Return the message of ``exc`` as one line that starts in lower case.

    As argparse's errors and the other ``skaudio:`` lines do; a name that
    starts the message (``FSDD``, ``MelTransformer``) keeps its capitals.
    """
    line = " ".join(str(exc).split("\n"))
    first = line.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        line = line[0].lower() + line[1:]
    return line


def main(argv=None):
    """Run the ``skaudio`` command line; return its exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success; 1 when the data or a setting was wrong (the message
        says what), or when some files of ``predict`` could not be read; 2
        for a command line that does not parse; 130 when interrupted.
    """
    args, unknown = _parser().parse_known_args(argv)
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if not {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"} & set(os.environ):
        keep_freed_memory()  # faster CPU training; the user's own settings win
    try:
        with _spelling.command_line(), warnings.catch_warnings():
            # The commands note the cropped files themselves, once, as
            # 'skaudio: note:' lines.
            warnings.filterwarnings("ignore", category=CroppedAudioWarning)
            args.run(args)
    except BrokenPipeError:
        # The reader of standard output (e.g. `head`) stopped: not worth a
        # message. Later writes (Python's own flush at exit) go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (
        _SomeFilesFailedError,
        OSError,
        ValueError,  # AudioLoadError among them
        experiments.FoldsFailedError,
    ) as exc:
        print(f"skaudio: error: {_error_line(exc)}", file=sys.stderr)
        return 1
    except MemoryError as exc:
        print(
            f"skaudio: error: not enough memory ({_error_line(exc)}): use a "
            "shorter --duration, a lower --sample-rate or fewer files.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("skaudio: interrupted; finished folds are saved.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
