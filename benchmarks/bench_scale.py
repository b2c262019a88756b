"""Time a 4-candidate x 6-fold leave-one-speaker-out search on FSDD, by backend.

The same ``GridSearchCV`` (log-Mel + 2D CNN, four network sizes, one epoch
each, all 3,000 clips) runs with joblib's default backend (loky) at
``n_jobs=1`` and ``2``, on a 2-worker Dask ``LocalCluster`` (one thread per
worker, through joblib's ``dask`` backend), and with ``Pipeline(memory=...)``
so that each fold's Mel features are computed once for all four candidates.
Writes a Markdown table (and appends each result to a JSON-lines file as it
finishes).
"""

import argparse
import datetime
import json
import platform
import tempfile
import time
from pathlib import Path

import torch
from joblib import Memory, parallel_config
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut

from skaudio.datasets import load_fsdd
from skaudio.experiments import make_model
from skaudio.io import WaveformLoader

GRID = {"cnn__filters": [8, 16], "cnn__n_blocks": [2, 3]}


def search(X, y, groups, *, n_jobs=1, backend=None, memory=None):
    pipe = make_model("mel-cnn", sample_rate=8000, max_epochs=1, random_state=0)
    pipe.set_params(memory=memory, cnn__device="cpu")
    grid = GridSearchCV(pipe, GRID, cv=LeaveOneGroupOut(), n_jobs=n_jobs)
    start = time.perf_counter()
    if backend is None:
        grid.fit(X, y, groups=groups)
    else:
        with parallel_config(backend=backend):
            grid.fit(X, y, groups=groups)
    return time.perf_counter() - start, grid.cv_results_["mean_test_score"].tolist()


def run(name, X, y, groups):
    if name == "loky, n_jobs=1":
        return search(X, y, groups, n_jobs=1)
    if name == "loky, n_jobs=2":
        return search(X, y, groups, n_jobs=2)
    if name == "loky, n_jobs=1, Pipeline(memory=...)":
        with tempfile.TemporaryDirectory() as cache:
            return search(X, y, groups, memory=Memory(cache, verbose=0))
    if name == "dask LocalCluster 2x1, n_jobs=2":
        from skaudio.cluster import connect

        with connect("local:2"):
            return search(X, y, groups, n_jobs=2, backend="dask")
    raise ValueError(name)


NAMES = [
    "loky, n_jobs=1",
    "loky, n_jobs=2",
    "dask LocalCluster 2x1, n_jobs=2",
    "loky, n_jobs=1, Pipeline(memory=...)",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/scale_search.jsonl")
    parser.add_argument("--only", nargs="*", default=NAMES, choices=NAMES)
    args = parser.parse_args()
    fsdd = load_fsdd()
    X = WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames)
    y, groups = fsdd.target, fsdd.groups
    for name in args.only:
        seconds, scores = run(name, X, y, groups)
        record = {
            "setting": name,
            "seconds": round(seconds, 1),
            "mean_test_scores": [round(s, 4) for s in scores],
            "torch_threads_main": torch.get_num_threads(),
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
        }
        print(json.dumps(record), flush=True)
        with Path(args.out).open("a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
