import functools
import http.server
import os
import shutil
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from skaudio.datasets import (
    FSDD_RECORDINGS_SHA256,
    _recordings_digest,
    detect_layout,
    fetch_fsdd,
    get_data_home,
    load_audio_dataset,
    load_audio_folder,
    load_audio_manifest,
    load_audiomnist,
    load_esc50,
    load_fsdd,
    load_urbansound8k,
    make_noisy_speech,
    make_speaker_mixtures,
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
        (
            "missing.tar.gz",
            None,
            r"Downloading FSDD from .* failed \(.*\); without a download, put its "
            r"recordings/ folder in '.*fsdd', or pass data_home= a folder",
        ),
        ("broken.tar.gz", None, "not a readable .tar.gz or .zip archive"),
    ],
)
def test_failed_fetch_leaves_nothing_behind(tmp_path, fsdd_server, name, sha256, match):
    base, _ = fsdd_server
    home = tmp_path / "home"
    with pytest.raises(OSError, match=match):
        fetch_fsdd(home, url=f"{base}/{name}", sha256=sha256)
    assert not home.exists()  # created for the download, so removed
    home.mkdir()
    with pytest.raises(OSError, match=match):
        fetch_fsdd(home, url=f"{base}/{name}", sha256=sha256)
    assert list(home.iterdir()) == []  # the user's folder stays, empty


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
    with pytest.raises(ValueError) as error:
        load_audio_folder(tmp_path)
    assert str(error.value) == (
        "Files with endings not in ['.aif', '.aiff', '.flac', '.mp3', '.ogg', "
        f"'.wav'] in the class folders: ['{tmp_path / 'dog' / 'notes.txt'}']. Move "
        "them out, list the clips in a CSV manifest instead of a folder, or pass "
        "extensions= to accept their endings."
    )
    assert len(load_audio_folder(tmp_path, extensions=(".wav", ".txt")).filenames) == 2
    (tmp_path / "dog" / "notes.txt").unlink()
    (tmp_path / "dog" / "b.AIFF").write_bytes(b"")
    assert len(load_audio_folder(tmp_path).filenames) == 2
    # A README beside the class folders is not data; an audio file there has
    # no class.
    (tmp_path / "README.md").write_text("about the sounds")
    assert len(load_audio_folder(tmp_path).filenames) == 2
    (tmp_path / "stray.wav").write_bytes(b"")
    with pytest.raises(ValueError) as error:
        load_audio_folder(tmp_path)
    assert str(error.value) == (
        f"Audio files at the top of '{tmp_path}', in no class folder: "
        "['stray.wav']. Move each into the folder of its class, or list the "
        "clips in a CSV manifest."
    )


def test_make_tones_is_seeded_and_labelled_by_pitch():
    X, y = make_tones(30, n_classes=3, noise=0.0, random_state=0)
    X2, _ = make_tones(30, n_classes=3, noise=0.0, random_state=0)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (30, 4000) and X.dtype == np.float32
    peak_hz = np.abs(np.fft.rfft(X, axis=1)).argmax(axis=1) * 8000 / 4000
    np.testing.assert_allclose(peak_hz, 200 * 2.0**y, rtol=0.04)
    with pytest.raises(ValueError, match="Nyquist"):
        make_tones(10, n_classes=6, sample_rate=8000)
    with pytest.raises(TypeError, match="n_samples must be an instance of int"):
        make_tones(2.5)
    for name, value, rule in (("duration", -1, "> 0"), ("noise", -0.1, ">= 0")):
        with pytest.raises(ValueError, match=f"{name} == {value}, must be {rule}"):
            make_tones(**{name: value})


