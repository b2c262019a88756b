"""``skaudio fit`` / ``skaudio predict``: model files, mismatched clips, windows."""

import argparse
import csv
import io
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from unittest import mock

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline

import skaudio
from skaudio import (
    CroppedAudioWarning,
    MelTransformer,
    SpectrogramCNNClassifier,
    WaveformLoader,
    cli,
    load,
    save,
)
from skaudio.cli import main
from skaudio.datasets import make_tones
from skaudio.persistence import _MAGIC

RATE = 8000


@pytest.fixture(scope="module")
def tone_folder(tmp_path_factory):
    """Noise and noisy 1 kHz tones, 0.25 s at 8 kHz, in class folders."""
    root = tmp_path_factory.mktemp("tones") / "data"
    rng = np.random.default_rng(0)
    t = np.arange(2000) / RATE
    for label in ("noise", "tone"):
        (root / label).mkdir(parents=True)
        for i in range(20):
            x = rng.normal(0, 0.2, 2000)
            if label == "tone":
                x += 0.8 * np.sin(2 * np.pi * 1000 * t + rng.uniform(0, 6))
            sf.write(root / label / f"{i}.wav", x, RATE)
    return root


@pytest.fixture(scope="module")
def model_file(tone_folder, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tones.skaudio"
    argv = ["fit", "simple", str(path), "--data", str(tone_folder)]
    argv += ["--duration", "0.25", "--epochs", "15", "--device", "cpu"]
    assert main(argv) == 0
    return path


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_fit_writes_the_safe_format_and_predict_reads_it(
    model_file, tone_folder, capsys
):
    assert model_file.read_bytes().startswith(_MAGIC)
    assert load(model_file)[0].duration == 0.25
    files = [str(tone_folder / "tone" / "0.wav"), str(tone_folder / "noise" / "0.wav")]
    capsys.readouterr()
    assert main(["predict", str(model_file), *files]) == 0
    captured = capsys.readouterr()
    rows = _rows(captured.out)
    assert [r["label"] for r in rows] == ["tone", "noise"]
    assert captured.err == ""  # nothing resampled, padded or cropped


def test_info_shows_rate_length_and_classes(model_file, capsys):
    capsys.readouterr()
    assert main(["info", str(model_file)]) == 0
    network = load(model_file)[-1].module_
    n_params = sum(p.numel() for p in network.parameters())
    assert capsys.readouterr().out.splitlines() == [
        f"{model_file}: load WaveformLoader, norm PerSampleNormalizer, "
        "cnn WaveformCNNClassifier",
        "input: audio files resampled to 8000 Hz, mixed to mono, 0.25 s clips "
        "(2000 samples), padded with zeros or cropped",
        "classes (2): 'noise', 'tone'",
        f"network: {n_params:,} parameters, trained for 15 epochs",
    ]
    assert main(["info", str(model_file) + ".missing"]) == 1
    _one_line_error(capsys, "file does not exist")


def test_info_of_a_pipeline_without_loader(tmp_path, capsys):
    X, y = make_tones(8, n_classes=2, duration=0.25, random_state=0)
    mel = MelTransformer(sample_rate=RATE, n_fft=256, hop_length=128, n_mels=16)
    pipe = make_pipeline(mel, SpectrogramCNNClassifier(max_epochs=1, random_state=0))
    for shape, length in ((X.shape, ", clips of 2000 samples (0.25 s)"), (None, "")):
        pipe.fit(X if shape else X[:, np.newaxis], y)
        save(pipe, tmp_path / "m.skaudio")
        assert main(["info", str(tmp_path / "m.skaudio")]) == 0
        assert capsys.readouterr().out.splitlines()[1] == (
            f"input: waveforms at 8000 Hz{length}, not files (no WaveformLoader "
            "step: 'skaudio predict' needs one)"
        )
    # A classifier of spectrograms alone: its input is no waveform.
    save(pipe[-1].fit(mel.fit_transform(X), y), tmp_path / "m.skaudio")
    assert main(["info", str(tmp_path / "m.skaudio")]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "input: arrays of examples of shape (1, 16, 16) (channels first), not waveforms"
    )


def test_a_silent_file_is_said(model_file, tone_folder, tmp_path, capsys):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(2000), RATE)
    wav = str(tone_folder / "tone" / "4.wav")
    capsys.readouterr()
    assert main(["predict", str(model_file), wav, str(silent)]) == 0
    captured = capsys.readouterr()
    assert [r["file"] for r in _rows(captured.out)] == [wav, str(silent)]
    assert captured.err == (
        f"skaudio: note: '{silent}' is silent (every sample zero): its label says "
        "nothing about the audio.\n"
    )
    # Silent in the part the model sees, not in the whole file.
    late = tmp_path / "late.wav"
    sf.write(late, np.r_[np.zeros(2000), sf.read(wav)[0]], RATE)
    assert main(["predict", str(model_file), str(late)]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"skaudio: note: '{late}' is silent in the first 0.25 s, all the model "
        "sees (every sample zero): its label says nothing about the audio."
    )


