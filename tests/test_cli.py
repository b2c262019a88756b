import csv
import json
import subprocess
import sys
import warnings
from unittest import mock

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch

import skaudio
from skaudio import cli, datasets
from skaudio.cli import main
from skaudio.datasets import load_fsdd
from skaudio.experiments import model_names


@pytest.fixture
def audio_folder(tmp_path):
    """Two classes of tones (low/high) as 8 kHz WAV files in class folders."""
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 8000
    for label, freq in {"high": 1600, "low": 200}.items():
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(12):
            x = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6)) * rng.uniform(0.2, 1)
            sf.write(tmp_path / "data" / label / f"{i}.wav", x, 8000)
    return tmp_path / "data"


@pytest.fixture
def small_fsdd(fsdd_home, monkeypatch):
    """Make the CLI see 2 clips of each digit and speaker of FSDD (120 files)."""
    fsdd = load_fsdd(fsdd_home)
    keep = fsdd.take < 2
    subset = Bunch(
        filenames=fsdd.filenames[keep],
        target=fsdd.target[keep],
        groups=fsdd.groups[keep],
        subset=fsdd.subset[keep],
        layout="fsdd",
    )
    original = datasets.load_audio_dataset
    monkeypatch.setattr(
        datasets,
        "load_audio_dataset",
        lambda name, **kw: subset if name == "fsdd" else original(name, **kw),
    )