# -- manifests and standard layouts, on tiny layouts made here -----------------
def _clip(path, seconds=0.1, rate=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(seconds * rate)), rate)
    return path


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_manifest_relative_paths_labels_groups(tmp_path):
    _clip(tmp_path / "clips" / "a.wav")
    _clip(tmp_path / "clips" / "b.wav")
    absolute = _clip(tmp_path / "elsewhere" / "c.wav")
    manifest = _write(
        tmp_path / "meta" / "m.csv",
        f"filename,category,fold\n../clips/a.wav,dog,1\n../clips/b.wav,rain,2\n"
        f"{absolute},dog,2\n",
    )
    data = load_audio_manifest(manifest)
    assert data.filenames.tolist() == [
        str((tmp_path / "clips" / n).resolve()) for n in ("a.wav", "b.wav")
    ] + [str(absolute)]
    assert data.target.tolist() == ["dog", "rain", "dog"]
    assert data.groups.tolist() == ["1", "2", "2"]
    assert data.target_names == ["dog", "rain"]
    assert data.columns == {"path": "filename", "label": "category", "group": "fold"}


def test_manifest_names_the_column_that_names_numeric_labels(tmp_path):
    for name in "abcd":
        _clip(tmp_path / f"{name}.wav")
    text = (
        "filename,fold,target,category,take\n"
        "a.wav,1,0,dog bark,A\nb.wav,2,1,rain,A\nc.wav,1,0,dog bark,B\n"
        "d.wav,2,1,rain,B\n"
    )
    data = load_audio_manifest(_write(tmp_path / "m.csv", text))
    assert data.target.tolist() == ["0", "1", "0", "1"]  # the documented order
    assert data.label_names == ("category", {"0": "dog bark", "1": "rain"})
    # Named explicitly, or not one to one, or names that are numbers too: none.
    given = load_audio_manifest(tmp_path / "m.csv", label_column="target")
    assert given.label_names is None
    snow = text.replace("d.wav,2,1,rain", "d.wav,2,1,snow")
    numbers = text.replace("dog bark", "5").replace("rain", "7")
    for changed in (snow, numbers):
        assert (
            load_audio_manifest(_write(tmp_path / "n.csv", changed)).label_names is None
        )
    assert (
        load_audio_manifest(
            _write(tmp_path / "o.csv", "path,label\na.wav,dog\n")
        ).label_names
        is None
    )


def test_manifest_strips_spaces_around_names_and_values_only(tmp_path):
    _clip(tmp_path / "a b.wav")
    _clip(tmp_path / "c.wav")
    manifest = _write(
        tmp_path / "m.csv",
        "path , label , session\n a b.wav , dog bark , s 1\nc.wav,dog bark,s 1\n",
    )
    data = load_audio_manifest(manifest)
    assert data.filenames.tolist() == [
        str((tmp_path / n).resolve()) for n in ("a b.wav", "c.wav")
    ]
    assert data.target.tolist() == ["dog bark", "dog bark"]
    assert data.groups is None  # "session" is not a group column by name
    data = load_audio_manifest(manifest, group_column="session")
    assert data.groups.tolist() == ["s 1", "s 1"]


def test_manifest_without_groups_and_explicit_columns(tmp_path):
    _clip(tmp_path / "a.wav")
    manifest = _write(tmp_path / "m.csv", "wav,word,spk\na.wav,yes,s1\n")
    data = load_audio_manifest(
        manifest, path_column="wav", label_column="word", group_column="spk"
    )
    assert data.groups.tolist() == ["s1"]
    data = load_audio_manifest(manifest, path_column="wav", label_column="word")
    assert data.groups is None


@pytest.mark.parametrize(
    "text, match",
    [
        (
            "path,fold\na.wav,1\n",
            r"m.csv: no label column.*'label' or.*columns: path, fold",
        ),
        ("label\ndog\n", r"no path column"),
        ("path,label\n", r"header but no rows"),
        ("", r"is empty"),
        (
            "path,label\na.wav,dog\nmissing.wav,dog\n",
            r"line 3: file 'missing.wav' not found",
        ),
        ("path,label\na.wav,dog\n.,dog\n", r"line 3: '\.' is a folder"),
        ("path,label\na.wav,\n", r"line 2: empty 'label'"),
        ("path,label,group\na.wav,dog, \n", r"line 2: empty 'group'"),
        # A value past the header, or a missing one, is not dropped or guessed.
        ("path,label,fold\na.wav,dog,1,x\n", r"line 2: 4 fields, the header has 3"),
        ("path,label,fold\na.wav,dog\n", r"line 2: 2 fields, the header has 3"),
    ],
)
def test_manifest_errors_name_the_row_or_column(tmp_path, text, match):
    _clip(tmp_path / "a.wav")
    with pytest.raises(ValueError, match=match):
        load_audio_manifest(_write(tmp_path / "m.csv", text))


