"""Run the docstring examples of skaudio in a temporary folder.

skaudio.cluster needs the ``dask`` extra: without it, its examples are not
collected (tests/test_cluster.py skips itself, and the tests that walk every
module leave it out).
"""

from importlib.util import find_spec

import pytest

collect_ignore = [] if find_spec("distributed") else ["skaudio/cluster.py"]


@pytest.fixture(autouse=True)
def _doctest_in_tmp_path(request, tmp_path, monkeypatch):
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.chdir(tmp_path)
