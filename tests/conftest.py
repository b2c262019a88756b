"""Shared fixtures: seeded synthetic audio, small wav files, the FSDD location."""

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from skaudio.datasets import get_data_home, make_tones


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run torch on one thread: the test networks are tiny, and several
    threads on a busy 2-core machine spend most of their time waiting."""
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed_torch():
    """Make every test's torch randomness repeatable."""
    torch.manual_seed(0)


@pytest.fixture
def tones():
    """60 noisy tones of 3 classes, 0.25 s at 8 kHz: ``(X, y)``."""
    return make_tones(60, n_classes=3, duration=0.25, random_state=0)


@pytest.fixture
def wav_files(tmp_path):
    """Write 6 short mono 8 kHz WAV files of 3 classes; return ``(paths, y)``."""
    X, y = make_tones(6, n_classes=3, duration=0.3, random_state=0)
    paths = []
    for i, (x, label) in enumerate(zip(X, y, strict=True)):
        path = tmp_path / f"clip_{i}_{label}.wav"
        sf.write(path, x, 8000, subtype="PCM_16")
        paths.append(str(path))
    return np.array(paths, dtype=object), y


def _fsdd_home():
    home = get_data_home()
    if (home / "fsdd" / "recordings").is_dir():
        return home
    beside = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return beside if (beside / "fsdd" / "recordings").is_dir() else None


@pytest.fixture(scope="session")
def fsdd_home():
    """Folder holding ``fsdd/`` (``$SKAUDIO_DATA`` or ``../shared/datasets``)."""
    home = _fsdd_home()
    if home is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide FSDD through $SKAUDIO_DATA.")
        pytest.skip("FSDD not found: set $SKAUDIO_DATA to the folder holding fsdd/")
    return home