def test_manifest_with_many_missing_files_says_where_paths_are_read_from(tmp_path):
    rows = "".join(f"clips/{i}.wav,dog\n" for i in range(12))
    manifest = _write(tmp_path / "sub" / "m.csv", "path,label\n" + rows)
    with pytest.raises(ValueError) as error:
        load_audio_manifest(manifest)
    listed = "; ".join(
        f"line {i + 2}: file 'clips/{i}.wav' not found" for i in range(10)
    )
    assert str(error.value) == (
        f"{manifest}: 12 bad rows, the first 10: {listed} (relative paths are "
        f"read from the CSV's folder, '{(tmp_path / 'sub').resolve()}')"
    )


@pytest.mark.skipif(os.sep == "\\", reason="'\\' separates folders on Windows")
def test_manifest_of_windows_paths_says_to_write_slashes(tmp_path):
    _clip(tmp_path / "clips" / "a.wav")
    manifest = _write(tmp_path / "m.csv", "path,label\nclips\\a.wav,dog\n")
    with pytest.raises(ValueError) as error:
        load_audio_manifest(manifest)
    assert str(error.value) == (
        f"{manifest}: 1 bad row: line 2: file 'clips\\a.wav' not found ('\\' "
        "separates no folders on this system: 'clips/a.wav' exists, not "
        "'clips\\a.wav'; write '/' in the paths)"
    )


def test_esc50_metadata_given_as_a_manifest_names_the_folder(tmp_path):
    _clip(tmp_path / "audio" / "1-100-A-0.wav")
    manifest = _write(
        tmp_path / "meta" / "esc50.csv", "filename,category\n1-100-A-0.wav,dog\n"
    )
    with pytest.raises(ValueError) as error:
        load_audio_manifest(manifest)
    assert str(error.value).endswith(
        f"(the files are in '{tmp_path / 'audio'}', as in an ESC-50 folder: give "
        f"the folder '{tmp_path}' to read that layout)"
    )


def test_manifest_and_folder_name_a_path_of_the_other_kind(tmp_path):
    with pytest.raises(ValueError, match=f"^Manifest '{tmp_path}' is a folder, not"):
        load_audio_manifest(tmp_path)
    manifest = _write(tmp_path / "m.csv", "path,label\n")
    with pytest.raises(ValueError, match=f"^Audio folder '{manifest}' is a file;"):
        load_audio_folder(manifest)


def test_manifest_explicit_column_must_exist(tmp_path):
    _clip(tmp_path / "a.wav")
    manifest = _write(tmp_path / "m.csv", "path,label\na.wav,dog\n")
    with pytest.raises(ValueError, match="no column 'speaker' for the group"):
        load_audio_manifest(manifest, group_column="speaker")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_audio_manifest(tmp_path / "nope.csv")


def _esc50(root):
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    for i, (category, esc10) in enumerate([("dog", True), ("rain", False)] * 5):
        name = f"{i % 5 + 1}-{i}-A-0.wav"
        _clip(root / "audio" / name)
        rows.append(f"{name},{i % 5 + 1},{i % 2},{category},{esc10},{i},A")
    _write(root / "meta" / "esc50.csv", "\n".join(rows) + "\n")
    return root


