import csv
import io
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch

from skaudio.augment import standard_augmentation
from skaudio.datasets import load_audio_manifest
from skaudio.experiments import (
    MAX_SAMPLE_RATE,
    balanced_accuracy,
    data_digest,
    data_settings,
    default_protocol,
    describe_features,
    feature_window,
    fold_table,
    make_loader,
    make_model,
    make_splits,
    model_names,
    prepare_data,
    read_results,
    run_cv,
    run_experiment,
    save_confusion_figure,
    silent_clips,
    summarize,
    training_recipe,
    write_fold_csv,
)
from skaudio.features import MelTransformer, MFCCTransformer


class CountingClassifier(LogisticRegression):
    """LogisticRegression that counts its fits across clones."""

    fits = 0

    def fit(self, X, y):
        type(self).fits += 1
        return super().fit(X, y)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], 30)
    X = rng.normal(size=(60, 4)) + (y == "b")[:, None] * 3
    groups = np.tile(["s1", "s2", "s3"], 20)
    take = np.tile(np.arange(10), 6)
    return X, y, groups, take


def test_make_splits(data):
    X, y, groups, take = data
    loso = make_splits("loso", y, groups=groups)
    assert [name for name, _, _ in loso] == ["s1", "s2", "s3"]
    for name, train, test in loso:
        assert set(groups[test]) == {name} and name not in set(groups[train])
    kfold = make_splits("kfold", y, n_splits=4)
    seeded = make_splits("kfold", y, n_splits=4, random_state=0)  # the default
    assert all((a[2] == b[2]).all() for a, b in zip(kfold, seeded, strict=True))
    assert len(kfold) == 4
    assert sorted(np.concatenate([t for _, _, t in kfold]).tolist()) == list(range(60))
    subset = np.where(take < 5, "test", "train")
    ((name, train, test),) = make_splits("official", y, subset=subset)
    assert (take[test] < 5).all() and (take[train] >= 5).all() and len(test) == 30
    needs_groups = (
        "needs groups (speakers, folds), and this data has none: give a manifest "
        "with a group, fold or speaker column (or name another with "
        "columns={'group_column': ...}), or use protocol='kfold'."
    )
    with pytest.raises(ValueError, match=re.escape(needs_groups)):
        make_splits("group", y)
    with pytest.raises(ValueError, match="needs at least 2 groups"):
        make_splits("group", y, groups=np.zeros(len(y)))
    with pytest.raises(ValueError, match="needs the data set's own test split"):
        make_splits("official", y)
    with pytest.raises(ValueError, match="Unknown protocol"):
        make_splits("holdout", y)


def test_two_groups_one_of_one_clip():
    splits = make_splits("group", ["a", "b", "a"], groups=["g1", "g1", "g2"])
    assert [(name, test.tolist()) for name, _, test in splits] == [
        ("g1", [0, 1]),
        ("g2", [2]),
    ]


def test_group_splits_keep_groups_apart(data):
    _, y, groups, _ = data
    assert make_splits("group", y, groups=groups)[0][0] == "s1"
    folds = make_splits("group", y, groups=groups, n_splits=2)
    assert [name for name, _, _ in folds] == ["fold-0", "fold-1"]
    for _, train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    with pytest.raises(ValueError, match="n_splits=4 folds of whole groups"):
        make_splits("group", y, groups=groups, n_splits=4)


def test_kfold_names_the_most_folds_the_classes_allow():
    y = ["a"] * 3 + ["b"] * 2
    assert len(make_splits("kfold", y, n_splits=3)) == 3
    with pytest.raises(ValueError) as error:
        make_splits("kfold", y, n_splits=4)
    assert str(error.value) == (
        "n_splits=4: stratified folds need a class with at least 4 examples, the "
        "largest class of this data has 3; give n_splits=3 or fewer."
    )
    with pytest.raises(ValueError, match="^kfold's default of 5 folds: .* has 3;"):
        make_splits("kfold", y)
    with pytest.raises(ValueError, match="has 1; too few to cross-validate.$"):
        make_splits("kfold", ["a", "b"], n_splits=2)


def test_data_settings_follow_the_files(tmp_path):
    files = []
    for i, (rate, seconds) in enumerate([(44100, 5.0)] * 3 + [(16000, 5.0)]):
        files.append(tmp_path / f"{i}.wav")
        sf.write(files[-1], np.zeros(int(rate * seconds)), rate)
    chosen = data_settings(files)
    assert chosen["sample_rate"] == MAX_SAMPLE_RATE == 22050
    assert chosen["duration"] == 5.0 and chosen["n_cropped"] == 0
    assert chosen["native_rates"] == {16000: 1, 44100: 3}
    chosen = data_settings(files[3:], duration=2.0)
    assert (chosen["sample_rate"], chosen["n_cropped"]) == (16000, 1)
    assert feature_window(8000) == 512 and feature_window(44100) == 2048


