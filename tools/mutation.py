"""Mutation testing of one skaudio module with mutmut (by hand, not in CI).

Usage (from the repository root, with the ``mutation`` extra installed)::

    python tools/mutation.py preprocessing          # run, then summarise
    python tools/mutation.py preprocessing --report # summarise the last run
    python tools/mutation.py preprocessing --show NAME  # diff of one mutant
    python tools/mutation.py preprocessing --survivors  # retest the survivors
    python tools/mutation.py classifiers/_base          # a sub-package's module
    python tools/mutation.py experiments --tests tests/test_cluster.py \
        --mutants 'skaudio.experiments.x__run_on_cluster*'  # slow tests, a few

Each module is mutated in its own scratch copy of the repository,
``build/mutation/<module>/`` (git ignores ``build/``), whose ``pyproject.toml``
gets a ``[tool.mutmut]`` section that mutates only that module and runs only
its fast test files (``MODULES`` below). mutmut first records which tests
reach which function, then runs, for each mutant, only those tests, one
mutant at a time and torch on one thread. A later run in the same scratch
copy keeps the earlier verdicts; ``--survivors`` retests only the mutants
that survived or that no test reached (after adding tests), ``--fresh``
starts over. ``--tests`` runs other test files (slow ones, such as a Dask
cluster's) in a scratch copy of their own, ``build/mutation/<module>+<file
stems>/``, usually on the few mutants that ``--mutants`` names (mutmut's
names, ``*`` wildcards allowed).

The summary counts mutmut's verdicts; which survivors are equivalent (no
test could tell them apart) is a judgement recorded in
``benchmarks/results/mutation.md``.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Module -> the test files that exercise it directly, fast ones only.
MODULES = {
    "io": ["tests/test_io.py"],
    "preprocessing": ["tests/test_preprocessing.py"],
    "features": ["tests/test_features.py"],
    "experiments": ["tests/test_experiments.py", "tests/test_cli.py"],
    "classifiers/_base": [
        "tests/test_classifiers.py",
        "tests/test_classifiers_augment.py",
        "tests/test_spectrogram_classifiers.py",
        "tests/test_compat.py",
        "tests/test_common.py",
        "tests/test_lazy.py",
    ],
}

COPIED = ["skaudio", "tests", "pyproject.toml"]


def _config(module, tests):
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["skaudio"]',
        f'only_mutate = ["skaudio/{module}.py"]',
        # Without SKAUDIO_DATA the FSDD tests skip; with it they run.
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        # torch is not fork-safe after it has run: fork each mutant's run
        # from a server that only imported the tests.
        'process_isolation = "forkserver"',
        "use_git_change_detection = false",
    ]
    return "\n".join(lines) + "\n"


# mutmut ends each mutant's test run with os._exit, which would leave the
# process pool of every n_jobs=2 test running (two processes holding torch
# each); in the scratch copy joblib runs its tasks on threads instead (the
# loader's parallel path, memory-mapped output included, still runs).
_THREADS = """

import joblib  # noqa: E402  (added by tools/mutation.py)

joblib.parallel_config(backend="threading")
"""


def _workdir(module, tests):
    """Return the scratch copy for ``module`` mutated under ``tests``."""
    name = module
    if tests != MODULES[module]:
        name += "+" + "+".join(Path(t).stem for t in tests)
    return ROOT / "build" / "mutation" / name


def _prepare(module, tests, fresh):
    workdir = _workdir(module, tests)
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = ROOT / name, workdir / name
        if source.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, target)
    pyproject = workdir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + _config(module, tests))
    # mutmut runs the tests in its mutants/ copy, which takes tests/ along.
    conftest = workdir / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + _THREADS)
    return workdir


def _mutmut(workdir, *args, capture=False):
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONPATH": str(workdir),
    }
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(
        command, cwd=workdir, env=env, check=False, text=True, capture_output=capture
    )


def _verdicts(workdir):
    """Return mutant name -> mutmut's verdict for the last run."""
    out = _mutmut(workdir, "results", "--all", "true", capture=True).stdout
    verdicts = {}
    for line in out.splitlines():
        name, sep, verdict = line.strip().rpartition(": ")
        if sep and name.startswith("skaudio."):
            verdicts[name] = verdict
    return verdicts


def _report(workdir):
    """Print the count of each verdict and the surviving mutants."""
    verdicts = _verdicts(workdir)
    counts = Counter(verdicts.values())
    print(json.dumps(dict(sorted(counts.items())), indent=1))
    for name, verdict in sorted(verdicts.items()):
        if verdict not in {"killed", "caught by type check"}:
            print(f"{verdict:>12}  {name}")


def main():
    """Run mutmut on one module in its scratch copy, or report on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(MODULES))
    parser.add_argument("--report", action="store_true", help="only summarise")
    parser.add_argument("--show", metavar="MUTANT", help="print one mutant's diff")
    parser.add_argument("--fresh", action="store_true", help="forget past verdicts")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="retest only the survivors and the mutants no test reached",
    )
    parser.add_argument(
        "--tests", nargs="+", metavar="FILE", help="test files instead of MODULES'"
    )
    parser.add_argument(
        "--mutants", nargs="+", default=[], metavar="NAME", help="only these mutants"
    )
    args = parser.parse_args()
    tests = args.tests or MODULES[args.module]
    workdir = _workdir(args.module, tests)
    if args.show:
        _mutmut(workdir, "show", args.show)
        return
    if not args.report:
        names = args.mutants
        if args.survivors:
            retest = {"survived", "no tests"}
            names = [n for n, v in _verdicts(workdir).items() if v in retest]
            if not names:
                sys.exit(f"No surviving mutants of {args.module} to retest.")
        workdir = _prepare(args.module, tests, args.fresh)
        _mutmut(workdir, "run", "--max-children", "1", *names)
    _report(workdir)


if __name__ == "__main__":
    main()