def test_esc50_and_esc10(tmp_path):
    root = _esc50(tmp_path / "ESC-50-master")
    data = load_esc50(root)
    assert len(data.filenames) == 10 and data.target_names == ["dog", "rain"]
    assert sorted(set(data.groups.tolist())) == [1, 2, 3, 4, 5]
    esc10 = load_esc50(root, subset="esc10")
    assert set(esc10.target) == {"dog"} and len(esc10.filenames) == 5
    assert detect_layout(root) == "esc50"
    assert load_audio_dataset(root, layout="esc10").layout == "esc10"
    meta = root / "meta" / "esc50.csv"
    text = meta.read_text()
    meta.write_text(text.replace(",True,", ",False,"))
    with pytest.raises(ValueError, match="no row of its 10 has esc10 True"):
        load_esc50(root, subset="esc10")
    meta.write_text(text)
    (root / "audio" / "1-0-A-0.wav").unlink()
    with pytest.raises(FileNotFoundError, match="1-0-A-0.wav"):
        load_esc50(root)


def test_urbansound8k(tmp_path):
    root = tmp_path / "UrbanSound8K"
    rows = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    for fold in (1, 2, 10):
        name = f"100{fold}-3-0-0.wav"
        _clip(root / "audio" / f"fold{fold}" / name)
        rows.append(f"{name},100{fold},0,0.1,1,{fold},3,dog_bark")
    _write(root / "metadata" / "UrbanSound8K.csv", "\n".join(rows) + "\n")
    data = load_urbansound8k(root)
    assert data.groups.tolist() == [1, 2, 10]
    assert data.target.tolist() == ["dog_bark"] * 3
    assert data.filenames[2].endswith("fold10/10010-3-0-0.wav")
    assert load_audio_dataset(root).layout == "urbansound8k"


def test_speech_commands(tmp_path):
    root = tmp_path / "speech_commands_v0.02"
    for word in ("yes", "no"):
        for speaker in ("aa11", "bb22", "cc33"):
            _clip(root / word / f"{speaker}_nohash_0.wav", seconds=1.0, rate=16000)
    _clip(root / "_background_noise_" / "white_noise.wav")
    _write(
        root / "validation_list.txt", "yes/bb22_nohash_0.wav\nno/bb22_nohash_0.wav\n"
    )
    _write(root / "testing_list.txt", "yes/cc33_nohash_0.wav\nno/cc33_nohash_0.wav\n")
    data = load_audio_dataset(root)
    assert data.layout == "speech_commands" and len(data.filenames) == 6
    assert data.target_names == ["no", "yes"]
    by_speaker = dict(zip(data.groups, data.subset, strict=True))
    assert by_speaker == {"aa11": "train", "bb22": "validation", "cc33": "test"}


def test_audiomnist(tmp_path):
    root = tmp_path / "AudioMNIST"
    for speaker in ("01", "02"):
        for digit in (0, 7):
            _clip(root / "data" / speaker / f"{digit}_{speaker}_0.wav", rate=48000)
    _write(root / "data" / "audioMNIST_meta.txt", "{}")
    data = load_audio_dataset(root)
    assert data.layout == "audiomnist"
    assert data.target.tolist() == [0, 7, 0, 7]
    assert data.groups.tolist() == ["01", "01", "02", "02"]
    _clip(root / "data" / "02" / "7_01_1.wav")
    with pytest.raises(ValueError, match="7_01_1.wav' does not match"):
        load_audiomnist(root)


def test_audio_dataset_folder_and_errors(tmp_path):
    _clip(tmp_path / "data" / "cat" / "a.wav")
    _clip(tmp_path / "data" / "dog" / "b.wav")
    data = load_audio_dataset(tmp_path / "data")
    assert data.layout == "folder" and data.groups is None and data.subset is None
    assert data.target.tolist() == ["cat", "dog"]
    with pytest.raises(FileNotFoundError, match="'nowhere' not found"):
        load_audio_dataset("nowhere")
    with pytest.raises(ValueError, match="Unknown layout 'esc99'"):
        load_audio_dataset(tmp_path / "data", layout="esc99")
    with pytest.raises(ValueError, match="layout='folder' applies to a folder"):
        load_audio_dataset("fsdd", layout="folder")
    (tmp_path / "clips.csv").write_text("path,label\ndata/cat/a.wav,cat\n")
    with pytest.raises(ValueError) as error:
        load_audio_dataset(tmp_path / "clips.csv", layout="esc50")
    assert str(error.value) == (
        f"layout='esc50' reads a data set's folder, but '{tmp_path / 'clips.csv'}' "
        "is a file; give the folder, or layout='manifest' for a CSV manifest."
    )
    # A folder named fsdd beside the data set's name: say which is meant.
    (tmp_path / "fsdd").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        with pytest.raises(ValueError, match="write './fsdd' to read it"):
            load_audio_dataset("fsdd")


