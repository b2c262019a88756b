import subprocess
import sys

import pytest

import skaudio


def test_public_names_resolve_and_are_listed():
    for name in skaudio.__all__:
        obj = getattr(skaudio, name)
        assert obj.__name__ == name and obj.__module__.startswith("skaudio.")
        assert name in dir(skaudio)
    assert "__version__" in dir(skaudio)


def test_submodules_are_attributes():
    assert skaudio.nn.SpectrogramCNN.__module__ == "skaudio.nn.spectrogram"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        skaudio.nope  # noqa: B018
    with pytest.raises(ImportError):
        from skaudio import nope  # noqa: F401


def test_import_skaudio_does_not_import_torch():
    code = (
        "import sys, skaudio, skaudio.datasets, skaudio.experiments\n"
        "print('torch' in sys.modules)\n"
        "from skaudio import WaveformLoader\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True"]
