"""Time a 4-candidate x 6-fold leave-one-speaker-out search on FSDD, by backend.

The same ``GridSearchCV`` (log-Mel + 2D CNN, four network sizes, ``--epochs``
each, the FSDD clips of takes below ``--takes``) runs with joblib's default
backend (loky) at ``n_jobs=1`` and ``2``, on a 2-worker Dask ``LocalCluster``
(one thread per worker, through joblib's ``dask`` backend), and with
``Pipeline(memory=...)`` so that each fold's Mel features are computed once
for all four candidates. Each result is appended to a JSON-lines file as it
finishes.
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


def search(X, y, groups, *, epochs, n_jobs=1, backend=None, memory=None):
    pipe = make_model("mel-cnn", sample_rate=8000, max_epochs=epochs, random_state=0)
    pipe.set_params(memory=memory, cnn__device="cpu")
    grid = GridSearchCV(pipe, GRID, cv=LeaveOneGroupOut(), n_jobs=n_jobs)
    start = time.perf_counter()
    if backend is None:
        grid.fit(X, y, groups=groups)
    else:
        # scatter: every worker gets the data once, up front (joblib otherwise
        # sends it to one worker, where the tasks then queue).
        with parallel_config(backend=backend, scatter=[X, y]):
            grid.fit(X, y, groups=groups)
    return time.perf_counter() - start, grid.cv_results_["mean_test_score"].tolist()


def run(name, X, y, groups, epochs):
    if name == "loky, n_jobs=1":
        return search(X, y, groups, epochs=epochs, n_jobs=1)
    if name == "loky, n_jobs=2":
        return search(X, y, groups, epochs=epochs, n_jobs=2)
    if name == "loky, n_jobs=1, Pipeline(memory=...)":
        with tempfile.TemporaryDirectory() as cache:
            memory = Memory(cache, verbose=0)
            return search(X, y, groups, epochs=epochs, memory=memory)
    if name == "dask LocalCluster 2x1, n_jobs=2":
        from skaudio.cluster import connect

        with connect("local:2"):
            return search(X, y, groups, epochs=epochs, n_jobs=2, backend="dask")
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
    parser.add_argument("--takes", type=int, default=50, help="takes 0..N-1 (50)")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    fsdd = load_fsdd()
    keep = fsdd.take < args.takes
    loader = WaveformLoader(sample_rate=8000, duration=1.0)
    X = loader.fit_transform(fsdd.filenames[keep])
    y, groups = fsdd.target[keep], fsdd.groups[keep]
    for name in args.only:
        seconds, scores = run(name, X, y, groups, args.epochs)
        record = {
            "setting": name,
            "clips": int(keep.sum()),
            "epochs": args.epochs,
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
