import os
import pickle
import re
import struct
import warnings
from pathlib import Path
from types import SimpleNamespace

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

from skaudio import FixedLength, PerSampleNormalizer, RandomRoll, io
from skaudio.datasets import load_fsdd
from skaudio.io import (
    AudioLoadError,
    CroppedAudioWarning,
    WaveformLoader,
    Waveforms,
    audio_info,
    auto_duration,
    load_audio,
    scan_audio_files,
)
from skaudio.preprocessing import fix_length


def _sine(freq, sample_rate, seconds=0.5):
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _bad_files(tmp_path):
    """One file per way a file can be unreadable, with a regex of the reason
    (the whole reason: ``re.fullmatch``)."""
    good = _sine(440, 8000)
    sf.write(tmp_path / "ok.wav", good, 8000, subtype="PCM_16")
    data = (tmp_path / "ok.wav").read_bytes()
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("this is not audio\n" * 10)
    (tmp_path / "text.mp3").write_text("this is not audio either\n" * 20)
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    sf.write(tmp_path / "flac.flac", good, 8000)
    flac = (tmp_path / "flac.flac").read_bytes()
    (tmp_path / "cut.flac").write_bytes(flac[: len(flac) // 2])
    sf.write(tmp_path / "ogg.ogg", good, 8000)
    ogg = (tmp_path / "ogg.ogg").read_bytes()
    (tmp_path / "cut.ogg").write_bytes(ogg[: len(ogg) // 2])
    # Cut in its last pages, an Ogg file opens and libsndfile logs the end.
    (tmp_path / "end_cut.ogg").write_bytes(ogg[: len(ogg) * 9 // 10])
    sf.write(tmp_path / "zero.wav", np.zeros(0, np.float32), 8000)
    sf.write(tmp_path / "nan.wav", np.full(100, np.nan, np.float32), 8000, "FLOAT")
    # 64-bit floats are decoded by soundfile, not read directly.
    sf.write(tmp_path / "inf.wav", np.full(100, np.inf), 8000, "DOUBLE")
    (tmp_path / "folder.wav").mkdir()
    # 4000 16-bit samples promised after a 44-byte header; half the file kept.
    present = len(data) // 2 - 44
    return {
        "missing.wav": "file does not exist",
        "folder.wav": "is a directory, not a file",
        "empty.wav": r"file is empty \(0 bytes\)",
        "text.wav": r"not a readable audio file \(Format not recognised\)",
        # libsndfile's MPEG decoder says such a file "does not exist"; without
        # MPEG support the format is not recognised.
        "text.mp3": r"not a readable audio file \((no audio stream the decoder "
        r"can read|Format not recognised)\)",
        "cut.wav": "file is truncated: its header promises 8000 bytes of audio data "
        f"but only {present} are present",
        "cut.flac": r"decoding failed, the file is corrupt or truncated \(.+\)",
        "cut.ogg": r"not a readable audio file \(.*malformed.*\)",
        "end_cut.ogg": "file is truncated: it ended unexpectedly",
        "zero.wav": "file contains no samples",
        "nan.wav": "file contains NaN or infinite samples",
        "inf.wav": "file contains NaN or infinite samples",
    }


def test_load_audio_mono_float32(tmp_path):
    x = _sine(440, 8000)
    sf.write(tmp_path / "a.wav", x, 8000, subtype="FLOAT")
    y, sr = load_audio(tmp_path / "a.wav")
    assert sr == 8000 and y.dtype == np.float32
    np.testing.assert_array_equal(y, x)


def test_stereo_mixes_to_mono(tmp_path):
    left, right = _sine(440, 8000), _sine(1000, 8000)
    sf.write(tmp_path / "s.wav", np.stack([left, right], 1), 8000, subtype="FLOAT")
    mono, _ = load_audio(tmp_path / "s.wav")
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-7)
    both, _ = load_audio(tmp_path / "s.wav", mono=False)
    np.testing.assert_array_equal(both, np.stack([left, right]))


@pytest.mark.parametrize("native", [8000, 16000, 44100])
@pytest.mark.parametrize("target", [8000, 16000, 44100])
def test_resampling_keeps_duration_and_pitch(tmp_path, native, target):
    sf.write(tmp_path / "a.wav", _sine(440, native), native, subtype="FLOAT")
    y, sr = load_audio(tmp_path / "a.wav", sample_rate=target)
    assert sr == target and y.shape == (target // 2,) and y.dtype == np.float32
    # The spectral peak stays at 440 Hz (one FFT bin is 2 Hz for 0.5 s).
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * target / len(y)
    assert abs(peak_hz - 440) <= 2


def _amplitude_at(y, rate, hz):
    """Amplitude of the ``hz`` component of ``y`` (Hann-windowed FFT)."""
    window = np.hanning(len(y))
    spectrum = np.abs(np.fft.rfft(y * window)) / (window.sum() / 2)
    return spectrum[round(hz * len(y) / rate)]


def test_resampling_keeps_tones_above_the_new_nyquist_out(tmp_path):
    # 44.1 -> 16 kHz: 9 kHz would alias to 7 kHz (torchaudio's default
    # filter let it through at 0.072, -17 dB); 7 kHz is just below 8 kHz.
    for hz, kept in ((9000, False), (7000, True)):
        sf.write(tmp_path / "t.wav", _sine(hz, 44100, 1.0), 44100, subtype="FLOAT")
        y, _ = load_audio(tmp_path / "t.wav", sample_rate=16000)
        amplitude = _amplitude_at(y[1000:-1000], 16000, 7000)
        if kept:
            assert amplitude == pytest.approx(0.5, rel=0.02)
        else:
            assert amplitude < 0.5 * 10 ** (-70 / 20)


def test_unseekable_and_streamed_wav_files_load(tmp_path):
    x = _sine(440, 8000)
    # GSM 6.10 cannot seek: libsndfile reads it only from the start.
    sf.write(tmp_path / "gsm.wav", x, 8000, format="WAV", subtype="GSM610")
    expected, _ = sf.read(tmp_path / "gsm.wav", dtype="float32")
    np.testing.assert_array_equal(load_audio(tmp_path / "gsm.wav")[0], expected)
    part, _ = load_audio(tmp_path / "gsm.wav", offset=0.1, duration=0.2)
    np.testing.assert_array_equal(part, expected[800:2400])
    # A WAV streamed to a pipe (ffmpeg) gives its sizes as 0xFFFFFFFF.
    sf.write(tmp_path / "pcm.wav", x, 8000, subtype="PCM_16")
    streamed = bytearray((tmp_path / "pcm.wav").read_bytes())
    data = streamed.index(b"data")
    streamed[4:8] = streamed[data + 4 : data + 8] = b"\xff" * 4
    (tmp_path / "streamed.wav").write_bytes(bytes(streamed))
    expected, _ = sf.read(tmp_path / "pcm.wav", dtype="float32")
    np.testing.assert_array_equal(load_audio(tmp_path / "streamed.wav")[0], expected)


def test_offset_and_duration(tmp_path):
    x = np.arange(8000, dtype=np.float32) / 8000
    sf.write(tmp_path / "r.wav", x, 8000, subtype="FLOAT")
    y, _ = load_audio(tmp_path / "r.wav", offset=0.25, duration=0.5)
    np.testing.assert_array_equal(y, x[2000:6000])
    with pytest.raises(AudioLoadError, match="offset 2 s is at or past the end"):
        load_audio(tmp_path / "r.wav", offset=2)
    with pytest.raises(ValueError, match=r"^offset must be >= 0 seconds, got -0.1\.$"):
        load_audio(tmp_path / "r.wav", offset=-0.1)
    for rate in (0, -8000, 8000.5, True):
        with pytest.raises(ValueError, match=rf"got {rate!r}\.$"):
            load_audio(tmp_path / "r.wav", sample_rate=rate)
    for duration in (0, -1.0):
        with pytest.raises(
            ValueError, match=rf"^duration must be > 0 seconds, got {duration}\.$"
        ):
            load_audio(tmp_path / "r.wav", duration=duration)


def test_offset_and_duration_edges_of_files_soundfile_decodes(tmp_path):
    x = np.arange(1, 4001, dtype=np.float32) / 4001
    sf.write(tmp_path / "r.flac", x, 8000, subtype="PCM_24")
    path = tmp_path / "r.flac"
    first, _ = load_audio(path, duration=1 / 8000)
    assert first.shape == (1,) and first[0] == pytest.approx(x[0], abs=1e-6)
    with pytest.raises(AudioLoadError) as info:
        load_audio(path, offset=0.5)  # exactly the end
    assert info.value.reason == (
        "offset 0.5 s is at or past the end of the file (0.500 s)"
    )
    assert info.value.path == str(path)
    with pytest.raises(AudioLoadError) as info:
        load_audio(path, duration=1e-5)  # rounds to no sample
    assert (info.value.path, info.value.reason) == (
        str(path),
        "file contains no samples",
    )


def test_audio_load_error_pickles_with_its_fields():
    error = pickle.loads(pickle.dumps(AudioLoadError("a.wav", "file is empty")))
    assert isinstance(error, AudioLoadError)
    assert (error.path, error.reason) == ("a.wav", "file is empty")
    assert str(error) == "Cannot load audio file 'a.wav': file is empty"
    listed = AudioLoadError("a.wav", "empty. 1 other ...", {"a.wav": "e", "b": "m"})
    assert pickle.loads(pickle.dumps(listed)).problems == {"a.wav": "e", "b": "m"}


def test_n_longer_counts_clips_more_than_half_a_sample_longer():
    half, one = 0.5 / 8000, 1 / 8000
    durations = [1.0, 1.0 + half, 1.0 + one, 0.5, 2.0]
    assert io.n_longer(durations, 1.0, 8000) == 2
    assert io.n_longer(durations, 2.0, 8000) == 0


def _soundfile_reference(path, **kwargs):
    """``load_audio`` forced through soundfile."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(io, "_read_wav_directly", lambda *args: None)
        return load_audio(path, **kwargs)


# Every WAV encoding the loader reads without libsndfile, and some it leaves to
# libsndfile ("WAVEX" is WAVE_FORMAT_EXTENSIBLE; RF64 and W64 are other
# containers).
@pytest.mark.parametrize(
    "container, subtype, direct",
    [
        ("WAV", "PCM_16", True),
        ("WAV", "PCM_32", True),
        ("WAV", "FLOAT", True),
        ("WAVEX", "PCM_16", True),
        ("WAVEX", "FLOAT", True),
        ("WAV", "PCM_24", False),
        ("WAV", "PCM_U8", False),
        ("WAV", "DOUBLE", False),
        ("WAV", "ULAW", False),
        ("RF64", "PCM_16", False),
        ("W64", "PCM_16", False),
    ],
)
@pytest.mark.parametrize("channels", [1, 3])
def test_direct_wav_reading_matches_soundfile(
    tmp_path, monkeypatch, container, subtype, direct, channels
):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8001, channels)).astype(np.float32)
    x[:4] = [[-1.0], [0.0], [0.5], [1 - 2**-15]]  # full scale and exact steps
    path = tmp_path / "a.wav"
    sf.write(path, x, 8000, format=container, subtype=subtype)
    for kwargs in [
        {"mono": False},
        {"mono": True},
        {"mono": False, "offset": 0.1, "duration": 0.5},
        {"mono": False, "offset": 0.9, "duration": 5.0},
    ]:
        expected = _soundfile_reference(path, **kwargs)
        got = load_audio(path, **kwargs)
        assert got[1] == expected[1] == 8000
        assert got[0].dtype == np.float32
        np.testing.assert_array_equal(got[0], expected[0])

    # Whether libsndfile was bypassed.
    def no_libsndfile(*args, **kwargs):
        raise AssertionError("soundfile was used")

    monkeypatch.setattr(io.sf, "SoundFile", no_libsndfile)
    if direct:
        load_audio(path)
    else:
        with pytest.raises(AssertionError, match="soundfile was used"):
            load_audio(path)


def test_direct_wav_reading_skips_other_chunks(tmp_path, monkeypatch):
    x = _sine(440, 8000)
    sf.write(tmp_path / "a.wav", x, 8000, subtype="PCM_16")
    data = (tmp_path / "a.wav").read_bytes()
    # A LIST chunk of odd size (so padded) between "fmt " and "data".
    fmt_end = 12 + 8 + int.from_bytes(data[16:20], "little")
    extra = b"LIST" + (5).to_bytes(4, "little") + b"INFO!" + b"\0"
    body = data[12:fmt_end] + extra + data[fmt_end:]
    riff = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WAVE" + body
    (tmp_path / "b.wav").write_bytes(riff)
    np.testing.assert_array_equal(
        load_audio(tmp_path / "b.wav")[0], load_audio(tmp_path / "a.wav")[0]
    )
    np.testing.assert_array_equal(
        load_audio(tmp_path / "b.wav")[0], _soundfile_reference(tmp_path / "b.wav")[0]
    )

    def refuse(*args, **kwargs):
        raise AssertionError("soundfile was used")

    expected = load_audio(tmp_path / "a.wav")[0]
    monkeypatch.setattr(io.sf, "SoundFile", refuse)  # the padding is understood
    np.testing.assert_array_equal(load_audio(tmp_path / "b.wav")[0], expected)


def test_each_bad_file_names_file_and_cause(tmp_path):
    expected = _bad_files(tmp_path)
    for name, reason in expected.items():
        path = tmp_path / name
        with pytest.raises(AudioLoadError) as info:
            load_audio(path)
        assert (
            str(info.value) == f"Cannot load audio file '{path}': {info.value.reason}"
        )
        assert re.fullmatch(reason, info.value.reason), (name, info.value.reason)
        assert info.value.path == str(path)


def test_scan_reports_every_bad_file(tmp_path):
    expected = _bad_files(tmp_path)
    paths = [tmp_path / n for n in ["ok.wav", "flac.flac", "ogg.ogg", *expected]]
    problems = scan_audio_files(paths, n_jobs=2)
    assert set(problems) == {str(tmp_path / n) for n in expected}
    for name, reason in expected.items():
        assert re.fullmatch(reason, problems[str(tmp_path / name)])


def test_loader_names_every_bad_file(tmp_path, wav_files):
    paths, _ = wav_files
    (tmp_path / "broken.wav").write_text("not audio")
    broken = str(tmp_path / "broken.wav")
    with pytest.raises(AudioLoadError, match="broken.wav") as info:
        WaveformLoader(n_jobs=2).fit_transform([*paths, broken])
    assert info.value.path == broken and "other" not in str(info.value)
    # Given the rate and length, fit reads no header: found while loading.
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(Path(paths[0]).read_bytes()[:-100])
    loader = WaveformLoader(sample_rate=8000, duration=0.5)
    with pytest.raises(AudioLoadError) as info:
        loader.fit_transform([paths[0], str(truncated), *paths[1:], broken])
    assert info.value.path == str(truncated)
    assert "truncated" in info.value.reason
    assert f"1 other file of the {len(paths) + 2} cannot be read either: " in str(
        info.value
    )
    assert f"'{broken}': not a readable audio file" in str(info.value)


def test_loader_fit_names_every_file_whose_header_fails(tmp_path, wav_files):
    paths, _ = wav_files
    bad = _bad_files(tmp_path)
    names = ["empty.wav", "cut.wav", "missing.wav"]
    assert set(names) <= set(bad)
    with pytest.raises(AudioLoadError) as info:
        WaveformLoader().fit([paths[0], *(str(tmp_path / n) for n in names)])
    assert info.value.path == str(tmp_path / "empty.wav")
    message = str(info.value)
    assert f"2 other files of the {len(names) + 1} cannot be read either: " in message
    for name in names[1:]:
        assert re.search(f"'{re.escape(str(tmp_path / name))}': {bad[name]}", message)
    # Each file with its own reason, in the order given.
    assert list(info.value.problems) == [str(tmp_path / n) for n in names]
    assert info.value.problems[str(tmp_path / "cut.wav")].startswith("file is trunc")
    # A fault no header shows is found too, rather than left for the next run.
    names = ["nan.wav", "empty.wav"]
    with pytest.raises(AudioLoadError) as info:
        WaveformLoader().fit([str(tmp_path / n) for n in names])
    assert list(info.value.problems) == [str(tmp_path / n) for n in names]
    for name in names:
        assert re.fullmatch(bad[name], info.value.problems[str(tmp_path / name)])


def test_loader_fixed_length_and_alignment(tmp_path):
    short = np.arange(1, 4001, dtype=np.float32) / 4001
    long = np.arange(1, 12001, dtype=np.float32) / 12001
    sf.write(tmp_path / "short.wav", short, 8000, subtype="FLOAT")
    sf.write(tmp_path / "long.wav", long, 8000, subtype="FLOAT")
    paths = [str(tmp_path / "short.wav"), tmp_path / "long.wav"]
    X = WaveformLoader(sample_rate=None, duration=1.0).fit_transform(paths)
    assert X.shape == (2, 8000) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0, :4000], short)
    assert not X[0, 4000:].any()
    np.testing.assert_array_equal(X[1], long[:8000])
    X = WaveformLoader(sample_rate=None, duration=1.0, align="center").fit_transform(
        paths
    )
    np.testing.assert_array_equal(X[0, 2000:6000], short)
    assert not X[0, :2000].any() and not X[0, 6000:].any()
    np.testing.assert_array_equal(X[1], long[2000:10000])


@pytest.mark.parametrize("align", ["start", "center"])
def test_loader_aligns_the_same_with_workers(tmp_path, align):
    # Clips 1 sample shorter and longer than the 101-sample output, and
    # 2 and 3 samples off: odd and even padding and cropping.
    paths = []
    for n in (98, 99, 100, 102, 103, 104):
        paths.append(tmp_path / f"{n}.wav")
        sf.write(paths[-1], np.arange(1, n + 1) / 128, 8000, subtype="FLOAT")
    loader = WaveformLoader(sample_rate=None, duration=101 / 8000, align=align)
    X = loader.set_params(n_jobs=2).fit_transform(paths)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, loader.set_params(n_jobs=1).transform(paths))
    for row, n in zip(X, (98, 99, 100, 102, 103, 104), strict=True):
        expected = fix_length(np.arange(1, n + 1) / 128, 101, align=align)
        np.testing.assert_array_equal(row, expected.astype(np.float32))
    if align == "center":
        # 98 samples: 1 zero before, 2 after; 104: 1 cropped before, 2 after.
        np.testing.assert_array_equal(X[0, [0, 1, 98, 99, 100]] * 128, [0, 1, 98, 0, 0])
        np.testing.assert_array_equal(X[-1, [0, -1]] * 128, [2, 102])


def test_loader_resamples_to_one_rate(tmp_path):
    sf.write(tmp_path / "a.wav", _sine(440, 8000), 8000)
    sf.write(tmp_path / "b.wav", _sine(440, 16000), 16000)
    paths = [tmp_path / "a.wav", tmp_path / "b.wav"]
    X = WaveformLoader(sample_rate=16000, duration=0.5).fit_transform(paths)
    assert X.shape == (2, 8000)
    sf.write(tmp_path / "c.wav", _sine(440, 22050), 22050)
    for files in (paths, [*paths, tmp_path / "c.wav"]):
        with pytest.raises(ValueError) as info:
            WaveformLoader(sample_rate=None).fit(files)  # fit reads the headers
        assert str(info.value) == (
            f"Files have different sample rates: '{paths[0]}' is 8000 Hz, "
            f"'{paths[1]}' is 16000 Hz. Set sample_rate to resample them to one "
            "rate."
        )


def test_loader_at_native_rates_refuses_a_later_file_at_another_rate(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(800), 8000)
    sf.write(tmp_path / "b.wav", np.zeros(1600), 16000)
    loader = WaveformLoader(sample_rate=None, duration=0.1).fit([tmp_path / "a.wav"])
    with pytest.raises(ValueError) as info:
        loader.transform([tmp_path / "a.wav", tmp_path / "b.wav"])
    assert str(info.value) == (
        f"Files have different sample rates: '{tmp_path / 'a.wav'}' is 8000 Hz, "
        f"'{tmp_path / 'b.wav'}' is 16000 Hz. Set sample_rate to resample them to "
        "one rate."
    )


def test_loader_without_duration_needs_equal_lengths(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(100), 8000)
    sf.write(tmp_path / "b.wav", np.zeros(200), 8000)
    loader = WaveformLoader(sample_rate=None, duration=None)
    assert loader.fit_transform([tmp_path / "a.wav"]).shape == (1, 100)
    with pytest.raises(ValueError) as info:
        loader.fit_transform([tmp_path / "a.wav", tmp_path / "b.wav"])
    assert str(info.value) == (
        f"Cannot stack waveforms of different shapes: '{tmp_path / 'a.wav'}' has "
        f"shape (100,), '{tmp_path / 'b.wav'}' has (200,). Set duration to "
        "pad/crop them to one length."
    )


def test_loader_multichannel(tmp_path):
    stereo = np.stack([np.arange(1, 101), -np.arange(1, 101)], axis=1) / 128
    sf.write(tmp_path / "s.wav", stereo, 8000, subtype="FLOAT")
    sf.write(tmp_path / "m.wav", np.zeros(100), 8000)
    loader = WaveformLoader(sample_rate=None, duration=0.05, mono=False)
    X = loader.fit_transform([tmp_path / "s.wav"] * 3)
    assert X.shape == (3, 2, 400)
    np.testing.assert_array_equal(X[:, :, :100], np.broadcast_to(stereo.T, (3, 2, 100)))
    assert not X[:, :, 100:].any()
    with pytest.raises(ValueError) as info:
        loader.fit_transform([tmp_path / "s.wav", tmp_path / "m.wav"])
    assert str(info.value) == (
        f"Files have different numbers of channels: '{tmp_path / 's.wav'}' has 2, "
        f"'{tmp_path / 'm.wav'}' has 1. Set mono=True to mix every file down to "
        "one channel."
    )


@pytest.mark.parametrize(
    "X, error, match",
    [
        (
            "a.wav",
            TypeError,
            r"^X must be a 1-D array-like of file paths, got a single path "
            r"'a\.wav'; wrap it in a list\.$",
        ),
        ([], ValueError, r"^X is empty: WaveformLoader needs at least one path\.$"),
        (
            [["a.wav", "b.wav"]],
            ValueError,
            r"^X must be a 1-D array-like of file paths, got shape \(1, 2\)\.$",
        ),
        (
            ["a.wav", 3.5],
            TypeError,
            r"^X\[1\] is float 3\.5, expected a file path \(str or os\.PathLike\)\.$",
        ),
    ],
)
def test_loader_rejects_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        WaveformLoader().fit_transform(X)


def test_loader_accepts_column_of_paths(wav_files):
    paths, _ = wav_files
    expected = WaveformLoader().fit_transform(paths)
    np.testing.assert_array_equal(
        WaveformLoader().fit_transform(paths.reshape(-1, 1)), expected
    )


def test_loader_invalid_params_error_at_transform(wav_files):
    paths, _ = wav_files
    with pytest.raises(ValueError, match="'align' parameter"):
        WaveformLoader(align="left").fit_transform(paths)
    with pytest.raises(ValueError, match="'duration' parameter"):
        WaveformLoader(duration=-1).fit(paths)


def test_loader_n_jobs_gives_identical_result(wav_files):
    paths, _ = wav_files
    one = WaveformLoader(n_jobs=1).fit_transform(paths)
    np.testing.assert_array_equal(WaveformLoader(n_jobs=2).fit_transform(paths), one)
    np.testing.assert_array_equal(WaveformLoader(n_jobs=-1).fit_transform(paths), one)


@pytest.mark.parametrize("room", [True, False])
def test_loader_workers_share_memory_only_with_room(
    tmp_path, monkeypatch, wav_files, room
):
    # The workers' shared array goes to the RAM-backed folder only when it has
    # room (Docker mounts 64 MiB there), and is never left behind.
    paths, _ = wav_files
    shared = tmp_path / "shm"
    shared.mkdir()
    monkeypatch.setattr(io, "_SHARED_MEMORY", str(shared))
    used, folders, arrays = [], [], []
    mkdtemp, open_memmap = io.tempfile.mkdtemp, np.lib.format.open_memmap

    def make_folder(dir):
        used.append(dir)
        folders.append(mkdtemp(dir=dir))
        return folders[-1]

    def spy_open_memmap(path, **kwargs):
        arrays.append((path, kwargs["shape"]))
        return open_memmap(path, **kwargs)

    monkeypatch.setattr(io.tempfile, "mkdtemp", make_folder)
    monkeypatch.setattr(np.lib.format, "open_memmap", spy_open_memmap)
    # Room for twice the (6, 4800) float32 array, or one byte less.
    nbytes = 6 * 4800 * 4
    free = 2 * nbytes + (1 if room else 0)
    monkeypatch.setattr(io.shutil, "disk_usage", lambda p: SimpleNamespace(free=free))
    X = WaveformLoader(n_jobs=2).fit_transform(paths)
    ((path, shape),) = arrays
    assert os.path.dirname(path) == folders[0] and shape == (6, 4800)
    assert isinstance(X, np.ndarray) and X.flags.writeable
    np.testing.assert_array_equal(X, WaveformLoader(n_jobs=1).fit_transform(paths))
    assert used == [str(shared) if room else None]
    assert not any(shared.iterdir())


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_loader_progress_bar_counts_each_file_once(tmp_path, n_jobs, capsys):
    paths = [tmp_path / f"{i}.wav" for i in range(20)]  # chunks of 3 with workers
    for path in paths:
        sf.write(path, np.zeros(80), 8000)
    WaveformLoader(sample_rate=None, n_jobs=n_jobs, verbose=1).fit_transform(paths)
    err = capsys.readouterr().err
    assert re.search(r"(^|\r)Loading audio: 100%.* 20/20 .*file/s", err), err
    assert not re.search(r"(2[1-9]|[3-9]\d)/20", err)


def test_shared_memory_only_with_twice_the_array_free(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "_SHARED_MEMORY", str(tmp_path))
    free = 1000

    def usage(path):
        assert path == str(tmp_path)
        return SimpleNamespace(free=free)

    monkeypatch.setattr(io.shutil, "disk_usage", usage)
    assert io._memmap_folder(499) == str(tmp_path)
    assert io._memmap_folder(500) is None
    free = 0
    assert io._memmap_folder(1) is None


def test_lazy_loader_decodes_like_the_eager_one_and_quietly(wav_files, capsys):
    paths, _ = wav_files
    loader = WaveformLoader(sample_rate=8000, duration=0.25, n_jobs=2, verbose=1)
    expected = loader.fit_transform(paths)
    capsys.readouterr()
    lazy = loader.set_params(lazy=True).transform(paths)
    np.testing.assert_array_equal(list(lazy.paths), list(paths))
    assert lazy.shape == (6, 2000)
    np.testing.assert_array_equal(lazy.load(), expected)
    np.testing.assert_array_equal(lazy.load([4, 1]), expected[[4, 1]])
    # Each batch is decoded in one process, without a progress bar.
    assert capsys.readouterr().err == ""
    assert loader.lazy is True and loader.n_jobs == 2  # the loader is unchanged


def test_only_riff_wave_files_are_read_directly(tmp_path):
    x = _sine(440, 8000)
    # RIFX: big-endian WAV, which soundfile decodes.
    sf.write(tmp_path / "big.wav", x, 8000, subtype="PCM_16", endian="BIG")
    assert (tmp_path / "big.wav").read_bytes()[:4] == b"RIFX"
    np.testing.assert_array_equal(
        load_audio(tmp_path / "big.wav")[0],
        _soundfile_reference(tmp_path / "big.wav")[0],
    )
    # A RIFF file of another form type, with WAV chunks, is not audio.
    sf.write(tmp_path / "a.wav", x, 8000, subtype="PCM_16")
    data = (tmp_path / "a.wav").read_bytes()
    (tmp_path / "b.wav").write_bytes(data[:8] + b"AVI " + data[12:])
    with pytest.raises(AudioLoadError, match="not a readable audio file"):
        load_audio(tmp_path / "b.wav")
    # Nor is a file of WAV chunks without the RIFF tag.
    (tmp_path / "c.wav").write_bytes(b"JUNK" + data[4:])
    with pytest.raises(AudioLoadError, match="not a readable audio file"):
        load_audio(tmp_path / "c.wav")


def _wav_with_data_header_at(tmp_path, name, data_header_start):
    """A 16-bit WAV file of 70,000 samples whose "data" chunk header starts at
    byte ``data_header_start``, after a padding LIST chunk."""
    sf.write(tmp_path / "plain.wav", _sine(440, 8000, 8.75), 8000, subtype="PCM_16")
    plain = (tmp_path / "plain.wav").read_bytes()
    assert plain[36:40] == b"data"  # RIFF header (12) and fmt chunk (24) first
    pad = data_header_start - 36 - 8
    body = plain[12:36] + b"LIST" + pad.to_bytes(4, "little") + bytes(pad)
    body += plain[36:]
    path = tmp_path / name
    path.write_bytes(b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WAVE" + body)
    return path, _soundfile_reference(tmp_path / "plain.wav")[0]


def test_wav_chunk_headers_at_the_end_of_the_header_read(tmp_path, monkeypatch):
    # The first 64 KiB are parsed: a "data" header cut by that limit is left to
    # soundfile (its size field is incomplete), one just inside is read directly.
    cut, expected = _wav_with_data_header_at(tmp_path, "cut.wav", 65536 - 6)
    np.testing.assert_array_equal(load_audio(cut)[0], expected)

    def refuse(*args, **kwargs):
        raise AssertionError("soundfile was used")

    inside, _ = _wav_with_data_header_at(tmp_path, "inside.wav", 65536 - 8)
    monkeypatch.setattr(io.sf, "SoundFile", refuse)
    np.testing.assert_array_equal(load_audio(inside)[0], expected)


def _patched_wav(tmp_path, name, **fields):
    """A mono 16-bit WAV file of 100 samples with ``fmt `` fields replaced."""
    sf.write(tmp_path / name, np.arange(100) / 100, 8000, subtype="PCM_16")
    data = bytearray((tmp_path / name).read_bytes())
    where = {"channels": (22, "<H"), "rate": (24, "<I"), "block_align": (32, "<H")}
    for field, value in fields.items():
        offset, layout = where[field]
        struct.pack_into(layout, data, offset, value)
    (tmp_path / name).write_bytes(bytes(data))
    return tmp_path / name


def test_wav_headers_read_directly_only_when_consistent(tmp_path, monkeypatch):
    rate0 = _patched_wav(tmp_path, "rate0.wav", rate=0)
    with pytest.raises(AudioLoadError, match="not a readable audio file"):
        load_audio(rate0)
    mute = _patched_wav(tmp_path, "mute.wav", channels=0, block_align=0)
    with pytest.raises(AudioLoadError, match="not a readable audio file"):
        load_audio(mute)
    # A truncated file stays an error when only its first samples are asked for.
    cut = _bad_files(tmp_path)["cut.wav"]
    with pytest.raises(AudioLoadError, match=cut):
        load_audio(tmp_path / "cut.wav", duration=0.01)

    def refuse(*args, **kwargs):
        raise AssertionError("soundfile was used")

    # libsndfile ignores a wrong block_align for PCM: all 100 frames are read.
    odd = _patched_wav(tmp_path, "odd.wav", block_align=4)
    np.testing.assert_allclose(load_audio(odd)[0], np.arange(100) / 100, atol=2**-15)
    slow = _patched_wav(tmp_path, "slow.wav", rate=1)
    monkeypatch.setattr(io.sf, "SoundFile", refuse)
    x, rate = load_audio(slow)
    assert rate == 1
    np.testing.assert_allclose(x, np.arange(100) / 100, atol=2**-15)


def test_plain_wav_files_are_read_without_libsndfile(tmp_path, monkeypatch):
    # 4 s of float32: 128 kB, more than the header read (64 KiB).
    x = np.arange(32000, dtype=np.float32) / 32000
    sf.write(tmp_path / "r.wav", x, 8000, subtype="FLOAT")

    def refuse(*args, **kwargs):
        raise AssertionError("soundfile was used")

    monkeypatch.setattr(io.sf, "SoundFile", refuse)
    monkeypatch.setattr(io.sf, "info", refuse)
    path = tmp_path / "r.wav"
    np.testing.assert_array_equal(load_audio(path, offset=0.25)[0], x[2000:])
    y, _ = load_audio(path, offset=0.25, duration=0.5)
    np.testing.assert_array_equal(y, x[2000:6000])
    np.testing.assert_array_equal(load_audio(path, duration=1 / 8000)[0], x[:1])
    # Samples past the header read, ending before the end of the file.
    y, _ = load_audio(path, offset=2.5, duration=0.5)
    np.testing.assert_array_equal(y, x[20000:24000])
    assert audio_info(path) == (8000, 32000, 1)


def test_loader_tags_and_quiet_default(wav_files, capsys):
    tags = WaveformLoader().__sklearn_tags__()
    assert tags.input_tags.one_d_array is True
    assert tags.input_tags.two_d_array is False
    assert tags.input_tags.string is True
    assert tags.transformer_tags.preserves_dtype == []
    WaveformLoader().fit_transform(wav_files[0])
    assert capsys.readouterr().err == ""


def test_loader_is_sklearn_estimator(wav_files):
    paths, _ = wav_files
    loader = WaveformLoader(sample_rate=16000, duration=0.5, n_jobs=2)
    assert clone(loader).get_params() == loader.get_params()
    loader.set_params(duration=0.25)
    assert loader.duration == 0.25
    with pytest.raises(NotFittedError):
        loader.transform(paths)
    X = loader.fit(paths).transform(paths)
    assert (loader.sample_rate_, loader.duration_) == (16000, 0.25)
    for restored in (pickle.loads(pickle.dumps(loader)), clone(loader).fit(paths)):
        np.testing.assert_array_equal(restored.transform(paths), X)


def test_loader_in_pickled_pipeline(tmp_path, wav_files):
    paths, _ = wav_files
    pipe = Pipeline([("load", WaveformLoader()), ("norm", PerSampleNormalizer())])
    X = pipe.fit_transform(paths)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "pipe.joblib").transform(paths), X
    )


@pytest.mark.fsdd
def test_loads_all_of_fsdd(fsdd_home):
    fsdd = load_fsdd(fsdd_home)
    loader = WaveformLoader(sample_rate=None, duration=1.0, n_jobs=2)
    X = loader.fit_transform(fsdd.filenames)
    assert X.shape == (3000, 8000) and X.dtype == np.float32
    assert np.isfinite(X).all() and np.abs(X).max() <= 1.0
    # FSDD clips are trimmed of silence: every clip starts with sound.
    assert (np.abs(X[:, :100]).max(axis=1) > 0).all()
    # Read without libsndfile, the samples are the ones soundfile decodes.
    for i, path in enumerate(fsdd.filenames):
        x, _ = sf.read(path, dtype="float32")
        np.testing.assert_array_equal(X[i, : len(x)], x[:8000], err_msg=path)


def test_audio_info_reads_headers(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros((300, 2)), 44100)
    sf.write(tmp_path / "b.flac", np.zeros(160), 16000)
    assert audio_info(tmp_path / "a.wav") == (44100, 300, 2)
    info = audio_info(tmp_path / "b.flac")
    assert info == (16000, 160, 1) and info.duration == 0.01
    (tmp_path / "c.wav").write_text("not audio")
    with pytest.raises(AudioLoadError, match="c.wav.*not a readable audio file"):
        audio_info(tmp_path / "c.wav")
    with pytest.raises(AudioLoadError, match="d.wav.*does not exist"):
        audio_info(tmp_path / "d.wav")
    sf.write(tmp_path / "e.wav", np.zeros(0, np.float32), 8000, subtype="FLOAT")
    with pytest.raises(AudioLoadError, match="e.wav': file contains no samples$"):
        audio_info(tmp_path / "e.wav")
    sf.write(tmp_path / "f.wav", np.zeros(1, np.float32), 8000, subtype="FLOAT")
    assert audio_info(tmp_path / "f.wav") == (8000, 1, 1)
    sf.write(tmp_path / "g.flac", np.zeros(1), 8000)  # read by soundfile
    assert audio_info(tmp_path / "g.flac") == (8000, 1, 1)


@pytest.mark.parametrize(
    "durations, expected",
    [
        ([5.0] * 7, 5.0),
        ([4.0000001] * 3, 4.0),
        # Lengths within 1e-5 s of a tenth are float noise; more is not.
        ([1.000001] * 3, 1.0),
        ([1.0001] * 3, 1.1),
        ([0.4] * 99 + [2.3], 0.4),
        ([5.0] * 60 + [60.0], 60.0),
        ([0.01], 0.1),
    ],
)
def test_auto_duration_keeps_99_percent_whole(durations, expected):
    assert auto_duration(durations) == expected


def test_loader_defaults_resample_and_learn_the_duration(tmp_path):
    # 44.1 kHz clips of 5 s (one of 6 s): loaded at 16 kHz, 5 s kept whole.
    paths = []
    for i, seconds in enumerate([5.0] * 199 + [6.0]):
        paths.append(tmp_path / f"{i}.wav")
        sf.write(paths[-1], np.full(int(seconds * 44100), 0.1), 44100)
    loader = WaveformLoader()
    with pytest.warns(CroppedAudioWarning) as record:
        X = loader.fit_transform(paths[-10:] + paths[:190])
    assert len(record) == 1 and str(record[0].message) == (
        f"WaveformLoader cropped '{paths[-1]}' (6 s) to its 5 s clips (chosen by "
        "duration='auto'), keeping the first 5 s. Fit with duration=6 to keep it "
        "whole, or predict long recordings window by window "
        "(skaudio.inference.predict_windows)."
    )
    assert (loader.sample_rate_, loader.duration_) == (16000, 5.0)
    assert X.shape == (200, 80000) and X.sample_rate == 16000
    assert np.allclose(X[1:, 1000:79000], 0.1, atol=1e-3)


@pytest.mark.parametrize("n_jobs, lazy", [(None, False), (2, False), (None, True)])
def test_loader_warns_once_naming_the_cropped_files(tmp_path, n_jobs, lazy):
    # Three 1-s clips to learn the clip length, then a 30-s recording and a
    # 1.5-s clip among short ones: the recording is the example.
    paths = [tmp_path / f"{name}.wav" for name in ("a", "b", "c", "long", "d")]
    for path, seconds in zip(paths, [1, 1, 1, 30, 1.5], strict=True):
        sf.write(path, np.full(int(seconds * 8000), 0.1), 8000)
    loader = WaveformLoader(sample_rate=8000, n_jobs=n_jobs, lazy=lazy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing cropped: no warning
        loader.fit(paths[:3])
        loader.transform(paths[:3])
    with pytest.warns(CroppedAudioWarning) as record:
        X = loader.transform(paths)
    assert len(record) == 1 and str(record[0].message).startswith(
        "WaveformLoader cropped 2 of 5 files to its 1 s clips (chosen by "
        "duration='auto'), keeping the first 1 s of each, the longest "
        f"'{paths[3]}' (30 s). Fit with duration=30 to keep them whole"
    )
    # It names this file's line, not one of the loader's or of scikit-learn.
    assert record[0].filename == __file__
    if lazy:  # the batches decoded later do not warn again
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            X = X.load()
    assert X.shape == (5, 8000)
    pipe = Pipeline([("load", loader), ("fix", FixedLength(n_times=8000))])
    pipe.fit(paths[:3])
    with pytest.warns(CroppedAudioWarning) as record:  # through a pipeline
        pipe.transform(paths)
    assert record[0].filename == __file__


def test_loader_fitted_at_native_rate_refuses_other_rates(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(44100), 44100)
    sf.write(tmp_path / "b.wav", np.zeros(16000), 16000)
    loader = WaveformLoader(sample_rate=None).fit([tmp_path / "a.wav"])
    assert (loader.sample_rate_, loader.duration_) == (44100, 1.0)
    with pytest.raises(ValueError) as info:
        loader.transform([tmp_path / "b.wav"])
    assert str(info.value) == (
        f"'{tmp_path / 'b.wav'}' is 16000 Hz, but WaveformLoader was fitted on "
        "files at 44100 Hz and sample_rate=None keeps each file's own rate. Set "
        "sample_rate to resample every file to one rate."
    )
    # With a rate, a file of another rate is resampled to the training rate.
    loader = WaveformLoader(sample_rate=22050).fit([tmp_path / "a.wav"])
    assert loader.transform([tmp_path / "b.wav"]).shape == (1, 22050)


def test_waveforms_keep_their_rate():
    X = Waveforms(np.ones((4, 10), dtype=np.float32), 8000)
    for Y in (X[1:], X[[0, 2]], X * 2, pickle.loads(pickle.dumps(X)), X.copy()):
        assert isinstance(Y, Waveforms) and Y.sample_rate == 8000
    assert type(np.asarray(X)) is np.ndarray
    for step in (PerSampleNormalizer(), FixedLength(n_times=5), RandomRoll()):
        assert step.fit_transform(X).sample_rate == 8000