def test_run_cv_saves_each_fold_and_resumes(tmp_path, data):
    X, y, groups, _ = data
    splits = make_splits("loso", y, groups=groups)
    path = tmp_path / "runs" / "cv" / "results.jsonl"  # folders created
    settings = {"model": "logreg", "seed": 0}
    lines = []
    CountingClassifier.fits = 0
    first = run_cv(
        CountingClassifier(), X, y, splits[:2], results_path=path, settings=settings
    )
    assert CountingClassifier.fits == 2 and len(read_results(path)) == 2
    # An interrupted run resumes: only the missing fold is fitted.
    records = run_cv(
        CountingClassifier(),
        X,
        y,
        splits,
        results_path=path,
        settings=settings,
        progress=lines.append,
    )
    assert CountingClassifier.fits == 3
    assert records[:2] == first and "(saved)" in lines[0] and "(saved)" not in lines[2]
    assert [r["fold"] for r in records] == ["s1", "s2", "s3"]
    assert records[0]["accuracy"] == 1.0 and records[0]["labels"] == ["a", "b"]
    assert np.sum(records[0]["confusion"]) == records[0]["n_test"] == 20
    # Other settings do not reuse these results.
    run_cv(
        CountingClassifier(),
        X,
        y,
        splits[:1],
        results_path=path,
        settings={**settings, "seed": 1},
        progress=lines.append,
    )
    assert CountingClassifier.fits == 4
    assert len(read_results(path, seed=0)) == 3 and len(read_results(path)) == 4
    summary = summarize(records)
    assert summary["n_folds"] == 3 and summary["mean"] == pytest.approx(
        np.mean([r["accuracy"] for r in records])
    )


def test_summary_table_and_csv_of_known_folds(tmp_path):
    # Two classes; s1 and s2 have few clips of the second, which the model
    # misses: their balanced accuracy (mean recall) is below their accuracy.
    # s3 tests the first class only, whose recall alone counts.
    records = [
        {
            "fold": "s1",
            "accuracy": 0.5,
            "n_train": 16,
            "n_test": 8,
            "train_seconds": 1.4,
            "confusion": [[4, 2], [2, 0]],
        },
        {
            "fold": "s2",
            "accuracy": 0.75,
            "n_train": 16,
            "n_test": 4,
            "train_seconds": 2.6,
            "confusion": [[3, 0], [1, 0]],
        },
        {
            "fold": "s3",
            "accuracy": 1.0,
            "n_train": 12,
            "n_test": 8,
            "train_seconds": 3,
            "confusion": [[8, 0], [0, 0]],
        },
    ]
    assert [balanced_accuracy(r) for r in records] == pytest.approx([1 / 3, 0.5, 1])
    summary = summarize(records)
    # Population standard deviation over the folds: 0.25 * sqrt(2 / 3).
    assert summary == {
        "mean": 0.75,
        "std": pytest.approx(0.2041241452),
        "balanced_mean": pytest.approx(11 / 18),
        "balanced_std": pytest.approx(np.std([1 / 3, 0.5, 1])),
        "train_seconds": 7.0,
        "n_folds": 3,
    }
    assert fold_table(records).splitlines() == [
        "| fold | accuracy | balanced accuracy | n_test | train s |",
        "|---|---|---|---|---|",
        "| s1 | 50.0% | 33.3% | 8 | 1 |",
        "| s2 | 75.0% | 50.0% | 4 | 3 |",
        "| s3 | 100.0% | 100.0% | 8 | 3 |",
        "| **mean ± std** | **75.0% ± 20.4%** | 61.1% ± 28.3% | 20 in all | 7 in all |",
    ]
    assert fold_table(records[:1]).splitlines()[-1] == (
        "| **one fold** | **50.0%** | 33.3% | 8 in all | 1 in all |"
    )
    write_fold_csv(records, tmp_path / "folds.csv")
    assert (tmp_path / "folds.csv").read_text().splitlines() == [
        "fold,accuracy,balanced_accuracy,n_train,n_test,train_seconds",
        "s1,0.5,0.333333,16,8,1.4",
        "s2,0.75,0.5,16,4,2.6",
        "s3,1.0,1.0,12,8,3",
    ]
    groups = {"s1": ["s1"], "s2": ["mic A"], "s3": ["s3", "léo, 2"]}
    write_fold_csv(records, tmp_path / "folds.csv", test_groups=groups)
    assert (tmp_path / "folds.csv").read_text("utf-8").splitlines() == [
        "fold,accuracy,balanced_accuracy,n_train,n_test,train_seconds,test_groups",
        's1,0.5,0.333333,16,8,1.4,"[""s1""]"',
        's2,0.75,0.5,16,4,2.6,"[""mic A""]"',
        's3,1.0,1.0,12,8,3,"[""s3"", ""léo, 2""]"',
    ]
    with open(tmp_path / "folds.csv", encoding="utf-8") as f:
        read_back = {
            row["fold"]: json.loads(row["test_groups"]) for row in csv.DictReader(f)
        }
    assert read_back == groups


def test_read_results_names_bad_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"fold": "a"}) + "\n{broken\n")
    with pytest.raises(ValueError, match="line 2"):
        read_results(path)
    assert read_results(tmp_path / "missing.jsonl") == []
    path.write_text('{"fold": "a"}\n\n{"fold": "b"}\n')  # a blank line between
    assert read_results(path) == [{"fold": "a"}, {"fold": "b"}]


@pytest.mark.parametrize("name", ["mel-cnn", "mfcc-seq", "mfcc-seq-aug", "lv-81"])
def test_named_models_fit_waveforms(name, tones):
    X, y = tones
    model = make_model(name, sample_rate=8000, max_epochs=1, random_state=0)
    assert model.steps[-1][0] == "cnn"
    assert model.fit(X, y).predict(X).shape == y.shape


def test_unknown_model_lists_names():
    with pytest.raises(ValueError, match="choose one of.*mel-cnn"):
        make_model("resnet-1000", sample_rate=8000)
    assert {"lv-18", "sincnet", "mel-cnn", "mfcc-seq"} <= set(model_names())


@pytest.mark.parametrize("name", ["lv-18", "mel-cnn", "mfcc-seq", "mfcc-seq-aug"])
def test_make_model_names_a_misspelt_parameter_at_once(name):
    with pytest.raises(ValueError, match="Invalid parameter 'epochs' for estimator"):
        make_model(name, sample_rate=8000, epochs=3)
    # Given parameters override the recipe's.
    model = make_model(name, sample_rate=8000, optimizer__weight_decay=0.5)
    assert model.steps[-1][1].get_params()["optimizer__weight_decay"] == 0.5