def test_manifest_separators_duplicates_and_encoding(tmp_path):
    _clip(tmp_path / "a.wav")
    _clip(tmp_path / "b.wav")
    for sep in (";", "\t"):
        manifest = _write(tmp_path / "m.csv", f"path{sep}label\na.wav{sep}dog\n")
        assert load_audio_manifest(manifest).target.tolist() == ["dog"]
    manifest = _write(tmp_path / "m.csv", "path,label\na.wav,dog\nb.wav,cat\na.wav,x\n")
    with pytest.raises(ValueError, match="1 bad row: line 4: the same file as line 2"):
        load_audio_manifest(manifest)
    # Quotes as the CSV standard has them, whatever the header looks like.
    manifest = _write(
        tmp_path / "m.csv",
        'path;label\na.wav;"say ""hi"""\nb.wav;"a ""b"" c; d"\n',
    )
    assert load_audio_manifest(manifest).target.tolist() == ['say "hi"', 'a "b" c; d']
    manifest = _write(tmp_path / "m.csv", "path,label,label\na.wav,dog,cat\n")
    with pytest.raises(ValueError) as error:
        load_audio_manifest(manifest)
    assert str(error.value) == (
        f"{manifest}: columns named more than once: ['label']; rename them "
        "(columns: path, label, label)."
    )
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="bin.csv is not a text file in UTF-8"):
        load_audio_manifest(tmp_path / "bin.csv")


@pytest.fixture(scope="module")
def noisy_speech(fsdd_home):
    return make_noisy_speech(
        fsdd_home,
        speakers=["theo", "george"],
        snr=(-5.0, 0.0, 10.0),
        noise=("white", "pink", "brown", "babble"),
        random_state=0,
    )


@pytest.mark.fsdd
def test_make_noisy_speech_reaches_the_snr(noisy_speech):
    data = noisy_speech
    assert data.noisy.shape == data.clean.shape == (1000, 4000)
    assert data.noisy.dtype == np.float32 and data.sample_rate == 8000
    noise = data.noisy.astype(np.float64) - data.clean
    achieved = 10 * np.log10((data.clean**2).sum(1) / (noise**2).sum(1))
    np.testing.assert_allclose(achieved, data.snr, atol=0.01)
    assert set(data.snr) == {-5.0, 0.0, 10.0}
    assert set(data.noise_type) == {"white", "pink", "brown", "babble"}


@pytest.mark.fsdd
def test_make_noisy_speech_groups_and_noise_colours(noisy_speech, fsdd_home):
    data = noisy_speech
    assert sorted(set(data.groups)) == ["george", "theo"]
    assert (np.bincount(data.target) == 100).all()
    fsdd = load_fsdd(fsdd_home)
    assert (data.groups == fsdd.groups[np.isin(fsdd.groups, ["george", "theo"])]).all()
    noise = data.noisy - data.clean
    spectrum = np.abs(np.fft.rfft(noise, axis=1)) ** 2
    low_high = spectrum[:, 1:200].mean(1) / spectrum[:, 1000:].mean(1)
    ratio = {k: np.median(low_high[data.noise_type == k]) for k in ("white", "pink")}
    assert 0.5 < ratio["white"] < 2 < 10 < ratio["pink"]
    ratio_brown = np.median(low_high[data.noise_type == "brown"])
    assert ratio_brown > 10 * ratio["pink"]