def test_pickles_only_behind_an_explicit_option(tone_folder, tmp_path, capsys):
    path = tmp_path / "m.joblib"
    argv = ["fit", "simple", str(path), "--data", str(tone_folder), "--pickle"]
    assert main([*argv, "--duration", "0.25", "--epochs", "1"]) == 0
    wav = str(tone_folder / "tone" / "1.wav")
    capsys.readouterr()
    assert main(["predict", str(path), wav]) == 1
    _one_line_error(
        capsys, str(path), "give --trust-pickle to read it only if you trust its"
    )
    assert main(["predict", str(path), wav, "--trust-pickle"]) == 0
    assert _rows(capsys.readouterr().out)[0]["file"] == wav


def test_trust_pickle_still_reads_the_safe_format(model_file, tone_folder, capsys):
    wav = str(tone_folder / "tone" / "1.wav")
    assert main(["predict", str(model_file), wav, "--trust-pickle"]) == 0
    assert _rows(capsys.readouterr().out)[0]["label"] == "tone"


def test_no_file_read_says_nothing_was_predicted(
    model_file, tone_folder, tmp_path, capsys
):
    assert main(["predict", str(model_file), str(tone_folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # no rows, no header
    assert captured.err == (
        f"skaudio: cannot read '{tone_folder}': is a directory, not a file; give "
        f"the audio files in it, e.g. '{tone_folder / '*.wav'}'\n"
        "skaudio: error: the file could not be read (listed above): nothing was "
        "predicted.\n"
    )
    # With --out, an earlier CSV stays as it was.
    (tmp_path / "bad.wav").write_text("not audio")
    out = tmp_path / "p.csv"
    out.write_text("file,label\nearlier.wav,low\n")
    argv = ["predict", str(model_file), str(tmp_path / "bad.wav"), str(tmp_path / "x")]
    assert main([*argv, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.endswith(
        "skaudio: error: no file could be read (listed above): nothing was "
        f"predicted, '{out}' not written.\n"
    )
    assert out.read_text() == "file,label\nearlier.wav,low\n"


def test_a_model_never_fitted_gives_one_line(tmp_path, capsys):
    wav = str(tmp_path / "x.wav")
    sf.write(wav, np.zeros(2000), RATE)
    unfitted, onnx = tmp_path / "unfitted.skaudio", str(tmp_path / "u.onnx")
    save(
        make_pipeline(WaveformLoader(), MelTransformer(), SpectrogramCNNClassifier()),
        unfitted,
    )
    for command, more in (("info", []), ("predict", [wav]), ("export", [onnx])):
        assert main([command, str(unfitted), *more]) == 1
        _one_line_error(
            capsys,
            f"skaudio: error: '{unfitted}' holds a Pipeline that was never fitted "
            "(its step 'waveformloader', a WaveformLoader): fit it",
        )
    assert not Path(onnx).exists()
    # A trusted pickle of something else is no model either.
    joblib.dump({"a": 1}, tmp_path / "d.joblib")
    assert main(["info", str(tmp_path / "d.joblib"), "--trust-pickle"]) == 1
    _one_line_error(capsys, "holds a dict, which cannot predict: give a file of")
    # So is a pipeline without a classifier.
    save(make_pipeline(WaveformLoader(), MelTransformer()), unfitted)
    assert main(["info", str(unfitted)]) == 1
    _one_line_error(capsys, "holds a Pipeline, which cannot predict")


@pytest.mark.parametrize("trust", [False, True])
def test_unreadable_model_files_give_one_line(model_file, tmp_path, capsys, trust):
    wav = str(tmp_path / "x.wav")
    sf.write(wav, np.zeros(2000), RATE)
    option = ["--trust-pickle"] if trust else []
    (tmp_path / "notamodel.joblib").write_text("this is not a model\n")
    truncated = tmp_path / "truncated.skaudio"
    truncated.write_bytes(model_file.read_bytes()[:-500])
    cut_pickle = tmp_path / "cut.joblib"
    cut_pickle.write_bytes(b"\x80\x04\x95")
    for bad in ["notamodel.joblib", "truncated.skaudio", "cut.joblib", "missing"]:
        assert main(["predict", str(tmp_path / bad), wav, *option]) == 1
        _one_line_error(capsys, "skaudio: error: cannot load model file", bad)
    # The folder of --out is made only when the CSV is written.
    out = tmp_path / "new" / "p.csv"
    assert main(["predict", str(tmp_path / "missing"), wav, "--out", str(out)]) == 1
    _one_line_error(capsys, "cannot load model file")
    assert not out.parent.exists()


def test_mismatched_rate_and_length_are_fixed_and_said_once(
    model_file, tmp_path, capsys, recwarn
):
    rng = np.random.default_rng(1)
    t16 = np.arange(4000) / 16000
    tone16 = 0.8 * np.sin(2 * np.pi * 1000 * t16) + rng.normal(0, 0.2, 4000)
    sf.write(tmp_path / "a16k.wav", tone16, 16000)
    sf.write(tmp_path / "b16k.wav", tone16, 16000)
    long = rng.normal(0, 0.2, (RATE, 2))  # 1 s of stereo noise: cropped, mixed
    sf.write(tmp_path / "long.wav", long, RATE)
    sf.write(tmp_path / "longer.wav", rng.normal(0, 0.2, 2 * RATE), RATE)
    sf.write(tmp_path / "short.wav", rng.normal(0, 0.2, RATE // 10), RATE)
    names = ["a16k.wav", "b16k.wav", "long.wav", "longer.wav", "short.wav"]
    files = [str(tmp_path / n) for n in names]
    assert main(["predict", str(model_file), *files]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"skaudio: note: '{files[2]}' has two or more channels and was mixed to mono.",
        f"skaudio: note: 2 of the 5 files (e.g. '{files[0]}', 16000 Hz) are not "
        "at the model's 8000 Hz and were resampled to it.",
        f"skaudio: note: '{files[4]}' (0.1 s) is shorter than the model's 0.25 s "
        "clips and was padded with zeros.",
        # The example is the file cropped the most.
        f"skaudio: note: 2 of the 5 files (e.g. '{files[3]}', 2 s) are longer than "
        "the model's 0.25 s clips and were cropped to the first 0.25 s; use "
        "--window for recordings longer than a clip.",
    ]
    # Said once: the loader's CroppedAudioWarning is not shown besides the note.
    assert not [w for w in recwarn if issubclass(w.category, CroppedAudioWarning)]
    rows = _rows(captured.out)[:3]
    files = files[:3]
    assert [r["label"] for r in rows] == ["tone", "tone", "noise"]
    # The same numbers as the pipeline given the resampled, cropped waveforms.
    pipe = load(model_file)
    expected = pipe.predict_proba(files)
    got = [[float(r["p_noise"]), float(r["p_tone"])] for r in rows]
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """4 s of noise with the tone from 1.5 s to 2.5 s."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.2, 4 * RATE)
    x[12000:20000] += 0.8 * np.sin(2 * np.pi * 1000 * np.arange(8000) / RATE)
    path = tmp_path_factory.mktemp("rec") / "recording.wav"
    sf.write(path, x, RATE)
    return str(path)


def test_predict_windows_rows_aggregate_and_events(model_file, recording, capsys):
    base = ["predict", str(model_file), recording, "--window", "0.25"]
    assert main([*base, "--hop", "0.125"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows) == 31
    assert [r["start"] for r in rows[:3]] == ["0.000", "0.125", "0.250"]
    assert rows[0]["end"] == "0.250"
    tone = [float(r["start"]) for r in rows if r["label"] == "tone"]
    assert 1.3 <= min(tone) and max(tone) <= 2.5

    assert main([*base, "--aggregate", "max"]) == 0
    (row,) = _rows(capsys.readouterr().out)
    assert row["label"] == "tone" and set(row) >= {"max_noise", "max_tone"}

    assert main([*base, "--hop", "0.125", "--event", "tone"]) == 0
    (event,) = _rows(capsys.readouterr().out)
    assert abs(float(event["onset"]) - 1.5) <= 0.25
    assert abs(float(event["offset"]) - 2.5) <= 0.25
    assert event["label"] == "tone" and float(event["score"]) >= 0.5
    argv = [*base, "--event", "tone", "--min-duration", "2"]
    assert main(argv) == 0
    assert _rows(capsys.readouterr().out) == []


def test_window_mode_names_silent_short_and_eventless_files(
    model_file, recording, tmp_path, capsys
):
    silent, short = tmp_path / "silent.wav", tmp_path / "short.wav"
    sf.write(silent, np.zeros(2 * RATE), RATE)
    sf.write(short, np.random.default_rng(3).normal(0, 0.2, 1000), RATE)
    argv = ["predict", str(model_file), str(silent), str(short), recording]
    assert main([*argv, "--window", "0.25", "--event", "tone"]) == 0
    captured = capsys.readouterr()
    notes = captured.err.splitlines()
    assert notes[:2] == [
        f"skaudio: note: '{short}' is shorter than --window 0.25 s: padded with zeros.",
        f"skaudio: note: '{silent}' is silent (every sample zero): its rows say "
        "nothing about the audio.",
    ]
    with_rows = {r["file"] for r in _rows(captured.out)}
    without = [f for f in map(str, (silent, short, recording)) if f not in with_rows]
    assert recording in with_rows and str(short) in without
    subject = f"'{short}' has" if len(without) == 1 else "2 of the 3 files (e.g."
    assert notes[2:] == [notes[2]] and notes[2].startswith(f"skaudio: note: {subject}")
    assert notes[2].endswith("no event of class 'tone': no rows.")


def test_notes_about_some_files_name_them_in_words(capsys):
    from skaudio.cli import _note_files

    for changed, paths in ((["a"], ["a", "b"]), (["a", "b"], ["a", "b"])):
        _note_files(changed, paths, "{is} fine.")
    _note_files(["a", "b"], ["a", "b", "c"], "{is} fine.", "8 kHz")
    _note_files(["a", "b", "c"], ["a", "b", "c"], "{is} fine.")
    assert capsys.readouterr().err.splitlines() == [
        "skaudio: note: 'a' is fine.",
        "skaudio: note: both files (e.g. 'a') are fine.",
        "skaudio: note: 2 of the 3 files (e.g. 'a', 8 kHz) are fine.",
        "skaudio: note: all 3 files (e.g. 'a') are fine.",
    ]


def test_an_event_of_a_model_of_more_classes_is_said(tmp_path, recording, capsys):
    rng = np.random.default_rng(4)
    for label in ("a", "b", "c"):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(3):
            sf.write(
                tmp_path / "data" / label / f"{i}.wav", rng.normal(0, 0.2, 2000), RATE
            )
    model = tmp_path / "three.skaudio"
    argv = ["fit", "simple", str(model), "--data", str(tmp_path / "data")]
    assert main([*argv, "--duration", "0.25", "--epochs", "1"]) == 0
    capsys.readouterr()
    argv = ["predict", str(model), recording, "--window", "0.25", "--event", "b"]
    assert main(argv) == 0
    assert (
        "skaudio: note: the model has 3 classes: --event 'b' marks where p(b) "
        "passes the threshold, against the other 2 classes together."
    ) in capsys.readouterr().err.splitlines()


def test_window_shorter_than_the_clip_length_is_said(model_file, recording, capsys):
    assert main(["predict", str(model_file), recording, "--window", "0.125"]) == 0
    captured = capsys.readouterr()
    assert len(_rows(captured.out)) == 63
    assert captured.err == (
        "skaudio: note: windows of 0.125 s are padded with zeros to the model's "
        "0.25 s clips, which it never saw padded so much; for windows this "
        "short, fit a model with --duration 0.125.\n"
    )


def test_window_longer_than_the_clip_length_is_refused(
    model_file, recording, tmp_path, capsys
):
    out = tmp_path / "windows.csv"
    argv = ["predict", str(model_file), recording, "--window", "0.5"]
    assert main([*argv, "--out", str(out)]) == 1
    _one_line_error(
        capsys,
        "--window 0.5 s is longer than the model's 0.25 s clips: the model would "
        "see only the first 0.25 s of each window. Use --window 0.25 or shorter.",
    )
    assert not out.exists()  # refused before the output is opened


def test_the_last_window_ends_at_the_end_of_the_recording(
    model_file, recording, capsys
):
    argv = ["predict", str(model_file), recording, "--window", "0.25", "--hop", "0.2"]
    assert main(argv) == 0
    rows = _rows(capsys.readouterr().out)
    assert (rows[-1]["start"], rows[-1]["end"]) == ("3.800", "4.000")
    assert (rows[-2]["start"], rows[-2]["end"]) == ("3.600", "3.850")


def test_predict_option_errors(model_file, recording, capsys):
    argv = ["predict", str(model_file), recording]
    for option in (["--event", "tone"], ["--hop", "1"], ["--aggregate", "max"]):
        assert main([*argv, *option]) == 1
        _one_line_error(capsys, f"{option[0]} works on windows: add --window")
    assert main([*argv, "--hop", "1", "--aggregate", "max"]) == 1
    _one_line_error(capsys, "--hop and --aggregate work on windows: add --window")
    for option in (["--threshold", "0.3"], ["--min-duration", "1"]):
        assert main([*argv, "--window", "0.25", *option]) == 1
        _one_line_error(capsys, "set how --event finds events: add --event LABEL")
    assert main([*argv, "--out", str(model_file.parent)]) == 1
    _one_line_error(capsys, "is a folder; give a file name, e.g.")
    assert main([*argv, "--window", "0.25", "--event", "siren"]) == 1
    _one_line_error(capsys, "--event 'siren' is not one of the model's classes")
    assert main([*argv, "--window", "0.25", "--hop", "1"]) == 1
    _one_line_error(capsys, "--hop 1 s is longer than --window 0.25 s")
    assert main([*argv, "--window", "0.25", "--hop", "1"]) == 1
    assert capsys.readouterr().out == ""  # refused before any CSV row
    assert main([*argv, "--window", "0.25", "--aggregate", "max", "--event", "tone"])
    _one_line_error(capsys, "are alternatives: give one of them")
    for option in (["--threshold", "2"], ["--min-duration", "-1"]):
        with pytest.raises(SystemExit):
            main([*argv, "--window", "0.25", "--event", "tone", *option])
        assert capsys.readouterr().out == ""  # refused before any CSV row
    with pytest.raises(SystemExit):
        main([*argv, "--window", "-1"])
    for value in ("inf", "nan"):
        with pytest.raises(SystemExit):
            main([*argv, "--window", value])
        assert f"expected a finite number, got '{value}'" in capsys.readouterr().err


def test_event_label_matches_in_either_unicode_form():
    # A class read from a macOS folder name is decomposed ("e" + accent).
    classes = np.array(["Dog bark", unicodedata.normalize("NFD", "Sirène")])
    args = argparse.Namespace(window=0.25, hop=None, event="Sirène")
    model = argparse.Namespace(classes_=classes)  # a model on waveforms
    assert cli._check_windows(args, model, RATE, 2000) == classes[1]


def test_out_never_replaces_an_input_or_an_earlier_csv_on_failure(
    model_file, recording, tmp_path, capsys
):
    copy = tmp_path / "copy"  # a WAV file without a suffix
    copy.write_bytes(Path(recording).read_bytes())
    link = tmp_path / "model.csv"
    link.symlink_to(model_file)
    for target, role in ((copy, "an input"), (link, "the model")):
        before = target.read_bytes()
        assert main(["predict", str(model_file), str(copy), "--out", str(target)]) == 1
        _one_line_error(capsys, f"is {role}: writing the CSV there would replace it")
        assert target.read_bytes() == before
    link.unlink()
    # Nor a CSV that predict did not write, such as the data's manifest.
    out = tmp_path / "p.csv"
    out.write_text("path,label,group\ncopy,low,a\n")
    assert main(["predict", str(model_file), str(copy), "--out", str(out)]) == 1
    _one_line_error(
        capsys,
        f"--out '{out}' exists and is not a CSV of 'skaudio predict' (its first "
        "line is 'path,label,group'): writing there would replace it. Remove it "
        "first, or give another file name.",
    )
    assert out.read_text() == "path,label,group\ncopy,low,a\n"
    out.write_text("")  # an empty file holds nothing to lose
    assert main(["predict", str(model_file), str(copy), "--out", str(out)]) == 0
    written = out.read_text()
    # A run that fails part-way leaves the earlier CSV whole, and no partial file.
    with mock.patch("skaudio.inference.predict_windows", side_effect=RuntimeError):
        with pytest.raises(RuntimeError):
            main(
                [
                    "predict",
                    str(model_file),
                    str(copy),
                    "--window",
                    "0.25",
                    "--out",
                    str(out),
                ]
            )
    assert out.read_text() == written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "p.csv"]


def test_windows_of_a_file_at_another_rate_are_resampled_and_said(
    model_file, recording, tmp_path, capsys
):
    x, _ = sf.read(recording)
    resampled = tmp_path / "recording16k.wav"
    sf.write(resampled, np.repeat(x, 2), 2 * RATE)  # the same 4 s at 16 kHz
    argv = ["predict", str(model_file), str(resampled), "--window", "0.25"]
    assert main([*argv, "--hop", "0.125", "--event", "tone"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err == (
        f"skaudio: note: '{resampled}' (16000 Hz) is not at the model's 8000 Hz "
        "and was resampled to it.\n"
    )
    (event,) = _rows(captured.out)
    assert abs(float(event["onset"]) - 1.5) <= 0.25


def _label_of_highest_column(row, prefix):
    scores = {
        k[len(prefix) :]: float(v) for k, v in row.items() if k.startswith(prefix)
    }
    return max(scores, key=scores.get)


@pytest.mark.parametrize(
    "options, prefix",
    [([], "p_"), (["--window", "0.25"], "p_"), (["--window", "0.125"], "p_")]
    + [(["--window", "0.25", "--aggregate", a], f"{a}_") for a in ("mean", "max")],
)
def test_label_column_is_the_class_name_of_the_highest_score(
    model_file, tone_folder, recording, options, prefix, capsys
):
    files = [str(tone_folder / "noise" / "3.wav"), str(tone_folder / "tone" / "3.wav")]
    files.append(recording)
    assert main(["predict", str(model_file), *files, *options]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows and {r["label"] for r in rows} == {"noise", "tone"}
    for row in rows:
        assert row["label"] == _label_of_highest_column(row, prefix)


@pytest.mark.parametrize("window", [[], ["--window", "0.25"]])
def test_each_file_is_decoded_once(model_file, tone_folder, recording, window):
    files = [recording] if window else [str(tone_folder / "tone" / "2.wav")] * 3
    with mock.patch("skaudio.io.load_audio", wraps=skaudio.io.load_audio) as load:
        assert main(["predict", str(model_file), *files, *window]) == 0
    assert [c.args[0] for c in load.call_args_list] == files


@pytest.mark.parametrize("window", [[], ["--window", "0.25", "--aggregate", "mean"]])
def test_unreadable_files_are_named_and_the_others_predicted(
    model_file, tone_folder, tmp_path, capsys, window
):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    good = [str(tone_folder / "tone" / "3.wav"), str(tone_folder / "noise" / "3.wav")]
    files = [good[0], str(bad), good[1], str(tmp_path / "missing.wav")]
    capsys.readouterr()
    assert main(["predict", str(model_file), *files, *window]) == 1
    captured = capsys.readouterr()
    assert [r["file"] for r in _rows(captured.out)] == good  # one header
    lines = captured.err.splitlines()
    assert [line.split("'")[1] for line in lines[:2]] == files[1::2]
    assert lines[2] == (
        "skaudio: error: 2 of 4 files could not be read (listed above); the "
        "others were predicted."
    )
    assert len(lines) == 3


def test_a_reader_that_stops_early_gets_no_error_message(model_file, tmp_path):
    # `skaudio predict ... | head -1`: the pipe closes while rows are written.
    clip = tmp_path / "clip.wav"
    sf.write(clip, np.random.default_rng(0).normal(0, 0.2, RATE // 4), RATE)
    argv = [sys.executable, "-m", "skaudio", "predict", str(model_file)]
    argv += [str(clip)] * 1000  # about 100 kB of rows, more than a pipe holds
    paths = [str(Path(skaudio.__file__).parents[1]), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait() == 1
    assert err == ""


@pytest.mark.parametrize(
    "options, message",
    [
        (
            ["--window", "0.00001"],
            "--window 1e-05 s and --hop 5e-06 s must each be at least one sample "
            "at 8000 Hz.",
        ),
        (
            ["--window", "0.1", "--hop", "0.2"],
            "--hop 0.2 s is longer than --window 0.1 s, which would skip audio "
            "between windows; use --hop <= --window.",
        ),
        (
            ["--window", "0.25", "--hop", "0.0005"],
            "--hop 0.0005 s is shorter than 1 ms, the resolution of the start and "
            "end times written: windows would share their times. Use --hop 0.001 "
            "or longer.",
        ),
    ],
)
def test_window_errors_name_the_options(
    model_file, tone_folder, capsys, options, message
):
    wav = str(tone_folder / "tone" / "1.wav")
    assert main(["predict", str(model_file), wav, *options]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"skaudio: error: {message}\n"


def test_a_window_shorter_than_the_models_fft_window_is_refused(
    tone_folder, tmp_path, capsys
):
    model = tmp_path / "mel.skaudio"
    argv = ["fit", "mel-cnn", str(model), "--data", str(tone_folder)]
    assert main([*argv, "--epochs", "1", "--duration", "0.25"]) == 0
    wav = str(tone_folder / "tone" / "1.wav")
    capsys.readouterr()
    assert main(["predict", str(model), wav, "--window", "0.05"]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: --window 0.05 s (400 samples at 8000 Hz) is shorter than "
        "the model's MelTransformer window of 512 samples: its features would be "
        "mostly padding. Use --window 0.064 or longer.\n"
    )
    assert main(["predict", str(model), wav, "--window", "0.064"]) == 0