class SwallowsCtrlC(LogisticRegression):
    """Stops quietly on Ctrl-C, as skorch's fit does."""

    def fit(self, X, y):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass
        return super().fit(X, y)


def test_data_digest_follows_names_labels_groups_and_subsets_not_the_folder():
    data = Bunch(
        filenames=["/d/a/0.wav", "/d/b/1.wav"],
        target=np.array(["a", "b"], dtype=object),
        groups=np.array(["s1", "s2"], dtype=object),
        subset=None,
    )
    digest = data_digest(data)
    assert len(digest) == 16 and int(digest, 16) >= 0
    moved = Bunch(**{**data, "filenames": ["/e/f/a/0.wav", "/e/f/b/1.wav"]})
    assert data_digest(moved) == digest
    changes = {
        "filenames": ["/d/a/0.wav", "/d/b/2.wav"],
        "target": ["a", "a"],
        "groups": ["s1", "s1"],
        "subset": ["train", "test"],
    }
    for key, value in changes.items():
        assert data_digest(Bunch(**{**data, key: value})) != digest, key
    assert data_digest(Bunch(**{**data, "groups": None})) != digest
    one = Bunch(filenames=["/d/a/0.wav"], target=["a"], groups=None)
    assert data_digest(one) == data_digest(Bunch(**{**one, "filenames": ["0.wav"]}))


def test_data_digest_changes_when_a_file_is_rewritten(tmp_path):
    for name in ("a.wav", "b.wav"):
        sf.write(tmp_path / name, np.full(800, 0.5), 8000)
    data = Bunch(
        filenames=[str(tmp_path / "a.wav"), str(tmp_path / "b.wav")],
        target=["x", "y"],
        groups=None,
    )
    digest = data_digest(data)
    assert data_digest(data) == digest
    # Same length and name, quieter audio, written a second later.
    written = os.stat(tmp_path / "b.wav").st_mtime_ns
    sf.write(tmp_path / "b.wav", np.full(800, 0.25), 8000)
    os.utime(tmp_path / "b.wav", ns=(written, written + 10**9))
    assert data_digest(data) != digest


def test_interrupted_fold_is_not_saved(tmp_path, data):
    X, y, groups, _ = data
    path = tmp_path / "results.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_cv(
            SwallowsCtrlC(),
            X,
            y,
            make_splits("group", y, groups=groups),
            results_path=path,
            settings={},
            progress=lambda line: None,
        )
    assert read_results(path) == []


def test_run_experiment_runs_saves_summarises_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 8000
    for label, freq in {"high": 1600, "low": 200}.items():
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(8):
            x = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6)) * 0.5
            sf.write(tmp_path / "data" / label / f"{i}.wav", x, 8000)
    lines = []
    kwargs = dict(protocol="kfold", n_splits=2, max_epochs=1, progress=lines.append)
    result = run_experiment("simple", tmp_path / "data", out=tmp_path / "out", **kwargs)
    accuracy = [r["accuracy"] for r in result.records]
    assert [r["fold"] for r in result.records] == ["fold-0", "fold-1"]
    assert result.summary["mean"] == pytest.approx(np.mean(accuracy))
    assert result.summary["n_folds"] == 2 and result.settings["epochs"] == 1
    assert [p.name for p in result.written][:3] == [
        "results.jsonl",
        "folds.csv",
        "predictions.csv",
    ]
    assert "Loading 16 files ..." in lines
    assert not any("silent" in line for line in lines)
    assert "simple, kfold, 2 folds, 1 epoch" in lines
    assert lines[lines.index(fold_table(result.records)) - 1] == ""
    assert lines[-1] == "\nwritten: " + ", ".join(map(str, result.written))
    if result.written[-1].suffix == ".png":  # the title names model and protocol
        same = save_confusion_figure(
            result.records, tmp_path / "same.png", title="simple, kfold"
        )
        assert same.read_bytes() == result.written[-1].read_bytes()
    # The same call again: nothing loaded or trained, the same summary.
    lines.clear()
    again = run_experiment("simple", tmp_path / "data", out=tmp_path / "out", **kwargs)
    assert again.summary == result.summary
    assert sum("(saved)" in line for line in lines) == 2
    assert not any(line.startswith("Loading") for line in lines)
    # The same data named another way: the same saved folds.
    lines.clear()
    renamed = tmp_path / "out" / ".." / "data"
    again = run_experiment("simple", renamed, out=tmp_path / "out", **kwargs)
    assert again.summary == result.summary and again.settings["data"] == str(renamed)
    assert sum("(saved)" in line for line in lines) == 2
    # A fold saved by an earlier skaudio, without per-clip predictions.
    results = tmp_path / "out" / "results.jsonl"
    old = [json.loads(line) for line in results.read_text().splitlines()]
    del old[0]["predicted"]
    results.write_text("".join(json.dumps(r) + "\n" for r in old))
    lines.clear()
    again = run_experiment("simple", tmp_path / "data", out=tmp_path / "out", **kwargs)
    assert again.summary == result.summary
    assert (
        "1 fold saved by an earlier skaudio (e.g. 'fold-0') has no per-clip "
        "predictions: predictions.csv leaves it out"
    ) in lines
    with open(tmp_path / "out" / "predictions.csv", encoding="utf-8") as f:
        assert {row["fold"] for row in csv.DictReader(f)} == {"fold-1"}
    # Another seed in the same folder: its folds are not saved yet, so it loads.
    lines.clear()
    kwargs["random_state"] = 1
    other = run_experiment("simple", tmp_path / "data", out=tmp_path / "out", **kwargs)
    assert "Loading 16 files ..." in lines and other.settings["seed"] == 1
    # The data changed (a file moved to the other class): not the saved folds.
    (tmp_path / "data" / "high" / "7.wav").rename(tmp_path / "data" / "low" / "8.wav")
    lines.clear()
    kwargs["random_state"] = 0
    changed = run_experiment(
        "simple", tmp_path / "data", out=tmp_path / "out", **kwargs
    )
    assert changed.settings["data_digest"] != result.settings["data_digest"]
    assert f"{tmp_path / 'out' / 'results.jsonl'} has 2 folds of these settings " in (
        "".join(lines)
    )
    assert "Loading 16 files ..." in lines
    assert not any("(saved)" in line for line in lines)
    with pytest.raises(ValueError, match="Unknown model 'nope'"):
        run_experiment("nope", tmp_path / "missing", **kwargs)


