import ast
from pathlib import Path

import numpy as np
import pytest
import torch
import torchaudio

import skaudio
from skaudio import _backend

PACKAGE = Path(skaudio.__file__).parent


def _imported_modules(path):
    """Top-level names of every module that the file at ``path`` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def test_only_the_backend_module_imports_torchaudio():
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "torchaudio" in _imported_modules(path)
    )
    assert importers == ["_backend.py"]


def test_the_scan_sees_every_kind_of_import(tmp_path):
    for line in (
        "import torchaudio",
        "import torchaudio.functional as F",
        "from torchaudio import transforms",
        "importlib.import_module('torchaudio')",
    ):
        (tmp_path / "m.py").write_text(line + "\n")
        assert "torchaudio" in _imported_modules(tmp_path / "m.py"), line


def test_backend_shapes():
    X = torch.randn(2, 8000)
    assert _backend.resampler(8000, 16000)(X).shape == (2, 16000)
    assert _backend.resampler(8000, 16000) is _backend.resampler(8000, 16000)
    stft = dict(n_fft=256, win_length=None, hop_length=128, power=2.0)
    stft |= dict(center=True, pad_mode="reflect")
    assert _backend.spectrogram(**stft)(X).shape == (2, 129, 63)
    mel = _backend.mel_spectrogram(
        sample_rate=8000,
        f_min=0.0,
        f_max=None,
        n_mels=20,
        norm=None,
        mel_scale="htk",
        **stft,
    )
    assert mel(X).shape == (2, 20, 63)
    fbank = _backend.mel_filterbank(129, 0.0, 4000.0, 20, 8000, None, "htk")
    assert fbank.shape == (129, 20)
    dct = _backend.dct_matrix(13, 20, "ortho")
    assert dct.shape == (20, 13)
    # Orthonormal DCT-II: its columns are orthonormal.
    np.testing.assert_allclose(dct.T @ dct, np.eye(13), atol=1e-5)


@pytest.mark.parametrize("power", [1.0, 2.0])
def test_spectrograms_match_torchaudio(power):
    # The backend computes |X| ** power from X * conj(X) (torch's complex abs
    # is slow on the CPU); the values are torchaudio's to float32 rounding.
    X = torch.randn(3, 1, 4000)
    stft = dict(n_fft=256, win_length=None, hop_length=100, power=power)
    stft |= dict(center=True, pad_mode="reflect")
    torch.testing.assert_close(
        _backend.spectrogram(**stft)(X),
        torchaudio.transforms.Spectrogram(**stft)(X),
        rtol=1e-5,
        atol=1e-6,
    )
    mel = dict(sample_rate=8000, f_min=50.0, f_max=3000.0, n_mels=20, norm="slaney")
    torch.testing.assert_close(
        _backend.mel_spectrogram(mel_scale="slaney", **mel, **stft)(X),
        torchaudio.transforms.MelSpectrogram(mel_scale="slaney", **mel, **stft)(X),
        rtol=1e-5,
        atol=1e-6,
    )
