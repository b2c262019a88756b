"""skaudio on a real Dask cluster: a LocalCluster of 2 processes on 127.0.0.1."""

import os
import signal
import sys

import cloudpickle
import numpy as np
import pytest
import soundfile as sf
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold

pytest.importorskip("distributed")
from distributed import get_task_stream  # noqa: E402
from joblib import parallel_config  # noqa: E402

from skaudio import MelTransformer, SpectrogramCNNClassifier  # noqa: E402
from skaudio.cli import main  # noqa: E402
from skaudio.cluster import connect  # noqa: E402
from skaudio.datasets import make_tones  # noqa: E402
from skaudio.experiments import (  # noqa: E402
    FoldsFailedError,
    make_splits,
    read_results,
    run_cv,
)

# A cluster that loses track of a task waits for ever: fail instead.
pytestmark = pytest.mark.timeout(300)

# The test estimators below travel to the workers by value, not by module name.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client():
    with connect("local:2") as client:
        yield client


@pytest.fixture
def tones():
    X, y = make_tones(48, n_classes=2, duration=0.25, random_state=0)
    groups = np.repeat(["a", "b", "c", "d"], 12)
    return X, y, groups


class _LogisticFold(ClassifierMixin, BaseEstimator):
    """Logistic regression with a hook in ``fit`` for the tests below."""

    def __init__(self, marker=None):
        self.marker = marker

    def fit(self, X, y):
        self._before_fit(X)
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class KilledOnceClassifier(_LogisticFold):
    """Kills its worker process in the first fit anywhere (``marker`` is unset)."""

    def _before_fit(self, X):
        # Created atomically: when two workers start a fold at once, only one
        # of them is killed (both, and the scattered data would be lost).
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


class KilledOncePerWorker(_LogisticFold):
    """Each worker (by name, kept across restarts) dies in its first fit."""

    def _before_fit(self, X):
        from distributed import get_worker

        marker = f"{self.marker}-{get_worker().name}"
        if not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)


class FailsWithoutMarkedRows(_LogisticFold):
    """Raises when no training row starts with -1 (the fold that holds them out)."""

    def _before_fit(self, X):
        if not (X[:, 0] == -1.0).any():
            raise RuntimeError("boom")


def _tiny_cnn():
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        MelTransformer(sample_rate=8000, n_fft=256, hop_length=128, n_mels=16),
        SpectrogramCNNClassifier(
            architecture="simple", max_epochs=2, random_state=0, device="cpu"
        ),
    )


def test_workers_use_one_torch_thread_each(client):
    import torch

    threads = client.run(torch.get_num_threads)
    assert list(threads.values()) == [1, 1]
    # Dask's MALLOC_TRIM_THRESHOLD_ made every fit about twice as slow.
    trim = client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    assert list(trim.values()) == [None, None]
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in threads)


def test_run_cv_on_cluster_matches_local_run(client, tones, tmp_path):
    import torch

    X, y, groups = tones
    splits = make_splits("group", y, groups=groups)
    settings = {"model": "tiny"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as on the workers
    try:
        local = run_cv(
            _tiny_cnn(),
            X,
            y,
            splits,
            results_path=tmp_path / "local.jsonl",
            settings=settings,
            progress=lambda line: None,
        )
    finally:
        torch.set_num_threads(threads)
    lines = []
    remote = run_cv(
        _tiny_cnn(),
        X,
        y,
        splits,
        results_path=tmp_path / "remote.jsonl",
        settings=settings,
        progress=lines.append,
        client=client,
    )
    assert [r["fold"] for r in remote] == ["a", "b", "c", "d"]
    assert [r["confusion"] for r in remote] == [r["confusion"] for r in local]
    assert len(lines) == 4 and len(read_results(tmp_path / "remote.jsonl")) == 4


def test_killed_worker_loses_no_fold_and_run_completes(client, tones, tmp_path):
    X, y, groups = tones
    splits = make_splits("group", y, groups=groups)
    marker = tmp_path / "killed"
    records = run_cv(
        KilledOnceClassifier(marker=str(marker)),
        X,
        y,
        splits,
        results_path=tmp_path / "r.jsonl",
        settings={},
        progress=lambda line: None,
        client=client,
    )
    assert marker.exists()  # a worker was killed mid-fit ...
    assert len(records) == 4  # ... and Dask ran its fold again
    assert len(read_results(tmp_path / "r.jsonl")) == 4


def test_folds_whose_data_died_with_the_workers_run_again(client, tones, tmp_path):
    # Both workers die, the second holding the only copy of the scattered data:
    # the cancelled folds run again on the data scattered anew.
    X, y, groups = tones
    records = run_cv(
        KilledOncePerWorker(marker=str(tmp_path / "killed")),
        X,
        y,
        make_splits("group", y, groups=groups),
        results_path=tmp_path / "r.jsonl",
        settings={},
        progress=lambda line: None,
        client=client,
    )
    assert len(list(tmp_path.glob("killed-*"))) == 2
    assert sorted(r["fold"] for r in records) == ["a", "b", "c", "d"]


def test_failed_folds_are_named_and_the_others_saved(client, tones, tmp_path):
    X, y, groups = tones
    X = X.copy()
    X[:, 0] = np.where(groups == "b", -1.0, 0.0)
    splits = make_splits("group", y, groups=groups)
    with pytest.raises(
        FoldsFailedError,
        match=r"1 of 4 folds failed.*b: RuntimeError: boom.*saved in .*r\.jsonl; "
        "run the same command again to train only the missing ones",
    ):
        run_cv(
            FailsWithoutMarkedRows(),
            X,
            y,
            splits,
            results_path=tmp_path / "r.jsonl",
            settings={},
            progress=lambda line: None,
            client=client,
        )
    assert sorted(r["fold"] for r in read_results(tmp_path / "r.jsonl")) == [
        "a",
        "c",
        "d",
    ]


def test_grid_search_with_groups_on_dask_backend(client, tones):
    X, y, groups = tones
    search = GridSearchCV(
        _tiny_cnn(),
        {"spectrogramcnnclassifier__lr": [1e-3, 1e-2]},
        cv=GroupKFold(2),
    )
    with parallel_config(backend="dask"):
        search.fit(X, y, groups=groups)
    assert search.cv_results_["mean_test_score"].shape == (2,)


def test_cli_cv_on_a_running_cluster(client, tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["path,label,speaker"]
    t = np.arange(4000) / 8000
    for i in range(12):
        x = np.sin(2 * np.pi * (400 if i % 2 else 1600) * t)
        sf.write(tmp_path / f"{i}.wav", x + 0.01 * rng.standard_normal(4000), 8000)
        rows.append(f"{i}.wav,{'low' if i % 2 else 'high'},s{i % 3}")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    argv = ["cv", "simple", "--data", str(tmp_path / "m.csv"), "--epochs", "1"]
    argv += ["--out", str(tmp_path / "cv")]
    address = client.scheduler.address
    with get_task_stream(client) as tasks:
        assert main([*argv, "--scheduler", address]) == 0
    out = capsys.readouterr().out
    # the three folds (one per speaker) ran as tasks of the cluster, not here
    folds = {t["key"].rsplit("-", 1)[0] for t in tasks.data}
    assert {f"skaudio-fold-s{i}" for i in range(3)} <= folds
    assert f"folds run on the Dask cluster at {address}" in out
    assert "simple, group, 3 folds" in out and "**mean ± std**" in out
    assert main([*argv, "--scheduler", "local:x"]) == 1
    assert "'local:N' needs a number" in capsys.readouterr().err