def test_default_protocol_keeps_groups_apart_when_there_are_groups():
    assert default_protocol() == "kfold"
    assert default_protocol(["s1", "s2"]) == "group"
    assert default_protocol(["s1", "s1"]) == "kfold"  # one group: nothing to hold out


def test_confusion_figure_of_one_fold_with_its_title(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    open_figures = plt.get_fignums()
    record = {"labels": ["a", "b"], "confusion": [[3, 1], [0, 4]]}
    titled = save_confusion_figure([record], tmp_path / "t.png", title="lv-18")
    plain = save_confusion_figure([record], tmp_path / "p.png")
    assert titled == tmp_path / "t.png" and plain == tmp_path / "p.png"
    assert titled.read_bytes() != plain.read_bytes()
    assert plt.get_fignums() == open_figures


class SlowClassifier(LogisticRegression):
    """LogisticRegression whose fit takes at least 0.05 s."""

    def fit(self, X, y):
        time.sleep(0.05)
        return super().fit(X, y)


def test_fold_record_times_the_fit_and_counts_every_class(tmp_path, data):
    X, y, _, _ = data
    # The test set holds class "a" only: its confusion matrix still has "b".
    test = np.flatnonzero(y == "a")[:5]
    train = np.setdiff1d(np.arange(len(y)), test)
    start = time.perf_counter()
    (record,) = run_cv(
        SlowClassifier(),
        X,
        y,
        [("only-a", train, test)],
        results_path=tmp_path / "results.jsonl",
        settings={},
        progress=lambda line: None,
    )
    assert record["labels"] == ["a", "b"]
    assert record["confusion"] == [[5, 0], [0, 0]]
    assert (record["n_train"], record["n_test"], record["accuracy"]) == (55, 5, 1.0)
    # Seconds of the fit, to the hundredth.
    elapsed = time.perf_counter() - start
    assert 0.05 <= record["train_seconds"] <= elapsed + 0.005
    assert record["train_seconds"] == round(record["train_seconds"], 2)


def _tone_manifest(folder, header="wav,sound,session"):
    """16 tones of 0.5 s at 8 kHz, 2 classes in 4 groups, in a CSV manifest.

    Every group holds both classes, so that any split of whole groups trains
    on both (the folds of StratifiedGroupKFold differ between scikit-learn
    versions).
    """
    folder.mkdir()
    t = np.arange(4000) / 8000
    rows = [header]
    for i in range(16):
        label, freq = ("high", 1600) if (i // 4) % 2 else ("low", 200)
        sf.write(folder / f"{i}.wav", 0.5 * np.sin(2 * np.pi * freq * t), 8000)
        rows.append(f"{i}.wav,{label},s{i % 4}")
    (folder / "clips.csv").write_text("\n".join(rows) + "\n")
    return folder / "clips.csv"


def test_silent_clips():
    X = np.ones((4, 1, 10), dtype=np.float32)
    assert silent_clips(X, ["a", "b", "c", "d"]) is None
    X[1] = X[3] = 0
    assert silent_clips(X, ["a", "b", "c", "d"]) == (
        "2 clips (e.g. 'b') are silent, every sample zero as loaded: their labels "
        "say nothing about the audio; check the recording, or leave it out of the data"
    )
    assert silent_clips(X[:2, 0], ["a", "b"]).startswith("'b' is silent")


def test_run_experiment_passes_every_setting_on(tmp_path, capsys):
    manifest = _tone_manifest(tmp_path / "data")
    lines = []
    kwargs = dict(
        layout="manifest",
        columns={
            "path_column": "wav",
            "label_column": "sound",
            "group_column": "session",
        },
        sample_rate=4000,
        duration=0.25,
        n_splits=2,
        max_epochs=2,
        random_state=3,
        verbose=1,
        progress=lines.append,
    )
    result = run_experiment("simple", manifest, out=tmp_path / "a", **kwargs)
    assert result.settings == {
        "model": "simple",
        "data": str(manifest),
        "data_digest": data_digest(load_audio_manifest(manifest, **kwargs["columns"])),
        "layout": "manifest",
        "protocol": "group",  # the default when the data has groups
        "n_splits": 2,
        "epochs": 2,
        "seed": 3,
        "sample_rate": 4000,
        "duration": 0.25,
    }
    assert (
        "data: 16 files, 2 classes, 4 groups (manifest layout: labels from 'sound', "
        "groups from 'session')"
    ) in lines
    assert [r["fold"] for r in result.records] == ["fold-0", "fold-1"]
    with open(tmp_path / "a" / "folds.csv") as f:
        held_out = [json.loads(row["test_groups"]) for row in csv.DictReader(f)]
    assert [len(g) for g in held_out] == [2, 2]
    assert sorted(held_out[0] + held_out[1]) == ["s0", "s1", "s2", "s3"]
    assert sum(r["n_test"] for r in result.records) == 16
    # One row per test clip, its fold holding out its group.
    with open(tmp_path / "a" / "predictions.csv", encoding="utf-8") as f:
        clips = list(csv.DictReader(f))
    assert len(clips) == 16 and list(clips[0]) == [
        "file",
        "fold",
        "group",
        "label",
        "predicted",
        "correct",
    ]
    assert sorted(Path(c["file"]).name for c in clips) == sorted(
        Path(p).name
        for p in load_audio_manifest(manifest, **kwargs["columns"]).filenames
    )
    for clip in clips:
        assert clip["group"] in held_out[int(clip["fold"][-1])]
        assert clip["correct"] == str(clip["label"] == clip["predicted"])
    for record in result.records:
        fold = [c for c in clips if c["fold"] == record["fold"]]
        assert [c["predicted"] for c in fold] == record["predicted"]
        right = sum(c["correct"] == "True" for c in fold)
        assert right / len(fold) == pytest.approx(record["accuracy"])
    # verbose=1: skorch's table, one row per epoch of each fold.
    rows = re.findall(r"^ +(\d+) ", capsys.readouterr().out, flags=re.MULTILINE)
    assert rows == ["1", "2", "1", "2"]
    # The same seed elsewhere: the same scores.
    again = run_experiment("simple", manifest, out=tmp_path / "b", **kwargs)
    for first, second in zip(result.records, again.records, strict=True):
        assert first["confusion"] == second["confusion"]


def test_run_experiment_defaults(tmp_path, monkeypatch, capsys):
    manifest = _tone_manifest(tmp_path / "data", header="path,label,fold")
    monkeypatch.chdir(tmp_path)
    result = run_experiment("simple", manifest, protocol="kfold", n_splits=2)
    assert result.written[0] == Path("runs/cv/results.jsonl")
    assert (result.settings["epochs"], result.settings["seed"]) == (30, 0)
    assert result.settings["sample_rate"] == 8000
    out = capsys.readouterr().out
    assert "simple, kfold, 2 folds, 30 epochs" in out
    assert "epoch" not in out.replace("30 epochs", "")  # verbose=0: no epoch table


def test_run_experiment_official_split_of_speech_commands(tmp_path):
    root = tmp_path / "speech_commands"
    t = np.arange(4000) / 8000
    tested = []
    for word, freq in {"high": 1600, "low": 200}.items():
        (root / word).mkdir(parents=True)
        for i in range(6):
            name = f"spk{i}_nohash_0.wav"
            sf.write(root / word / name, 0.5 * np.sin(2 * np.pi * freq * t), 8000)
            if i < 2:
                tested.append(f"{word}/{name}")
    (root / "testing_list.txt").write_text("\n".join(tested) + "\n")
    (root / "validation_list.txt").write_text("")
    lines = []
    result = run_experiment(
        "simple",
        root,
        protocol="official",
        out=tmp_path / "out",
        max_epochs=1,
        progress=lines.append,
    )
    assert lines[1] == (
        "official split: test 4, train 8 (protocol='official' tests on test and "
        "trains on the rest)"
    )
    (record,) = result.records
    assert (record["fold"], record["n_train"], record["n_test"]) == ("official", 8, 4)
    # The device reaches the classifier: a GPU this machine lacks fails.
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available on this machine"):
            run_experiment(
                "simple",
                root,
                protocol="official",
                out=tmp_path / "gpu",
                max_epochs=1,
                device="cuda",
                progress=lambda line: None,
            )
    # Read as a plain folder of classes, it has no official split.
    with pytest.raises(ValueError, match="needs the data set's own test split"):
        run_experiment("simple", root, layout="folder", protocol="official")


def test_make_splits_defaults_and_limits(data):
    _, y, groups, _ = data
    # "kfold" without n_splits: 5 folds.
    assert [name for name, _, _ in make_splits("kfold", y)] == [
        f"fold-{i}" for i in range(5)
    ]
    # As many folds as groups is allowed: each fold tests one whole group.
    folds = make_splits("group", y, groups=groups, n_splits=3)
    held_out = sorted(np.unique(groups[test]).tolist() for _, _, test in folds)
    assert held_out == [["s1"], ["s2"], ["s3"]]
    # Folds of whole groups are shuffled with random_state (0 by default):
    # the same call gives the same folds.
    many = np.repeat([f"g{i}" for i in range(12)], 5)
    labels = np.tile(["a", "b", "a", "b", "a"], 12)
    first = make_splits("group", labels, groups=many, n_splits=2)
    for again in [make_splits("group", labels, groups=many, n_splits=2)] * 4 + [
        make_splits("group", labels, groups=many, n_splits=2, random_state=0)
    ]:
        assert [t.tolist() for _, _, t in again] == [t.tolist() for _, _, t in first]
    with pytest.raises(ValueError, match="the largest class of this data has 30"):
        make_splits("kfold", y, n_splits=len(y) + 1)
    with pytest.raises(ValueError) as error:
        make_splits("official", y)
    assert str(error.value) == (
        "protocol='official' needs the data set's own test split, and this data "
        "has none (FSDD and Speech Commands have one); use protocol='group' or "
        "protocol='kfold'."
    )


@pytest.mark.parametrize("n_bad", [10, 11])
def test_data_settings_names_unreadable_files(tmp_path, n_bad):
    from skaudio.io import AudioLoadError, audio_info

    good = tmp_path / "good.wav"
    sf.write(good, np.zeros(800), 8000)
    bad = []
    for i in range(n_bad):
        bad.append(tmp_path / f"bad{i:02d}.wav")
        bad[-1].write_text("not audio")
    reasons = []
    for path in bad:
        with pytest.raises(AudioLoadError) as error:
            audio_info(path)
        reasons.append(f"'{error.value.path}': {error.value.reason}")
    with pytest.raises(ValueError) as error:
        data_settings([good, *bad])
    # At most 10 files are named, and then the message says how many in all.
    more = " (the first 10 of 11)" if n_bad == 11 else ""
    assert str(error.value) == (
        f"{n_bad} of {n_bad + 1} files cannot be read{more}: " + "; ".join(reasons[:10])
    )


def test_prepare_data_says_what_the_rate_and_length_change(tmp_path):
    # 3 clips at 16 kHz (the most common rate), one each at 44.1 and 48 kHz.
    clips = {
        "a/0.wav": (16000, 0.5),
        "a/1.wav": (16000, 0.6),
        "a/2.wav": (16000, 0.6),
        "b/0.wav": (44100, 0.75),
        "b/1.wav": (48000, 0.6),
    }
    for name, (rate, seconds) in clips.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        sf.write(tmp_path / name, np.zeros(round(rate * seconds)), rate)
    described = [
        "data: 5 files, 2 classes, no groups (folder layout)",
        "files: 16000 Hz (3 files), 44100 Hz (1 file), 48000 Hz (1 file); "
        "0.50-0.75 s, median 0.60 s",
    ]
    loading = (
        "loading at 16000 Hz{}, 0.7 s per clip: files at 44100, 48000 Hz are "
        "resampled, losing content above 8000 Hz; 1 clip (20.0%) longer than "
        "0.7 s is cropped"
    )
    lines = []
    # The layout is found ("auto" by default): a folder of class folders.
    # The hint names only what was chosen here, not what was given.
    bunch, chosen = prepare_data(tmp_path, duration=0.7, progress=lines.append)
    assert lines == [*described, loading.format(" (sample_rate changes it)")]
    assert bunch.layout == "folder" and len(bunch.filenames) == 5
    assert (chosen["sample_rate"], chosen["duration"]) == (16000, 0.7)
    # Both given: nothing left to change.
    lines.clear()
    prepare_data(tmp_path, sample_rate=16000, duration=0.7, progress=lines.append)
    assert lines == [*described, loading.format("")]
    # The length still chosen: the longest clip, none cropped.
    lines.clear()
    prepare_data(tmp_path, sample_rate=16000, progress=lines.append)
    assert lines[-1] == (
        "loading at 16000 Hz, 0.8 s per clip (duration changes it): files at "
        "44100, 48000 Hz are resampled, losing content above 8000 Hz; every clip "
        "is whole"
    )
    # A length that fills memory says how much (5 clips x 4 h at 16 kHz).
    lines.clear()
    prepare_data(tmp_path, duration=4 * 3600, progress=lines.append)
    assert lines[-1].endswith(
        "; every clip is whole; the longest clip is 0.75 s: every clip is padded "
        "with zeros to more than twice its length; the clips take 4.6 GB of memory"
    )


def test_prepare_data_says_what_upsampling_and_mixing_to_mono_change(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        sf.write(tmp_path / label / "mono.wav", np.zeros(800), 8000)
    sf.write(tmp_path / "b" / "stereo.wav", np.zeros((1600, 2)), 16000)
    lines = []
    bunch, chosen = prepare_data(
        tmp_path, sample_rate=16000, duration=0.1, progress=lines.append
    )
    assert chosen["n_multichannel"] == 1
    assert lines[-1] == (
        "loading at 16000 Hz, 0.1 s per clip: files at 8000 Hz are upsampled, "
        "with nothing above half their rate; 1 file of two or more channels is "
        "mixed to mono; every clip is whole"
    )


def test_prepare_data_says_when_a_few_long_files_set_the_length(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(5):
            sf.write(tmp_path / label / f"{i}.wav", np.zeros(1000), 1000)
    long = tmp_path / "b" / "long.wav"
    sf.write(long, np.zeros(10_000), 1000)
    lines = []
    prepare_data(tmp_path, progress=lines.append)
    assert lines[-1] == (
        "loading at 1000 Hz (sample_rate changes it), 10.0 s per clip (duration "
        "changes it): every clip is whole; the length is set by the longest file "
        f"('{long}', 10.0 s), over 3 times the median 1.00 s: the other clips "
        "are padded to it"
    )
    lines.clear()
    prepare_data(tmp_path, duration=10.0, progress=lines.append)
    assert "set by the longest" not in lines[-1]  # chosen by the caller


def test_prepare_data_names_clips_far_shorter_than_the_others(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(5):
            sf.write(tmp_path / label / f"{i}.wav", np.zeros(1000), 1000)
    for name, n_samples in (("cut", 60), ("cuter", 50)):
        sf.write(tmp_path / "a" / f"{name}.wav", np.zeros(n_samples), 1000)
    lines = []
    prepare_data(tmp_path, progress=lines.append)
    assert lines[-1].endswith(
        "every clip is whole; 2 clips are under a tenth of the median 1.00 s (the "
        f"shortest: '{tmp_path / 'a' / 'cuter.wav'}' (0.05 s)), mostly zeros once "
        "padded: check that they were not cut short"
    )


def test_prepare_data_says_when_a_given_duration_pads_every_clip(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        sf.write(tmp_path / label / "0.wav", np.zeros(1000), 1000)
    for duration, said in ((2.0, False), (2.5, True)):
        lines = []
        prepare_data(tmp_path, duration=duration, progress=lines.append)
        assert (
            lines[-1].endswith(
                "every clip is whole; the longest clip is 1.00 s: every clip is "
                "padded with zeros to more than twice its length"
            )
            is said
        )


def test_kfold_names_the_columns_that_could_hold_groups(tmp_path):
    for i in range(3):
        sf.write(tmp_path / f"{i}.wav", np.zeros(800), 8000)
    rows = "".join(f"{i}.wav,{label},s{i % 2},x\n" for i, label in enumerate("drd"))
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label,session,note\n" + rows)

    def cross_validate_lines(**kwargs):
        # Too many folds: fails once the note is said, before any training.
        lines = []
        with pytest.raises(ValueError, match="stratified folds need"):
            run_experiment(
                "simple",
                manifest,
                n_splits=9,
                out=tmp_path / "run",
                progress=lines.append,
                **kwargs,
            )
        return lines

    note = (
        "no group column: the folds may put clips of one speaker or session on "
        "both sides; if one of the columns 'session', 'note' holds them, name it "
        "with columns={'group_column': ...}"
    )
    assert note in cross_validate_lines()
    # Only folds mix groups: describing the data or fitting it names the
    # columns left unread, without the note.
    lines = []
    bunch, _ = prepare_data(manifest, progress=lines.append)
    assert bunch.groups is None
    assert not any("group column" in line for line in lines)
    assert lines[0] == (
        "data: 3 files, 2 classes, no groups (manifest layout: labels from 'label'; "
        "unused columns: 'session', 'note')"
    )
    lines = cross_validate_lines(columns={"group_column": "session"}, protocol="kfold")
    assert not any("group column" in line for line in lines)
    assert (
        "protocol='kfold' ignores the data's 2 groups: the folds may put clips of "
        "one group on both sides (protocol='group' keeps them whole)"
    ) in lines
    # One group: kfold by default, and said so.
    manifest.write_text("path,label,session,note\n" + rows.replace(",s1,", ",s0,"))
    lines = cross_validate_lines(columns={"group_column": "session"})
    assert lines[0] == (
        "data: 3 files, 2 classes, 1 group (manifest layout: labels from 'label', "
        "groups from 'session')"
    )
    assert (
        "the data has one group ('s0'), which every fold trains and tests on: "
        "protocol='kfold'"
    ) in lines
    # A group per clip is said to be unlikely to be the right column.
    lines = cross_validate_lines(columns={"group_column": "path"}, protocol="kfold")
    assert lines[1].startswith("every group holds one clip: a fold per group tests")
    # A manifest of paths and labels alone has nothing to suggest.
    manifest.write_text("path,label\n0.wav,d\n1.wav,r\n2.wav,d\n")
    assert not any("group column" in line for line in cross_validate_lines())


def test_prepare_data_names_classes_that_differ_only_in_case_or_spaces(tmp_path):
    for label in ("Siren", "siren", "dog  bark", "Dog bark", "rain"):
        (tmp_path / label).mkdir()
        sf.write(tmp_path / label / "a.wav", np.zeros(800), 8000)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,label\nrain/a.wav,Sir\u00e8ne\nSiren/a.wav,Sire\u0300ne\n"
        "siren/a.wav,01\nDog bark/a.wav,1\ndog  bark/a.wav,10\n"
    )
    lines = []
    bunch, _ = prepare_data(tmp_path, progress=lines.append)
    assert len(set(bunch.target)) == 5  # kept apart: the data says so
    assert lines[1] == (
        "classes that differ only in case, inner spaces, leading zeros or Unicode form "
        "(composed or decomposed accents) stay apart: 'Dog bark' and 'dog  bark'; "
        "'Siren' and 'siren'; rename them in the data if they are the same class"
    )
    lines.clear()
    prepare_data(manifest, progress=lines.append)
    assert "stay apart: '01' and '1'; 'Sire\\u0300ne' and 'Sir\\xe8ne';" in lines[1]


def test_prepare_data_refuses_one_class(tmp_path):
    (tmp_path / "dog").mkdir()
    sf.write(tmp_path / "dog" / "a.wav", np.zeros(800), 8000)
    with pytest.raises(ValueError) as error:
        prepare_data(tmp_path, progress=lambda line: None)
    assert str(error.value) == (
        f"Data '{tmp_path}' has one class ('dog'); a classifier needs at least two."
    )
    # A folder of audio beside its manifest: the manifest is named.
    (tmp_path / "meta.csv").write_text("path,label\ndog/a.wav,dog\n")
    with pytest.raises(ValueError) as error:
        prepare_data(tmp_path, progress=lambda line: None)
    assert str(error.value).endswith(
        f"needs at least two. '{tmp_path / 'meta.csv'}' may be a manifest of the "
        "clips: give it as the data."
    )


def test_named_models_are_the_documented_pipelines():
    waveform = make_model("lv-18", sample_rate=8000, max_epochs=2)
    assert [name for name, _ in waveform.steps] == ["norm", "cnn"]
    cnn = waveform.named_steps["cnn"]
    assert (cnn.architecture, cnn.sample_rate, cnn.max_epochs) == ("lv-18", 8000, 2)
    # The feature models of docs/benchmarks.rst: 64 ms windows at 8 kHz.
    mel = make_model("mel-cnn", sample_rate=8000, max_epochs=2)
    assert [name for name, _ in mel.steps] == ["mel", "cnn"]
    assert mel.named_steps["mel"].get_params() == {
        **MelTransformer().get_params(),
        "sample_rate": 8000,
        "n_fft": 512,
        "hop_length": 256,
        "n_mels": 64,
    }
    assert mel.named_steps["cnn"].max_epochs == 2
    mfcc = make_model("mfcc-seq", sample_rate=8000, max_epochs=2)
    assert [name for name, _ in mfcc.steps] == ["mfcc", "cnn"]
    assert mfcc.named_steps["mfcc"].get_params() == {
        **MFCCTransformer().get_params(),
        "sample_rate": 8000,
        "n_fft": 512,
        "hop_length": 128,
        "n_mels": 64,
        "n_mfcc": 40,
        "layout": "sequence",
    }
    assert mfcc.named_steps["cnn"].max_epochs == 2
    # The step names are the prefixes of set_params.
    mel.set_params(mel__n_mels=32, cnn__max_epochs=3)
    assert (mel.named_steps["mel"].n_mels, mel.named_steps["cnn"].max_epochs) == (32, 3)
    waveform.set_params(norm__eps=1e-3)
    assert waveform.named_steps["norm"].eps == 1e-3


def test_mfcc_seq_aug_is_mfcc_seq_inside_the_classifier_with_augmentation_and_recipe():
    plain = make_model("mfcc-seq", sample_rate=16000)
    model = make_model("mfcc-seq-aug", sample_rate=16000, max_epochs=2)
    assert [name for name, _ in model.steps] == ["cnn"]
    cnn = model.named_steps["cnn"]
    assert cnn.frontend.get_params() == plain.named_steps["mfcc"].get_params()
    assert [repr(a) for a in cnn.augment] == [repr(a) for a in standard_augmentation()]
    assert cnn.filters == 256
    recipe = training_recipe()
    assert recipe == {
        "optimizer": torch.optim.AdamW,
        "optimizer__weight_decay": 0.05,
        "criterion__label_smoothing": 0.1,
        "lr_schedule": "cosine",
    }
    assert {k: cnn.get_params()[k] for k in recipe} == recipe
    assert cnn.max_epochs == 2
    # Given parameters replace the recipe's.
    constant = make_model("mfcc-seq-aug", sample_rate=16000, lr_schedule="constant")
    assert constant.named_steps["cnn"].lr_schedule == "constant"
    assert describe_features(model) == (
        "features: MFCCTransformer, window 1024 samples (64 ms), hop 256 (16 ms)"
    )


def test_describe_features_in_samples_and_milliseconds():
    assert describe_features(make_model("lv-18", sample_rate=8000)) is None
    lines = {
        ("mel-cnn", 8000): "features: MelTransformer, window 512 samples (64 ms), "
        "hop 256 (32 ms)",
        # Rates where the milliseconds round close to a half.
        ("mel-cnn", 8200): "features: MelTransformer, window 512 samples (62 ms), "
        "hop 256 (31 ms)",
        ("mfcc-seq", 25000): "features: MFCCTransformer, window 2048 samples "
        "(82 ms), hop 512 (20 ms)",
    }
    for (name, rate), line in lines.items():
        assert describe_features(make_model(name, sample_rate=rate)) == line


def test_make_loader_reads_at_the_chosen_rate_and_length(monkeypatch):
    settings = {"sample_rate": 16000, "duration": 0.7}
    loader = make_loader(settings)
    assert (loader.sample_rate, loader.duration, loader.n_jobs) == (16000, 0.7, 1)
    assert make_loader(settings, n_jobs=3).n_jobs == 3
    # A progress bar only when standard error is a terminal.
    assert loader.verbose == 0

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert make_loader(settings).verbose == 1


@pytest.mark.parametrize("models", [[], ["lv-18", "mel-cnn"]])
def test_reproduce_refuses_models_outside_the_paper_before_loading(models, tmp_path):
    from skaudio.paper import reproduce

    with pytest.raises(ValueError, match="^models must name one or more of"):
        reproduce(models, out=tmp_path, progress=lambda line: pytest.fail(line))


def test_run_cv_loads_the_data_only_when_a_fold_is_missing(tmp_path):
    from sklearn.dummy import DummyClassifier

    X = np.random.default_rng(0).standard_normal((12, 4))
    y = np.arange(12) % 2
    splits = make_splits("group", y, groups=np.repeat(["a", "b", "c"], 4))
    calls = []

    def load():
        calls.append("load")
        return X

    for _ in range(2):  # the second run finds every fold saved
        records = run_cv(
            DummyClassifier(),
            load,
            y,
            splits,
            results_path=tmp_path / "r.jsonl",
            settings={},
            progress=lambda line: None,
        )
        assert [r["fold"] for r in records] == ["a", "b", "c"]
    assert calls == ["load"]


@pytest.mark.parametrize("name", ["mel-cnn", "mfcc-seq", "mfcc-seq-aug"])
def test_make_model_refuses_a_rate_too_low_for_its_mel_filters(name):
    with pytest.raises(ValueError) as error:
        make_model(name, sample_rate=1000)
    assert str(error.value) == (
        f"1000 Hz is too low a sample rate for {name}: its 64 Mel bands do not fit "
        "the 33 frequency bins of its 64-sample window at that rate; use "
        "sample_rate=1415 or higher, or a model on waveforms."
    )
    make_model(name, sample_rate=1415)
    make_model("simple", sample_rate=1000)  # a model on waveforms takes any rate


def test_data_settings_breaks_a_tie_of_rates_with_the_first_file(tmp_path):
    files = []
    for name, rate in [("a.wav", 16000), ("b.wav", 44100)]:
        sf.write(tmp_path / name, np.zeros(rate // 10), rate)
        files.append(str(tmp_path / name))
    assert data_settings(files)["sample_rate"] == 16000
    # 44.1 kHz first: its rate, lowered to MAX_SAMPLE_RATE.
    assert data_settings(files[::-1])["sample_rate"] == 22050
