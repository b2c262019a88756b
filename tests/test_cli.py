import numpy as np
import pytest
import soundfile as sf

from skaudio.cli import main


@pytest.fixture
def audio_folder(tmp_path):
    for label, n in {"high": 3, "low": 2}.items():
        (tmp_path / label).mkdir()
        for i in range(n):
            sf.write(tmp_path / label / f"{i}.wav", np.zeros(4000 + 4000 * i), 8000)
    return tmp_path


def test_describe_folder(audio_folder, capsys):
    assert main(["describe", str(audio_folder), "--n-jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "5 files, 2 classes" in out
    assert "high       3" in out and "8000       5" in out
    assert "loaded into an array of shape (5, 8000)" in out


@pytest.mark.fsdd
def test_describe_fsdd(fsdd_home, monkeypatch, capsys):
    monkeypatch.setenv("SKAUDIO_DATA", str(fsdd_home))
    assert main(["describe", "fsdd"]) == 0
    out = capsys.readouterr().out
    assert "3000 files, 10 classes" in out and "george       500" in out


def test_user_errors_exit_without_traceback(tmp_path, audio_folder, capsys):
    assert main(["describe", str(tmp_path / "missing")]) == 1
    assert "skaudio: error: Audio folder" in capsys.readouterr().err
    (audio_folder / "low" / "0.wav").write_text("garbage")
    assert main(["describe", str(audio_folder)]) == 1
    assert "0.wav" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["describe"])
    assert exit_info.value.code == 2
