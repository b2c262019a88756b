import functools
import http.server
import shutil
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from skaudio.datasets import (
    FSDD_RECORDINGS_SHA256,
    _recordings_digest,
    fetch_fsdd,
    get_data_home,
    load_audio_folder,
    load_fsdd,
    make_tones,
)


@pytest.mark.fsdd
def test_load_fsdd_counts(fsdd_home):
    fsdd = load_fsdd(fsdd_home)
    assert fsdd.filenames.shape == fsdd.target.shape == fsdd.groups.shape == (3000,)
    assert np.bincount(fsdd.target).tolist() == [300] * 10
    speakers, counts = np.unique(fsdd.groups, return_counts=True)
    assert speakers.tolist() == [
        "george",
        "jackson",
        "lucas",
        "nicolas",
        "theo",
        "yweweler",
    ]
    assert counts.tolist() == [500] * 6
    assert np.bincount(fsdd.take).tolist() == [60] * 50
    assert set(fsdd.speakers) == set(speakers)
    for path, digit, speaker, take in zip(
        fsdd.filenames[::97],
        fsdd.target[::97],
        fsdd.groups[::97],
        fsdd.take[::97],
        strict=True,
    ):
        assert Path(path).name == f"{digit}_{speaker}_{take}.wav"
    X, y = load_fsdd(fsdd_home, return_X_y=True)
    np.testing.assert_array_equal(y, fsdd.target)


@pytest.mark.fsdd
def test_shared_fsdd_matches_release_digest(fsdd_home):
    assert (
        _recordings_digest(fsdd_home / "fsdd" / "recordings") == FSDD_RECORDINGS_SHA256
    )


def test_data_home_lookup_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SKAUDIO_DATA", str(tmp_path / "env"))
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home() == tmp_path / "env"
    monkeypatch.delenv("SKAUDIO_DATA")
    assert get_data_home() == Path.home() / "skaudio_data"


def test_load_fsdd_missing_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"SKAUDIO_DATA.*fetch_fsdd"):
        load_fsdd(tmp_path)


def test_load_fsdd_rejects_unexpected_file(tmp_path):
    (tmp_path / "fsdd" / "recordings").mkdir(parents=True)
    (tmp_path / "fsdd" / "recordings" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="notes.txt"):
        load_fsdd(tmp_path)


@pytest.fixture
def fsdd_server(tmp_path, fsdd_home):
    """Serve a .tar.gz of 12 FSDD recordings on 127.0.0.1; yield (url, digest)."""
    source = tmp_path / "src" / "free-spoken-digit-dataset-1.0.10"
    (source / "recordings").mkdir(parents=True)
    for path in sorted(
        (fsdd_home / "fsdd" / "recordings").glob("[0-1]_theo_[0-5].wav")
    ):
        shutil.copy(path, source / "recordings")
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "fsdd.tar.gz", "w:gz") as archive:
        archive.add(source, arcname=source.name)
    (served / "broken.tar.gz").write_bytes(b"not an archive")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(served)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_port}",
        _recordings_digest(source / "recordings"),
    )
    server.shutdown()
    thread.join()


@pytest.mark.network
@pytest.mark.fsdd
def test_fetch_fsdd_downloads_verifies_and_loads(tmp_path, fsdd_server):
    base, digest = fsdd_server
    home = tmp_path / "home"
    fsdd = fetch_fsdd(home, url=f"{base}/fsdd.tar.gz", sha256=digest)
    assert len(fsdd.filenames) == 12 and set(fsdd.target) == {0, 1}
    assert sorted(p.name for p in home.iterdir()) == ["fsdd"]  # no temp left
    # Present now: no download (the server is not asked again).
    assert len(fetch_fsdd(home, url=f"{base}/missing.tar.gz").filenames) == 12


@pytest.mark.network
@pytest.mark.fsdd
@pytest.mark.parametrize(
    "name, sha256, match",
    [
        ("fsdd.tar.gz", "0" * 64, "do not match the expected SHA-256"),
        ("missing.tar.gz", None, "Downloading FSDD from .* failed"),
        ("broken.tar.gz", None, "not a readable .tar.gz or .zip archive"),
    ],
)
def test_failed_fetch_leaves_nothing_behind(tmp_path, fsdd_server, name, sha256, match):
    base, _ = fsdd_server
    home = tmp_path / "home"
    with pytest.raises(OSError, match=match):
        fetch_fsdd(home, url=f"{base}/{name}", sha256=sha256)
    assert list(home.iterdir()) == []


def test_fetch_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="not downloaded"):
        fetch_fsdd(tmp_path, download_if_missing=False)


def test_load_audio_folder(tmp_path):
    for name, files in {"dog": ["b.wav", "a.WAV"], "cat": ["x.flac"]}.items():
        (tmp_path / name).mkdir()
        for f in files:
            (tmp_path / name / f).write_bytes(b"")
    (tmp_path / "cat" / ".DS_Store").write_bytes(b"")
    (tmp_path / ".hidden").mkdir()
    data = load_audio_folder(tmp_path)
    assert data.target_names == ["cat", "dog"]
    assert [Path(f).name for f in data.filenames] == ["x.flac", "a.WAV", "b.wav"]
    assert data.target.tolist() == [0, 1, 1]


def test_load_audio_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_audio_folder(tmp_path / "nope")
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_audio_folder(tmp_path)
    (tmp_path / "dog").mkdir()
    with pytest.raises(ValueError, match="holds no audio files"):
        load_audio_folder(tmp_path)
    (tmp_path / "dog" / "a.wav").write_bytes(b"")
    (tmp_path / "dog" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="notes.txt"):
        load_audio_folder(tmp_path)
    assert len(load_audio_folder(tmp_path, extensions=(".wav", ".txt")).filenames) == 2


def test_make_tones_is_seeded_and_labelled_by_pitch():
    X, y = make_tones(30, n_classes=3, noise=0.0, random_state=0)
    X2, _ = make_tones(30, n_classes=3, noise=0.0, random_state=0)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (30, 4000) and X.dtype == np.float32
    peak_hz = np.abs(np.fft.rfft(X, axis=1)).argmax(axis=1) * 8000 / 4000
    np.testing.assert_allclose(peak_hz, 200 * 2.0**y, rtol=0.04)
    with pytest.raises(ValueError, match="Nyquist"):
        make_tones(10, n_classes=6, sample_rate=8000)