@pytest.fixture
def esc_manifest(tmp_path):
    """12 clips of 5 s at 44.1 kHz, 2 classes, in 3 official folds, as a CSV."""
    rng = np.random.default_rng(0)
    t = np.arange(5 * 44100) / 44100
    rows = ["path,label,fold"]
    for i in range(12):
        label, freq = ("siren", 3000) if i % 2 else ("engine", 150)
        x = 0.5 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(tmp_path / f"{i}.wav", x, 44100)
        rows.append(f"{i}.wav,{label},{i % 3 + 1}")
    (tmp_path / "clips.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "clips.csv"


def test_describe_says_which_column_names_numeric_labels(esc_manifest, capsys):
    text = esc_manifest.read_text().replace("path,label,fold", "path,category,fold")
    rows = [f"{row},{row.split(',')[1] == 'siren':d}" for row in text.split()[1:]]
    esc_manifest.write_text("\n".join(["path,category,fold,target", *rows]) + "\n")
    assert main(["describe", "--data", str(esc_manifest)]) == 0
    out = capsys.readouterr().out
    assert "(manifest layout: labels from 'target', groups from 'fold')" in out
    assert (
        "the labels are numbers, and column 'category' names the same 2 classes "
        "('0' is 'engine'): --label-column category uses the names"
    ) in out


def test_class_table_aligns_accents_and_wide_glyphs():
    from skaudio.cli import _table

    table = _table("files", {"cafe\u0301": 2, "caf\u00e9 noise": 10, "\u72ac": 3})
    # Decomposed 'café' takes 5 code points and 4 columns, '犬' 1 and 2.
    assert table.splitlines() == [
        "files:",
        "  cafe\u0301" + " " * 6 + "       2",
        "  caf\u00e9 noise      10",
        "  \u72ac" + " " * 8 + "       3",
    ]


def test_describe_folder(audio_folder, capsys):
    assert main(["describe", "--data", str(audio_folder), "--n-jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "24 files, 2 classes, no groups (folder layout)" in out
    assert "high      12" in out and "8000 Hz (24 files); 0.50 s each" in out
    assert (
        "loading at 8000 Hz (--sample-rate changes it), 0.5 s per clip "
        "(--duration changes it): every clip is whole"
    ) in out
    assert "loaded into an array of shape (24, 4000)" in out


@pytest.mark.fsdd
def test_describe_fsdd(fsdd_home, monkeypatch, capsys):
    monkeypatch.setenv("SKAUDIO_DATA", str(fsdd_home))
    assert main(["describe", "--data", "fsdd"]) == 0
    out = capsys.readouterr().out
    assert "3000 files, 10 classes, 6 groups" in out and "george       500" in out
    # FSDD's defaults are the ones the paper and `make main` use.
    assert "1.0 s per clip (--duration changes it): 20 clips (0.7%)" in out


def test_cv_kfold_writes_results_and_resumes(audio_folder, tmp_path, capsys):
    out = tmp_path / "cv"
    argv = [
        "cv",
        "simple",
        "--data",
        str(audio_folder),
        "--protocol",
        "kfold",
        "--n-splits",
        "3",
        "--epochs",
        "3",
        "--out",
        str(out),
        "--n-jobs",
        "1",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "[3/3] fold-2" in text and "**mean ± std**" in text
    records = [json.loads(line) for line in (out / "results.jsonl").open()]
    assert [r["fold"] for r in records] == ["fold-0", "fold-1", "fold-2"]
    assert records[0]["labels"] == ["high", "low"] and records[0]["epochs"] == 3
    assert (out / "confusion.png").stat().st_size > 0
    with open(out / "folds.csv") as f:
        assert len(list(csv.DictReader(f))) == 3
    # Rerun: every fold is read back, none trained again.
    assert main(argv) == 0
    assert capsys.readouterr().out.count("(saved)") == 3
    assert len((out / "results.jsonl").read_text().splitlines()) == 3

    # The table and folds.csv report the saved numbers: give the folds known
    # ones (population std over folds: 0.25 * sqrt(2/3) = 20.4 %).
    known = [(0.5, 8, 16, 1.4), (0.75, 8, 16, 2.6), (1.0, 8, 16, 3.0)]
    confusions = [[[4, 0], [4, 0]], [[4, 0], [2, 2]], [[4, 0], [0, 4]]]
    for record, (accuracy, n_test, n_train, seconds), confusion in zip(
        records, known, confusions, strict=True
    ):
        record.update(
            accuracy=accuracy,
            n_test=n_test,
            n_train=n_train,
            train_seconds=seconds,
            confusion=confusion,
        )
    (out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "[1/3] fold-0: 50.0% (saved)" in text and "[3/3] fold-2: 100.0%" in text
    assert "| fold-1 | 75.0% | 75.0% | 8 | 3 |" in text
    assert (
        "| **mean ± std** | **75.0% ± 20.4%** | 75.0% ± 20.4% | 24 in all | 7 in all |"
        in text
    )
    with open(out / "folds.csv") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["fold", "accuracy", "balanced_accuracy", "n_train", "n_test", "train_seconds"],
        ["fold-0", "0.5", "0.5", "16", "8", "1.4"],
        ["fold-1", "0.75", "0.75", "16", "8", "2.6"],
        ["fold-2", "1.0", "1.0", "16", "8", "3.0"],
    ]


def test_fit_then_predict_csv(audio_folder, tmp_path, capsys):
    model = tmp_path / "model.skaudio"
    argv = ["fit", "simple", str(model), "--data", str(audio_folder), "--epochs", "5"]
    assert main(argv) == 0
    files = [str(audio_folder / "high" / "0.wav"), str(audio_folder / "low" / "0.wav")]
    assert main(["predict", str(model), *files, "--out", str(tmp_path / "p.csv")]) == 0
    with open(tmp_path / "p.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == files
    assert set(rows[0]) == {"file", "label", "p_high", "p_low"}
    for row in rows:
        assert float(row["p_high"]) + float(row["p_low"]) == pytest.approx(1, abs=1e-5)
    # A bad file is reported, the others still predicted, exit status 1.
    (tmp_path / "bad.wav").write_text("not audio")
    capsys.readouterr()
    assert main(["predict", str(model), files[0], str(tmp_path / "bad.wav")]) == 1
    captured = capsys.readouterr()
    assert "bad.wav" in captured.err and "not a readable audio file" in captured.err
    assert files[0] in captured.out and "bad.wav" not in captured.out


def test_silent_training_clips_are_named(audio_folder, tmp_path, capsys):
    silent = audio_folder / "low" / "3.wav"
    sf.write(silent, np.zeros(4000), 8000)
    note = (
        f"skaudio: note: '{silent}' is silent, every sample zero as loaded: its "
        "label says nothing about the audio; check the recording, or leave it out "
        "of the data"
    )
    assert main(["describe", "--data", str(audio_folder)]) == 0
    assert note in capsys.readouterr().err
    model = tmp_path / "model.skaudio"
    argv = ["fit", "simple", str(model), "--data", str(audio_folder), "--epochs", "1"]
    assert main(argv) == 0
    assert note in capsys.readouterr().err
    assert main(["info", str(model)]) == 0  # a whole, fitted pipeline was saved
    assert "classes (2): 'high', 'low'" in capsys.readouterr().out


def test_fit_then_export_onnx(audio_folder, tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime", reason="needs the 'export' extra")
    data = ["--data", str(audio_folder), "--epochs", "1"]
    assert main(["fit", "mel-cnn", str(tmp_path / "m.onnx"), *data]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: 'skaudio fit' saves skaudio's format, not ONNX: fit to "
        f"e.g. '{tmp_path / 'm.skaudio'}', then run 'skaudio export' on it to "
        f"write '{tmp_path / 'm.onnx'}'.\n"
    )
    assert main(["fit", "mel-cnn", str(tmp_path / "m.skaudio"), *data]) == 0
    capsys.readouterr()
    argv = ["export", str(tmp_path / "m.skaudio"), str(tmp_path / "m.onnx")]
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        f"wrote {tmp_path / 'm.onnx'}: input 'waveforms', float32 (batch, 4000) at "
        "8000 Hz; output 'probabilities' over 2 classes (labels in the model's "
        "metadata, key 'classes')\n"
    )
    pipe = skaudio.load(tmp_path / "m.skaudio")
    files = sorted(str(p) for p in audio_folder.rglob("*.wav"))[:6]
    X = pipe[0].transform(files)
    argv = ["export", str(tmp_path / "m.skaudio"), str(tmp_path / "c.onnx")]
    assert main([*argv, "--per-clip"]) == 0
    for graph in ("m.onnx", "c.onnx"):
        session = ort.InferenceSession(tmp_path / graph)
        np.testing.assert_allclose(
            session.run(None, {"waveforms": X})[0],
            pipe.predict_proba(files),
            atol=1e-4,
        )
    # Not a model file: one line, no traceback.
    assert main(["export", str(audio_folder / "low" / "0.wav"), "x.onnx"]) == 1
    assert "cannot load model file" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "m.onnx"), files[0]]) == 1
    assert "it is named as an ONNX graph (skaudio export writes those for ONNX" in (
        capsys.readouterr().err
    )
    argv[-1] = f"{tmp_path}/"
    assert main(argv) == 1
    assert "is a folder; give a file name, e.g." in capsys.readouterr().err
    # A pickled model needs --trust-pickle, as in predict.
    joblib.dump(pipe, tmp_path / "m.joblib")
    argv = ["export", str(tmp_path / "m.joblib"), str(tmp_path / "p.onnx")]
    assert main(argv) == 1
    assert "give --trust-pickle to read it only if you trust" in capsys.readouterr().err
    assert main([*argv, "--trust-pickle"]) == 0
    # Without its loader, the pipeline's Mel step recorded the clip length.
    skaudio.save(Pipeline(pipe.steps[1:]), tmp_path / "arrays.skaudio")
    argv = ["export", str(tmp_path / "arrays.skaudio"), str(tmp_path / "a.onnx")]
    assert main(argv) == 0
    assert "float32 (batch, 4000) at 8000 Hz" in capsys.readouterr().out
    # Fitted in Python on (n_clips, 1, n_times), it records the channel count
    # instead of the clip length: --n-times gives it.
    everything = sorted(audio_folder.rglob("*.wav"))
    labels = [path.parent.name for path in everything]
    arrays = clone(Pipeline(pipe.steps[1:])).set_params(cnn__max_epochs=1)
    arrays.fit(pipe[0].transform(everything)[:, np.newaxis], labels)
    skaudio.save(arrays, tmp_path / "arrays.skaudio")
    assert main(argv) == 1
    assert "'skaudio export --n-times N'" in capsys.readouterr().err
    assert main([*argv, "--n-times", "4000"]) == 0
    assert "float32 (batch, 4000) at 8000 Hz" in capsys.readouterr().out
    # A length the network was not fitted on: one line naming what fits.
    assert main([*argv, "--n-times", "3000"]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: cannot export with --n-times 3000: clips of 3000 samples "
        "become inputs of shape (1, 64, 12), but the classifier was fitted on "
        "inputs of shape (1, 64, 16); give the clip length the model was trained "
        "on.\n"
    )
    # One too short for the front end's STFT: one line, not torch's traceback.
    assert main([*argv, "--n-times", "100"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "skaudio: error: cannot export with --n-times 100: the pipeline's steps "
        "cannot transform clips of 100 samples ("
    )
    assert err.count("\n") == 1
    # A model that records its length takes no other, even one that fits.
    argv[1] = str(tmp_path / "m.skaudio")
    assert main([*argv, "--n-times", "3900"]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: cannot export with --n-times 3900: the model takes clips "
        "of 4000 samples, as it was trained; leave --n-times out, it is for "
        "models that do not record their clip length.\n"
    )


def test_cv_refuses_an_output_folder_that_is_a_file(audio_folder, tmp_path, capsys):
    (tmp_path / "results").write_text("")
    argv = ["cv", "simple", "--data", str(audio_folder)]
    assert main([*argv, "--out", str(tmp_path / "results")]) == 1
    captured = capsys.readouterr()
    assert "Loading" not in captured.out
    assert captured.err == (
        f"skaudio: error: output folder '{tmp_path / 'results'}' is a file; give a "
        "folder for the results (it is created when missing).\n"
    )


def test_cv_names_folds_that_test_a_class_they_never_trained_on(
    audio_folder, tmp_path, capsys
):
    (audio_folder / "owl").mkdir()
    sf.write(audio_folder / "owl" / "0.wav", np.zeros(4000), 8000)
    argv = ["cv", "simple", "--data", str(audio_folder), "--n-splits", "2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's own warning is not shown
        assert main([*argv, "--epochs", "1", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert (
        "1 fold of 2 tests classes with no training example (e.g. fold 'fold-"
    ) in out
    assert "'owl'), whose clips there can only be misclassified" in out
    # The other fold tests no owl clip: its scores say nothing about owls.
    assert (
        "1 class has no test clip in some folds (e.g. 'owl': none in 1 of 2), whose "
        "scores say nothing about it"
    ) in out


def test_fit_refuses_an_unwritable_output_before_training(
    audio_folder, tmp_path, capsys
):
    argv = ["fit", "simple", "--data", str(audio_folder), "--epochs", "1"]
    assert main([*argv[:2], str(tmp_path), *argv[2:]]) == 1
    assert capsys.readouterr().err == (
        f"skaudio: error: output '{tmp_path}' is a folder; give a file name, e.g. "
        f"'{tmp_path / 'model.skaudio'}'.\n"
    )
    # A folder that does not exist yet, named with a trailing slash.
    assert main([*argv[:2], f"{tmp_path / 'out'}/", *argv[2:]]) == 1
    assert capsys.readouterr().err == (
        f"skaudio: error: output '{tmp_path / 'out'}' is a folder; give a file "
        f"name, e.g. '{tmp_path / 'out' / 'model.skaudio'}'.\n"
    )
    (tmp_path / "file").write_text("")
    assert main([*argv[:2], str(tmp_path / "file" / "m.skaudio"), *argv[2:]]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: cannot create the folder of output "
        f"'{tmp_path / 'file' / 'm.skaudio'}': '{tmp_path / 'file'}' is a file.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "file"]
    # A new folder is created for the model.
    assert main([*argv[:2], str(tmp_path / "new" / "m.skaudio"), *argv[2:]]) == 0
    assert (tmp_path / "new" / "m.skaudio").is_file()


def _refused_before_loading(argv, capsys, message):
    """``main(argv)`` fails with ``message`` as its one error line, no file read."""
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Loading" not in captured.out
    assert captured.err == f"skaudio: error: {message}\n"


def _output_of(command, tmp_path):
    """The output argument of ``cv`` (a results folder) or ``fit`` (a model)."""
    return (
        ["--out", str(tmp_path / "run")] if command == "cv" else [str(tmp_path / "m")]
    )


@pytest.mark.parametrize("command", ["cv", "fit"])
def test_too_short_duration_refused_before_loading(
    command, audio_folder, tmp_path, capsys
):
    argv = [command, "mel-cnn", "--data", str(audio_folder), "--duration", "0.01"]
    argv += _output_of(command, tmp_path)
    _refused_before_loading(
        argv,
        capsys,
        "clips of 0.01 s (80 samples at 8000 Hz) are too short for mel-cnn: its "
        "MelTransformer window of 512 samples needs at least 512 samples "
        "(0.064 s); choose a longer --duration.",
    )
    # The rounded-up duration it names is long enough.
    argv[argv.index("0.01")] = "0.064"
    assert main([*argv, "--epochs", "1"]) == 0


@pytest.mark.fsdd
def test_cv_loso_on_fsdd_subset(small_fsdd, tmp_path, capsys):
    argv = ["cv", "lv-81", "--data", "fsdd", "--epochs", "1", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (
        "lv-81, group, 6 folds" in out and "| george |" in out and "| yweweler |" in out
    )


@pytest.mark.fsdd
def test_reproduce_resumes_and_reports(small_fsdd, tmp_path, capsys):
    argv = [
        "reproduce",
        "--models",
        "lv-81",
        "lv-42",
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    report = (tmp_path / "reproduce.md").read_text()
    assert "| lv-42 |" in report and "52.8 ± 10.3" in report
    assert "training time (paper)" in report  # both models have all 6 folds
    assert (tmp_path / "reproduce.png").stat().st_size > 0
    capsys.readouterr()
    assert main(argv) == 0
    assert capsys.readouterr().out.count("(saved)") == 12
    # The same table; only the date of writing may differ.
    rewritten = (tmp_path / "reproduce.md").read_text()
    assert rewritten.split("Written by")[0] == report.split("Written by")[0]
    assert "Written by `skaudio reproduce --epochs 1 --seed 0` on" in report


def test_user_errors_exit_without_traceback(tmp_path, audio_folder, capsys):
    assert main(["describe", "--data", str(tmp_path / "missing")]) == 1
    assert "skaudio: error: data" in capsys.readouterr().err
    assert main(["cv", "no-such-model", "--data", str(audio_folder)]) == 1
    assert "unknown model 'no-such-model'" in capsys.readouterr().err
    argv = ["cv", "simple", "--data", str(audio_folder), "--protocol", "group"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err == (
        "skaudio: error: --protocol group needs groups (speakers, folds), and this "
        "data has none: give a manifest with a group, fold or speaker column (or "
        "name another with --group-column), or use --protocol kfold.\n"
    )
    (audio_folder / "low" / "0.wav").write_text("garbage")
    assert main(["describe", "--data", str(audio_folder)]) == 1
    assert "0.wav" in capsys.readouterr().err
    for argv in (["describe"], ["cv", "simple"], ["fit", "simple", "out.joblib"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert "the following arguments are required: --data" in capsys.readouterr().err


def test_manifest_44k_5s_runs_through_every_command(esc_manifest, tmp_path, capsys):
    data = ["--data", str(esc_manifest)]
    assert main(["describe", *data]) == 0
    out = capsys.readouterr().out
    assert "12 files, 2 classes, 3 groups (manifest layout: labels from " in out
    assert "44100 Hz (12 files); 5.00 s each" in out
    assert (
        "5.0 s per clip (--duration changes it): files at 44100 Hz are resampled" in out
    )
    assert "loaded into an array of shape (12, 110250)" in out

    argv = ["cv", "mel-cnn", *data, "--protocol", "group", "--epochs", "1"]
    assert main([*argv, "--out", str(tmp_path / "cv")]) == 0
    out = capsys.readouterr().out
    assert out.count("loading at 22050 Hz") == 1
    assert "window 1024 samples (46 ms), hop 512 (23 ms)" in out
    assert "mel-cnn, group, 3 folds" in out and "| 3 |" in out
    # Two folds of whole groups instead of one per group.
    assert main([*argv, "--n-splits", "2", "--out", str(tmp_path / "cv2")]) == 0
    assert "mel-cnn, group, 2 folds" in capsys.readouterr().out

    model = tmp_path / "model.skaudio"
    assert main(["fit", "mel-cnn", str(model), *data, "--epochs", "1"]) == 0
    assert "saved" in capsys.readouterr().out
    # A 16 kHz clip of 2 s is resampled and padded like the training clips.
    sf.write(tmp_path / "new.wav", np.zeros(32000), 16000)
    assert main(["predict", str(model), str(tmp_path / "new.wav")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "file,label,p_engine,p_siren"


@pytest.mark.parametrize(
    "option, message",
    [
        (["--sample-rate", "0"], "--sample-rate: must be at least 1000, got 0"),
        (["--duration", "-2"], "--duration: must be above 0, got -2"),
        (["--epochs", "0"], "--epochs: must be above 0, got 0"),
        (["--epochs", "x"], "--epochs: expected an integer, got 'x'"),
        (["--n-jobs", "0"], "--n-jobs: must be a number of processes or -1"),
        (["--device", "gpu"], "--device: expected auto, cpu, cuda or cuda:N"),
        (["--n-splits", "1"], "--n-splits: must be at least 2, got 1"),
        (["--data", " "], "--data: must not be empty"),
    ],
)
def test_bad_options_are_named_before_anything_runs(
    audio_folder, capsys, option, message
):
    with pytest.raises(SystemExit) as exit_info:
        main(["cv", "simple", "--data", str(audio_folder), *option])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_an_unknown_option_is_reported_with_its_command_usage(audio_folder, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cv", "simple", "--data", str(audio_folder), "--epoch-count", "3"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "usage: skaudio cv " in err
    assert "skaudio cv: error: unrecognized arguments: --epoch-count 3" in err


def test_data_errors_name_the_problem(tmp_path, audio_folder, capsys):
    sf.write(tmp_path / "clip.wav", np.zeros(800), 8000)
    assert main(["describe", "--data", str(tmp_path / "clip.wav")]) == 1
    assert "is a file but not a .csv manifest" in capsys.readouterr().err
    # Every unreadable file at once, before anything is loaded.
    (audio_folder / "low" / "0.wav").write_text("garbage")
    (audio_folder / "high" / "1.wav").write_bytes(b"")
    assert main(["cv", "simple", "--data", str(audio_folder)]) == 1
    err = capsys.readouterr().err
    assert "2 of 24 files cannot be read" in err and "0.wav" in err and "1.wav" in err
    one_class = tmp_path / "one"
    (one_class / "dog").mkdir(parents=True)
    sf.write(one_class / "dog" / "a.wav", np.zeros(800), 8000)
    assert main(["cv", "simple", "--data", str(one_class)]) == 1
    assert "has one class ('dog')" in capsys.readouterr().err
    assert main(["cv", "nope", "--data", "/nowhere"]) == 1  # the model first
    assert "unknown model 'nope'" in capsys.readouterr().err


def test_manifest_columns_named_on_the_command_line(
    esc_manifest, audio_folder, tmp_path, capsys
):
    renamed = tmp_path / "renamed.csv"
    text = esc_manifest.read_text().replace("path,label,fold", "wav,sound,session")
    renamed.write_text(text)
    assert main(["describe", "--data", str(renamed)]) == 1
    assert "or name another with --path-column" in capsys.readouterr().err
    argv = ["describe", "--data", str(renamed), "--path-column", "wav"]
    argv += ["--label-column", "sound", "--group-column", "session"]
    assert main(argv) == 0
    assert (
        "12 files, 2 classes, 3 groups (manifest layout: labels from 'sound', "
        "groups from 'session')"
    ) in capsys.readouterr().out
    assert main(["describe", "--data", str(audio_folder), "--label-column", "x"]) == 1
    assert "--label-column applies to a CSV manifest" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, status",
    [
        (["--help"], 0),
        (["describe", "--help"], 0),
        (["predict", "--help"], 0),
        (["cv", "--help"], 0),
        (["fit", "--help"], 0),
        (["reproduce", "--help"], 0),
        (["reproduce", "--epochs", "0"], 2),
        (["cv", "simple", "--data", "x", "--epochs", "0"], 2),  # a parse error
    ],
)
def test_parsing_does_not_import_torch(argv, status):
    # A fresh interpreter, as the console script starts one.
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['skaudio', *{argv!r}]\n"
        "try:\n"
        "    runpy.run_module('skaudio', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "print('torch' in sys.modules, 'torchaudio' in sys.modules, status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == f"False False {status}"
    assert "usage: skaudio" in done.stdout + done.stderr


def test_cv_help_lists_the_models(capsys):
    with pytest.raises(SystemExit):
        main(["cv", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"Models: {', '.join(model_names())}." in help_text


def test_fit_reports_progress_without_colour_codes(audio_folder, tmp_path, capsys):
    model = tmp_path / "model.skaudio"
    argv = ["fit", "simple", str(model), "--data", str(audio_folder), "--epochs", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Loading 24 files and training (--verbose prints each epoch) ..." in out
    assert main([*argv, "--verbose"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    epochs = [line.split() for line in lines if line.strip()[:1].isdigit()]
    assert [row[0] for row in epochs] == ["1", "2"]
    # Captured output is not a terminal: no colour codes, no progress bar.
    assert "\x1b[" not in captured.out + captured.err
    assert "Loading audio" not in captured.err
    assert skaudio.load(model).named_steps["load"].verbose == 0


@pytest.fixture
def session_manifest(tmp_path):
    """16 and 44.1 kHz clips of two classes named with spaces, and a session column."""
    rng = np.random.default_rng(0)
    rows = ["file,label,session"]
    for i in range(6):
        for label, freq in [("dog bark", 300), ("car horn", 2000)]:
            rate = 16000 if i % 2 else 44100
            t = np.arange(rate // 2) / rate
            x = 0.5 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(len(t))
            name = f"{label} {i}.wav"
            sf.write(tmp_path / name, x, rate)
            rows.append(f"{name},{label},s{i % 3}")
    (tmp_path / "clips.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "clips.csv"


def test_only_cv_says_its_folds_may_mix_sessions(session_manifest, tmp_path, capsys):
    data = ["--data", str(session_manifest)]
    assert main(["describe", *data]) == 0
    assert (
        main(["fit", "simple", str(tmp_path / "m.skaudio"), *data, "--epochs", "1"])
        == 0
    )
    assert "group column" not in capsys.readouterr().out
    # Too many folds: cv says the note, then fails before training.
    assert main(["cv", "simple", *data, "--n-splits", "9", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert (
        "no group column: the folds may put clips of one speaker or session on "
        "both sides; if one of the columns 'session' holds them, name it with "
        "--group-column\n"
    ) in captured.out
    assert captured.err == (
        "skaudio: error: --n-splits 9: stratified folds need a class with at "
        "least 9 examples, the largest class of this data has 6; give "
        "--n-splits 6 or fewer.\n"
    )


@pytest.mark.parametrize(
    "options, message",
    [
        (
            ["--protocol", "group", "--n-splits", "4"],
            "--n-splits 4 folds of whole groups need at least 4 groups, the data "
            "has 3.",
        ),
        (
            ["--protocol", "official"],
            "--protocol official needs the data set's own test split, and this "
            "data has none (FSDD and Speech Commands have one); use --protocol "
            "group or --protocol kfold.",
        ),
    ],
)
def test_fold_errors_name_the_options(
    session_manifest, tmp_path, capsys, options, message
):
    argv = ["cv", "simple", "--data", str(session_manifest), "--group-column"]
    assert main([*argv, "session", *options, "--out", str(tmp_path / "r")]) == 1
    assert capsys.readouterr().err == f"skaudio: error: {message}\n"


@pytest.mark.parametrize("command", ["cv", "fit"])
def test_a_sample_rate_too_low_for_the_features_names_the_lowest(
    command, audio_folder, tmp_path, capsys
):
    argv = [command, "mel-cnn", "--data", str(audio_folder), "--epochs", "1"]
    argv += _output_of(command, tmp_path)
    _refused_before_loading(
        [*argv, "--sample-rate", "1414"],
        capsys,
        "1414 Hz is too low a sample rate for mel-cnn: its 64 Mel bands do not "
        "fit the 33 frequency bins of its 64-sample window at that rate; use "
        "--sample-rate 1415 or higher, or a model on waveforms.",
    )
    # The rate it names works.
    assert main([*argv, "--sample-rate", "1415"]) == 0


def test_errors_are_one_lower_case_line_with_paths_as_given(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clips").mkdir()
    sf.write(tmp_path / "clips" / "a.wav", np.zeros(800), 8000)
    (tmp_path / "clips" / "bad.wav").write_text("not audio")
    (tmp_path / "clips" / "m.csv").write_text("path,label\na.wav,dog\nbad.wav,cat\n")
    # The manifest's files are named from the working folder, not absolutely,
    # and libsndfile's reason does not repeat the path.
    assert main(["describe", "--data", "clips/m.csv"]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: 1 of 2 files cannot be read: 'clips/bad.wav': not a "
        "readable audio file (Format not recognised)\n"
    )
    assert main(["describe", "--data", "nowhere"]) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: data 'nowhere' not found: give 'fsdd', a CSV manifest or "
        "a folder.\n"
    )


@pytest.mark.parametrize(
    "message, line",
    [
        ("Unknown model 'x'.", "unknown model 'x'."),
        ("FSDD not found.", "FSDD not found."),  # names keep their capitals
        ("MelTransformer has sample_rate=8000", "MelTransformer has sample_rate=8000"),
        ("two\nlines", "two lines"),
    ],
)
def test_error_line(message, line):
    assert cli._error_line(ValueError(message)) == line


def test_sample_rate_help_says_how_a_tie_of_rates_is_broken(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["describe", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "of rates equally common, the first file's, in the order of" in help_text
    # As it says: the sorted first class folder's file sets the rate.
    for label, rate in [("b", 44100), ("a", 16000)]:
        (tmp_path / label).mkdir()
        sf.write(tmp_path / label / "x.wav", np.zeros(rate // 10), rate)
    assert main(["describe", "--data", str(tmp_path)]) == 0
    assert "loading at 16000 Hz" in capsys.readouterr().out


@pytest.mark.parametrize("layout", ["esc50", "audiomnist"])
def test_a_folder_layout_given_a_manifest_says_so(esc_manifest, capsys, layout):
    assert main(["describe", "--data", str(esc_manifest), "--layout", layout]) == 1
    assert capsys.readouterr().err == (
        f"skaudio: error: --layout {layout} reads a data set's folder, but "
        f"'{esc_manifest}' is a file; give the folder, or --layout manifest for a "
        "CSV manifest.\n"
    )


@pytest.mark.parametrize(
    "scheduler, message",
    [
        ("nohost", "--scheduler nohost: cannot connect (missing port number in "),
        ("local:0", "--scheduler local:0: 'local:N' needs a number of worker "),
    ],
)
def test_scheduler_errors_name_the_option(
    audio_folder, tmp_path, capsys, scheduler, message
):
    pytest.importorskip("distributed", reason="needs the 'dask' extra")
    argv = ["cv", "simple", "--data", str(audio_folder), "--epochs", "1"]
    assert main([*argv, "--scheduler", scheduler, "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"skaudio: error: {message}")


def test_fsdd_that_cannot_be_downloaded_says_where_to_put_it(
    tmp_path, monkeypatch, capsys
):
    def no_network(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    monkeypatch.setenv("SKAUDIO_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["describe", "--data", "fsdd"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("skaudio: error: downloading FSDD from ")
    assert err.endswith(
        f"failed (no network); without a download, put its recordings/ folder in "
        f"'{tmp_path / 'fsdd'}', or set SKAUDIO_DATA to a folder that holds "
        "fsdd/recordings.\n"
    )


def test_outputs_never_replace_an_input(audio_folder, tmp_path, capsys):
    bare = tmp_path / "clip"  # a WAV file without a suffix
    bare.write_bytes((audio_folder / "low" / "0.wav").read_bytes())
    manifest = tmp_path / "clips.csv"
    rows = [
        f"data/{label}/{i}.wav,{label}" for label in ("low", "high") for i in (1, 2)
    ]
    manifest.write_text("path,label\n" + "\n".join([*rows, "clip,low"]) + "\n")
    before = {p: p.read_bytes() for p in (bare, manifest)}
    fit = ["fit", "simple", "--epochs", "1", "--data", str(manifest)]
    _refused_before_loading(
        [*fit, str(bare)],
        capsys,
        f"output '{bare}' is a file of the data set: writing the model there would "
        "replace it. Give another file name.",
    )
    assert main([*fit, str(manifest)]) == 1  # named like a CSV file
    assert "is named like a CSV file" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    model = tmp_path / "m.skaudio"
    assert main([*fit, "--data", str(manifest), str(model)]) == 0
    saved = model.read_bytes()
    assert main(["export", str(model), str(model)]) == 1
    assert capsys.readouterr().err == (
        f"skaudio: error: output '{model}' is named like a skaudio file, but "
        "'skaudio export' writes an ONNX model there. Give another name, e.g. "
        f"'{tmp_path / 'm.onnx'}'.\n"
    )
    link = tmp_path / "model.onnx"
    link.symlink_to(model)
    assert main(["export", str(model), str(link)]) == 1
    assert capsys.readouterr().err == (
        f"skaudio: error: output '{link}' is the model: writing ONNX there would "
        "replace it. Give another file name.\n"
    )
    assert model.read_bytes() == saved


def test_fit_replaces_only_a_model_file(audio_folder, tmp_path, capsys):
    fit = ["fit", "simple", "--epochs", "1", "--data", str(audio_folder)]
    recording = tmp_path / "victim.dat"  # audio, not of the data set
    recording.write_bytes((audio_folder / "low" / "0.wav").read_bytes())
    notes = tmp_path / "notes.model"
    notes.write_text("my notes\n")
    pickled = tmp_path / "old.model"
    joblib.dump({"a": 1}, pickled, compress=3)
    before = {p: p.read_bytes() for p in (recording, notes, pickled)}
    for path in (recording, notes):
        _refused_before_loading(
            [*fit, str(path)],
            capsys,
            f"'{path}' exists and is not a skaudio model file: saving there would "
            "replace it. Remove it first, or give another file name.",
        )
    _refused_before_loading(
        [*fit, str(pickled)],
        capsys,
        f"'{pickled}' exists and is not a skaudio model file (it is a pickle: give "
        "--pickle to replace it): saving there would replace it. Remove it first, "
        "or give another file name.",
    )
    assert {p: p.read_bytes() for p in before} == before
    # A model file, or with --pickle a pickle, is replaced.
    assert main([*fit, str(pickled), "--pickle"]) == 0
    assert joblib.load(pickled).predict([str(audio_folder / "low" / "0.wav")]).shape
    model = tmp_path / "m.skaudio"
    assert main([*fit, str(model)]) == 0
    assert main([*fit, str(model), "--seed", "1"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "command, output, name",
    [
        (["cv", "simple", "--out"], "low", "--out"),
        (["cv", "simple", "--out"], ".", "--out"),
        (["fit", "simple"], "low/m.skaudio", "output"),
    ],
)
def test_outputs_inside_the_data_folder_are_refused(
    audio_folder, capsys, command, output, name
):
    # The next run would read them as part of the data set (a class folder
    # holding results.jsonl fails the layout check; a model there is trained on).
    before = sorted(audio_folder.rglob("*"))
    _refused_before_loading(
        [*command, str(audio_folder / output), "--data", str(audio_folder)],
        capsys,
        f"{name} '{audio_folder / output}' is inside the data folder "
        f"'{audio_folder}': the next run would read what is written there as "
        "part of the data set. Give a path outside it.",
    )
    assert sorted(audio_folder.rglob("*")) == before


@pytest.mark.parametrize(
    "command, output, writes, suggested",
    [
        (["fit", "simple", "--data", "DATA"], "m.wav", "skaudio's format", "m.skaudio"),
        (["fit", "simple", "--data", "DATA"], "m.pkl", "skaudio's format", "m.skaudio"),
        (
            ["fit", "simple", "--pickle", "--data", "DATA"],
            "m.skaudio",
            "a pickle",
            "m.joblib",
        ),
        (["export", "MODEL"], "m.flac", "an ONNX model", "m.onnx"),
        (["export", "MODEL"], "m.onnx.wav", "an ONNX model", "m.onnx"),
        (["predict", "MODEL", "CLIP", "--out"], "p.json.wav", "CSV", "p.json.csv"),
        (["predict", "MODEL", "CLIP", "--out"], "p.skaudio", "CSV", "p.csv"),
    ],
)
def test_outputs_named_like_another_kind_of_file_are_refused(
    audio_folder, tmp_path, capsys, command, output, writes, suggested
):
    names = {"DATA": audio_folder, "MODEL": tmp_path / "m", "CLIP": "a.wav"}
    argv = [str(names.get(a, a)) for a in command] + [str(tmp_path / output)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"skaudio: error: output '{tmp_path / output}' is named ")
    assert f"writes {writes}" in err and f"'skaudio {command[0]}" in err
    assert err.endswith(f"Give another name, e.g. '{tmp_path / suggested}'.\n")
    assert not (tmp_path / output).exists()


def test_running_out_of_memory_is_one_line(audio_folder, capsys):
    argv = ["describe", "--data", str(audio_folder), "--duration", "1e6"]
    full = MemoryError("Unable to allocate")
    with mock.patch.object(skaudio.WaveformLoader, "transform", side_effect=full):
        assert main(argv) == 1
    assert capsys.readouterr().err == (
        "skaudio: error: not enough memory (unable to allocate): use a shorter "
        "--duration, a lower --sample-rate or fewer files.\n"
    )