@pytest.mark.fsdd
def test_make_noisy_speech_is_seeded(fsdd_home):
    kwargs = {"speakers": ["theo"], "snr": 5, "noise": "white"}
    a = make_noisy_speech(fsdd_home, **kwargs, random_state=1)
    b = make_noisy_speech(fsdd_home, **kwargs, random_state=1)
    c = make_noisy_speech(fsdd_home, **kwargs, random_state=2)
    np.testing.assert_array_equal(a.noisy, b.noisy)
    np.testing.assert_array_equal(a.clean, c.clean)
    assert not np.array_equal(a.noisy, c.noisy)


@pytest.mark.fsdd
def test_make_noisy_speech_errors(fsdd_home):
    with pytest.raises(ValueError, match="at least two speakers"):
        make_noisy_speech(fsdd_home, speakers=["theo"], noise="babble")
    with pytest.raises(ValueError, match=r"Unknown FSDD speakers \['bob'\]"):
        make_noisy_speech(fsdd_home, speakers=["bob"])
    with pytest.raises(TypeError, match=r"a list of FSDD speakers, e.g. \['theo'\]"):
        make_noisy_speech(fsdd_home, speakers="theo")
    with pytest.raises(ValueError, match="duration must be positive"):
        make_noisy_speech(fsdd_home, speakers=["theo"], duration=0)
    with pytest.raises(
        ValueError, match=r"noise must be among 'white', .*; got 'purple'\.$"
    ):
        make_noisy_speech(fsdd_home, speakers=["theo"], noise="purple")


@pytest.mark.fsdd
def test_make_speaker_mixtures(fsdd_home):
    speakers = ["george", "jackson", "theo"]
    data = make_speaker_mixtures(
        200, fsdd_home, speakers=speakers, level_range=4.0, random_state=0
    )
    assert data.mixture.shape == (200, 4000) and data.sources.shape == (200, 2, 4000)
    np.testing.assert_allclose(data.mixture, data.sources.sum(axis=1), atol=1e-6)
    assert (data.speakers[:, 0] != data.speakers[:, 1]).all()
    assert set(data.speakers.ravel()) == set(speakers)
    assert list(data.groups[:2]) == ["+".join(sorted(r)) for r in data.speakers[:2]]
    rms = np.sqrt((data.sources.astype(np.float64) ** 2).mean(axis=2))
    level_db = 20 * np.log10(rms[:, 0] / rms[:, 1])
    assert np.abs(level_db).max() <= 4.0 + 1e-3 and np.abs(level_db).max() > 2
    again = make_speaker_mixtures(
        200, fsdd_home, speakers=speakers, level_range=4.0, random_state=0
    )
    np.testing.assert_array_equal(again.sources, data.sources)
    other = make_speaker_mixtures(
        20, fsdd_home, speakers=speakers, n_sources=3, level_range=0, random_state=1
    )
    assert other.sources.shape == (20, 3, 4000)
    assert set(map(frozenset, other.speakers)) == {frozenset(speakers)}
    rms = np.sqrt((other.sources.astype(np.float64) ** 2).mean(axis=2))
    np.testing.assert_allclose(rms, 0.1, rtol=1e-4)  # -20 dBFS, as documented
    with pytest.raises(ValueError, match="3 sources need 3 different speakers"):
        make_speaker_mixtures(5, fsdd_home, speakers=["theo", "george"], n_sources=3)
    with pytest.raises(ValueError, match="level_range == -5, must be >= 0"):
        make_speaker_mixtures(5, fsdd_home, speakers=speakers, level_range=-5)


@pytest.mark.fsdd
def test_make_speaker_mixtures_speed_range(fsdd_home):
    kwargs = {"speakers": ["george", "theo"], "level_range": 0, "random_state": 3}
    plain = make_speaker_mixtures(30, fsdd_home, **kwargs)
    same = make_speaker_mixtures(30, fsdd_home, speed_range=(1.0, 1.0), **kwargs)
    np.testing.assert_allclose(same.sources, plain.sources, atol=1e-5)
    faster = make_speaker_mixtures(30, fsdd_home, speed_range=(1.25, 1.25), **kwargs)
    assert (faster.speakers == plain.speakers).all()
    np.testing.assert_allclose(faster.mixture, faster.sources.sum(axis=1), atol=1e-6)

    def centroid(x):
        power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
        return (power * np.arange(power.shape[-1])).sum(-1) / power.sum(-1)

    def duration(x):  # samples between the first and the last loud one
        loud = np.abs(x) > 0.1 * np.abs(x).max(axis=-1, keepdims=True)
        return x.shape[-1] - loud[..., ::-1].argmax(-1) - loud.argmax(-1)

    pitch = np.median(centroid(faster.sources) / centroid(plain.sources))
    assert 1.15 < pitch < 1.35
    length = np.median(duration(faster.sources) / duration(plain.sources))
    assert 0.7 < length < 0.9
    varied = make_speaker_mixtures(30, fsdd_home, speed_range=(0.8, 1.2), **kwargs)
    ratios = centroid(varied.sources) / centroid(plain.sources)
    assert ratios.min() < 0.95 and ratios.max() > 1.05


@pytest.mark.fsdd
def test_make_speaker_mixtures_max_shift(fsdd_home):
    kwargs = {"speakers": ["george", "theo"], "level_range": 0, "random_state": 4}
    plain = make_speaker_mixtures(10, fsdd_home, **kwargs).sources
    moved = make_speaker_mixtures(10, fsdd_home, max_shift=0.05, **kwargs).sources
    n_times = plain.shape[-1]
    lags = []
    for a, b in zip(
        plain.reshape(-1, n_times), moved.reshape(-1, n_times), strict=True
    ):
        lag = np.correlate(b, a, "full").argmax() - (n_times - 1)
        lags.append(lag)
        overlap = (b[lag:], a[: n_times - lag]) if lag >= 0 else (b[:lag], a[-lag:])
        assert np.corrcoef(*overlap)[0, 1] > 0.999
    assert max(map(abs, lags)) <= 400 and len(set(lags)) > 5
    np.testing.assert_allclose(np.sqrt((moved**2).mean(-1)), 0.1, rtol=1e-4)


@pytest.mark.fsdd
def test_make_speaker_mixtures_same_speaker(fsdd_home):
    kwargs = {"speakers": ["george", "theo"], "random_state": 5}
    plain = make_speaker_mixtures(200, fsdd_home, **kwargs)
    mixed = make_speaker_mixtures(200, fsdd_home, same_speaker=0.3, **kwargs)
    same = mixed.speakers[:, 0] == mixed.speakers[:, 1]
    assert 0.2 < same.mean() < 0.4
    assert set(mixed.groups[same]) == {"george+george", "theo+theo"}
    # different recordings of the one speaker
    assert (np.abs(mixed.sources[same, 0] - mixed.sources[same, 1]).max(-1) > 0).all()
    # the other mixtures are those drawn without same_speaker
    assert (mixed.speakers[~same] == plain.speakers[~same]).all()
    np.testing.assert_allclose(mixed.mixture, mixed.sources.sum(axis=1), atol=1e-6)


@pytest.mark.fsdd
def test_make_speaker_mixtures_errors(fsdd_home):
    with pytest.raises(ValueError, match="speed_range must be None or"):
        make_speaker_mixtures(
            5, fsdd_home, speakers=["theo", "george"], speed_range=(1.2, 0.9)
        )
    with pytest.raises(ValueError, match=r"same_speaker must be in \[0, 1\]"):
        make_speaker_mixtures(5, fsdd_home, speakers=["theo", "george"], same_speaker=2)
    with pytest.raises(ValueError, match="max_shift must be >= 0"):
        make_speaker_mixtures(5, fsdd_home, speakers=["theo", "george"], max_shift=-0.1)


def test_folder_of_digit_classes_is_not_audiomnist(tmp_path):
    for digit in ("0", "1"):
        _clip(tmp_path / "digits" / digit / "take_a.wav")
    data = load_audio_dataset(tmp_path / "digits")
    assert data.layout == "folder" and data.target.tolist() == ["0", "1"]
