"""Reading audio files: :func:`load_audio` and the :class:`WaveformLoader`."""

import contextlib
import copy
import functools
import os
import re
import shutil
import struct
import tempfile
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import soundfile as sf
import torch
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._backend import resampler
from ._compat import Interval, StrOptions, check_parameters
from ._waveforms import (
    DEFAULT_SAMPLE_RATE,
    CroppedAudioWarning,
    Waveforms,
    user_stacklevel,
)
from .lazy import LazyAudio
from .preprocessing import fix_length

__all__ = [
    "AudioInfo",
    "AudioLoadError",
    "CroppedAudioWarning",
    "Waveforms",
    "audio_info",
    "auto_duration",
    "load_audio",
    "n_longer",
    "scan_audio_files",
    "WaveformLoader",
]

# libsndfile notes a WAV header that promises more data than the file holds
# as "data : 16000 (should be 7978)" in its log, then quietly reads what is
# there; a cut Ogg file is logged as "File ended unexpectedly".
_TRUNCATED_DATA = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_UNKNOWN_WAV_LENGTH = 0xFFFFFFFF
_FLOAT_SUBTYPES = {"FLOAT", "DOUBLE"}
# RAM-backed folder for the array that loader workers write into, when it
# exists and has room (see _memmap_folder).
_SHARED_MEMORY = "/dev/shm"


class AudioLoadError(ValueError):
    """An audio file could not be read.

    Parameters
    ----------
    path : str
        The file that failed.
    reason : str
        What was wrong with it.
    problems : dict of str to str, default=None
        Every unreadable file found, mapped to its own reason; ``None`` means
        ``{path: reason}``. :class:`WaveformLoader` lists them all.
    """

    def __init__(self, path, reason, problems=None):
        self.path = str(path)
        self.reason = reason
        self.problems = {self.path: reason} if problems is None else dict(problems)
        super().__init__(f"Cannot load audio file '{self.path}': {reason}")

    def __reduce__(self):
        # joblib workers send exceptions back pickled; keep every field.
        return type(self), (self.path, self.reason, self.problems)


def _unreadable(path, exc):
    """Return the error for a file libsndfile could not open (``exc``).

    Raises first when :func:`_diagnose` finds a plainer cause (missing, a
    folder, empty). libsndfile's reason is kept without the path it repeats;
    its MPEG decoder reports a file it cannot decode as one that "does not
    exist or is not a regular file", which is said as what it means.
    """
    _diagnose(path)
    reason = (getattr(exc, "error_string", None) or str(exc)).rstrip(".")
    if reason.startswith("File does not exist or is not a regular file"):
        reason = "no audio stream the decoder can read"
    return AudioLoadError(path, f"not a readable audio file ({reason})")


def _diagnose(path):
    """Raise :class:`AudioLoadError` when ``path`` is not a readable file."""
    if not os.path.exists(path):
        raise AudioLoadError(path, "file does not exist")
    if os.path.isdir(path):
        raise AudioLoadError(path, "is a directory, not a file")
    if os.path.getsize(path) == 0:
        raise AudioLoadError(path, "file is empty (0 bytes)")


def _check_not_truncated(path, log):
    """Raise when libsndfile's log says the file ends before its header says."""
    data = _TRUNCATED_DATA.search(log)
    # 0xFFFFFFFF is no promise: a WAV streamed to a pipe (by ffmpeg, say)
    # has an unknown length, and libsndfile reads what is there.
    promised, present = (int(data[1]), int(data[2])) if data else (0, 0)
    if promised != _UNKNOWN_WAV_LENGTH and present < promised:
        raise AudioLoadError(
            path,
            f"file is truncated: its header promises {data[1]} bytes of audio "
            f"data but only {data[2]} are present",
        )
    if "ended unexpectedly" in log:
        raise AudioLoadError(path, "file is truncated: it ended unexpectedly")


# The WAV encodings read without libsndfile (format tag, bits) -> dtype. The
# conversion to float32 is the one libsndfile applies (integers scaled by
# 1 / 2**(bits-1), floats unchanged), so the samples are bit-identical.
_WAV_PCM, _WAV_FLOAT, _WAV_EXTENSIBLE = 1, 3, 0xFFFE
_DIRECT_WAV_DTYPES = {
    (_WAV_PCM, 16): np.dtype("<i2"),
    (_WAV_PCM, 32): np.dtype("<i4"),
    (_WAV_FLOAT, 32): np.dtype("<f4"),
}
_WAV_HEAD_BYTES = 1 << 16
_OPEN_FOR_READING = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # O_BINARY: Windows


class _WavLayout(NamedTuple):
    """Where the samples of a WAV file are and how they are stored."""

    rate: int
    channels: int
    dtype: np.dtype
    data_offset: int
    n_frames: int


def _wav_layout(head, file_size):
    """Parse the chunks of a WAV file's first bytes.

    Returns a :class:`_WavLayout` for an uncompressed 16/32-bit integer or
    32-bit float WAV file whose header is consistent (the data chunk fits in
    the file), else ``None``.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    fmt, pos = None, 12
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        size = int.from_bytes(head[pos + 4 : pos + 8], "little")
        body = pos + 8
        if chunk_id == b"fmt " and size >= 16 and body + size <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, body)
            if fmt[0] == _WAV_EXTENSIBLE and size >= 40:
                # The sub-format GUID starts with the real format tag.
                tag = int.from_bytes(head[body + 24 : body + 26], "little")
                fmt = (tag, *fmt[1:])
        elif chunk_id == b"data":
            if fmt is None:
                return None
            tag, channels, rate, _, block_align, bits = fmt
            dtype = _DIRECT_WAV_DTYPES.get((tag, bits))
            if (
                dtype is None
                or channels < 1
                or rate < 1
                or block_align != channels * dtype.itemsize
                or size % block_align
                or body + size > file_size
            ):
                return None
            return _WavLayout(rate, channels, dtype, body, size // block_align)
        pos = body + size + (size & 1)  # chunks are padded to even sizes
    return None


def _wav_head(fd):
    """Return the first bytes of an open file and the file's size."""
    head = os.read(fd, _WAV_HEAD_BYTES)
    # A short read is the whole file: no need to ask for its size.
    file_size = len(head) if len(head) < _WAV_HEAD_BYTES else os.fstat(fd).st_size
    return head, file_size


def _read_wav_directly(path, offset, duration):
    """Read a plain WAV file without libsndfile, or return ``None``.

    libsndfile's per-file cost dominates the loading of short clips.
    Returns ``(data, rate, is_float)`` with ``data`` of shape
    ``(n_channels, n_times)``. Anything unusual (other encodings, an
    inconsistent or truncated header, no samples after ``offset``) returns
    ``None``, so that soundfile decodes the file and reports any problem.
    """
    try:
        # Unbuffered OS calls: a Python file object costs more than reading
        # a short clip.
        fd = os.open(path, _OPEN_FOR_READING)
    except OSError:
        return None
    try:
        head, file_size = _wav_head(fd)
        layout = _wav_layout(head, file_size)
        if layout is None:
            return None
        start = round(offset * layout.rate)
        n = layout.n_frames - start
        if duration is not None:
            n = min(n, round(duration * layout.rate))
        if n <= 0:
            return None
        frame_bytes = layout.channels * layout.dtype.itemsize
        begin = layout.data_offset + start * frame_bytes
        end = begin + n * frame_bytes
        if end <= len(head):
            raw = memoryview(head)[begin:end]
        else:
            os.lseek(fd, begin, os.SEEK_SET)
            raw = os.read(fd, end - begin)
            if len(raw) != end - begin:  # shrank since fstat, or over 2 GiB
                return None
    except OSError:
        return None
    finally:
        os.close(fd)
    samples = np.frombuffer(raw, layout.dtype).reshape(n, layout.channels).T
    if layout.dtype.kind == "i":
        scale = np.float32(1 / 2 ** (8 * layout.dtype.itemsize - 1))
        data = np.multiply(samples, scale, dtype=np.float32)
    else:
        data = samples.astype(np.float32)
    return data, layout.rate, layout.dtype.kind == "f"


def _read_with_soundfile(path, offset, duration):
    """Decode any format libsndfile reads; same return as :func:`_read_wav_directly`."""
    try:
        f = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, TypeError, OSError) as exc:
        raise _unreadable(path, exc) from None
    with f:
        native_rate = f.samplerate
        _check_not_truncated(path, f.extra_info)
        if f.frames == 0:
            raise AudioLoadError(path, "file contains no samples")
        start = round(offset * native_rate)
        if start >= f.frames:
            raise AudioLoadError(
                path,
                f"offset {offset} s is at or past the end of the file "
                f"({f.frames / native_rate:.3f} s)",
            )
        frames = f.frames - start if duration is None else round(duration * native_rate)
        try:
            if start and f.seekable():
                f.seek(start)
            elif start:  # e.g. GSM 6.10: decode the skipped part too
                f.read(start, dtype="float32")
            data = f.read(frames, dtype="float32", always_2d=True).T
        except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
            raise AudioLoadError(
                path, f"decoding failed, the file is corrupt or truncated ({exc})"
            ) from None
    if data.shape[1] == 0:
        raise AudioLoadError(path, "file contains no samples")
    return data, native_rate, f.subtype in _FLOAT_SUBTYPES


def load_audio(path, *, sample_rate=None, mono=True, offset=0.0, duration=None):
    """Decode an audio file with soundfile, mix to mono and resample.

    Uncompressed 16/32-bit integer and 32-bit float WAV files with a
    consistent header are read directly (as ``scipy.io.wavfile.read``
    does), which saves libsndfile's per-file cost on short clips and gives the
    same samples as soundfile; every other file, and any file with a problem,
    goes through soundfile.

    Parameters
    ----------
    path : str or os.PathLike
        WAV, FLAC, OGG, or any other format the installed libsndfile reads
        (MP3 from libsndfile 1.1 on).
    sample_rate : int, default=None
        Rate to resample to with :class:`torchaudio.transforms.Resample`
        (a Kaiser-windowed sinc of width 64, librosa's ``"kaiser_best"``);
        ``None`` keeps the file's own rate.
    mono : bool, default=True
        Average the channels into one.
    offset : float, default=0.0
        Seconds to skip at the start of the file.
    duration : float, default=None
        Seconds to read after ``offset``; ``None`` reads to the end.

    Returns
    -------
    waveform : ndarray of shape (n_times,) or (n_channels, n_times)
        float32 samples, 1-D when ``mono`` is true.
    sample_rate : int
        Rate of ``waveform``.

    Raises
    ------
    AudioLoadError
        When the file is missing, a directory, empty, not audio, truncated,
        holds no samples (after ``offset``) or holds NaN or infinite samples.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("tone.wav", np.zeros(800), 8000)
    >>> x, sr = load_audio("tone.wav", sample_rate=16000)
    >>> x.shape, x.dtype, sr
    ((1600,), dtype('float32'), 16000)
    """
    path = os.fspath(path)
    if sample_rate is not None and not (
        isinstance(sample_rate, Integral)
        and not isinstance(sample_rate, bool)
        and sample_rate >= 1
    ):
        raise ValueError(
            f"sample_rate must be a whole number of Hz >= 1, or None, got "
            f"{sample_rate!r}."
        )
    if offset < 0:
        raise ValueError(f"offset must be >= 0 seconds, got {offset}.")
    if duration is not None and duration <= 0:
        raise ValueError(f"duration must be > 0 seconds, got {duration}.")
    data, native_rate, is_float = _read_wav_directly(
        path, offset, duration
    ) or _read_with_soundfile(path, offset, duration)
    # Only floating-point encodings can hold NaN or infinity.
    if is_float and not np.isfinite(data).all():
        raise AudioLoadError(path, "file contains NaN or infinite samples")
    if mono:
        data = data[0] if len(data) == 1 else data.mean(axis=0)
    if sample_rate is not None and sample_rate != native_rate:
        data = resampler(native_rate, sample_rate)(torch.from_numpy(data)).numpy()
    else:
        sample_rate = native_rate
    return np.ascontiguousarray(data, dtype=np.float32), sample_rate


class AudioInfo(NamedTuple):
    """What a file's header says: see :func:`~skaudio.audio_info`.

    Attributes
    ----------
    sample_rate : int
        Samples per second.
    n_frames : int
        Samples per channel.
    channels : int
        Number of channels.
    """

    sample_rate: int
    n_frames: int
    channels: int

    @property
    def duration(self):
        """Length in seconds."""
        return self.n_frames / self.sample_rate


def _wav_info(path):
    """Header of a plain WAV file read without libsndfile, or ``None``."""
    try:
        fd = os.open(path, _OPEN_FOR_READING)
    except OSError:
        return None
    try:
        head, file_size = _wav_head(fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    layout = _wav_layout(head, file_size)
    if layout is None or layout.n_frames == 0:
        return None
    return AudioInfo(layout.rate, layout.n_frames, layout.channels)


def audio_info(path):
    """Read the sample rate, length and channel count of an audio file's header.

    Much cheaper than decoding: :class:`WaveformLoader` uses it to learn the
    rate and clip length of its training files.

    Parameters
    ----------
    path : str or os.PathLike
        An audio file :func:`load_audio` reads.

    Returns
    -------
    info : AudioInfo
        ``sample_rate`` (Hz), ``n_frames`` (samples per channel), ``channels``
        and the ``duration`` property (seconds).

    Raises
    ------
    AudioLoadError
        When the file is missing, not audio, truncated (where its header
        tells) or holds no samples.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("info.wav", np.zeros(4000), 8000)
    >>> audio_info("info.wav")
    AudioInfo(sample_rate=8000, n_frames=4000, channels=1)
    """
    path = os.fspath(path)
    info = _wav_info(path)
    if info is not None:
        return info
    try:
        header = sf.info(path)
    except (sf.LibsndfileError, RuntimeError, TypeError, OSError) as exc:
        raise _unreadable(path, exc) from None
    _check_not_truncated(path, header.extra_info)
    if header.frames <= 0:
        raise AudioLoadError(path, "file contains no samples")
    return AudioInfo(header.samplerate, header.frames, header.channels)


def auto_duration(durations):
    """Clip length that keeps 99 % of the clips whole: ``duration="auto"``.

    The length of the shortest clip that is at least as long as 99 % of the
    clips (the 99th percentile, nearest rank), rounded up to a tenth of a
    second. So fewer than 1 % of the clips are cropped and a few unusually
    long clips do not make every clip long: on FSDD, where 99 % of the clips
    last at most 0.92 s and the longest 2.3 s, it is 1.0 s. With fewer than
    100 clips no clip may be cropped, so the longest one sets the length.

    Parameters
    ----------
    durations : array-like of shape (n_clips,)
        Clip lengths in seconds.

    Returns
    -------
    duration : float
        Seconds.

    Examples
    --------
    >>> auto_duration([0.4, 0.5, 0.92])
    1.0
    >>> auto_duration([5.0] * 10)
    5.0
    """
    durations = np.asarray(durations, dtype=float)
    keep = np.percentile(durations, 99, method="inverted_cdf")
    return float(np.ceil(np.round(keep * 10, 4)) / 10)


def n_longer(durations, duration, sample_rate):
    """Count the clips that ``duration`` crops at ``sample_rate``.

    Parameters
    ----------
    durations : array-like of shape (n_clips,)
        Clip lengths in seconds.
    duration : float
        The fixed clip length in seconds.
    sample_rate : int
        The loading rate: lengths within half a sample count as equal.

    Returns
    -------
    n : int
    """
    return int(np.sum(_longer(durations, duration, sample_rate)))


def _longer(durations, duration, sample_rate):
    """Mask of the clips that ``duration`` crops (see :func:`n_longer`)."""
    return np.asarray(durations) > duration + 0.5 / sample_rate


def _problem(path):
    """Return why ``path`` cannot be loaded, or ``None`` when it can."""
    try:
        load_audio(path, mono=False)
    except AudioLoadError as exc:
        return exc.reason
    return None


def _list_problems(problems, limit=10):
    """Return unreadable files as one line: ``'a.wav': reason; ...``.

    Parameters
    ----------
    problems : list of (str, str)
        Each file with why it cannot be read.
    limit : int, default=10
        Files listed at most; the line then says how many there are.

    Returns
    -------
    line : str
        ``" (the first 10 of N): 'a.wav': ...; ..."`` or ``": 'a.wav': ..."``.
    """
    more = f" (the first {limit} of {len(problems)})" if len(problems) > limit else ""
    listed = "; ".join(f"'{p}': {r}" for p, r in problems[:limit])
    return f"{more}: {listed}"


def scan_audio_files(paths, *, n_jobs=None):
    """Try to decode every file and report all that fail, at once.

    Use it to clean a data set before training: it decodes every file, as
    :class:`WaveformLoader` does, and lists every one that fails, with the
    reason (the loader's error names at most 11).

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        Files to check.
    n_jobs : int, default=None
        Parallel workers (threads), as in :class:`joblib.Parallel`.

    Returns
    -------
    problems : dict of str to str
        Each unreadable file mapped to the reason; empty when all are fine.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("good.wav", np.zeros(800), 8000)
    >>> with open("notes.wav", "w") as f:
    ...     _ = f.write("not audio")
    >>> problems = scan_audio_files(["good.wav", "notes.wav", "missing.wav"])
    >>> sorted(problems)
    ['missing.wav', 'notes.wav']
    """
    paths = [os.fspath(p) for p in paths]
    reasons = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_problem)(p) for p in paths
    )
    return {p: r for p, r in zip(paths, reasons, strict=True) if r is not None}


def _with_the_others(exc, problems, n_paths):
    """``exc`` with the other unreadable files of ``problems`` listed in it."""
    others = [(p, r) for p, r in problems.items() if p != exc.path]
    if not others:
        return exc
    files = "file" if len(others) == 1 else "files"
    return AudioLoadError(
        exc.path,
        f"{exc.reason}. {len(others)} other {files} of the {n_paths} cannot be "
        f"read either{_list_problems(others)}",
        {**problems, exc.path: exc.reason},  # in the order of ``problems``
    )


def _header_duration(path):
    """Return a file's duration in seconds from its header, NaN if unreadable."""
    try:
        return audio_info(path).duration
    except AudioLoadError:  # reported when its batch is decoded
        return np.nan


def _all_infos(paths, n_jobs=None):
    """Read the headers of ``paths``; the error names every file that fails.

    When a header fails, every file is decoded to find the faults a header
    does not show (NaN samples, say), so that one error lists them all, as
    ``transform``'s does.
    """
    infos, first = [], None
    for path in paths:
        try:
            infos.append(audio_info(path))
        except AudioLoadError as exc:
            first = first or exc
    if first is not None:
        problems = scan_audio_files(paths, n_jobs=n_jobs)
        raise _with_the_others(first, problems, len(paths))
    return infos


def _check_paths(X):
    """Return ``X`` as a list of path strings, naming the first bad row."""
    if isinstance(X, str | os.PathLike):
        raise TypeError(
            "X must be a 1-D array-like of file paths, got a single path "
            f"{os.fspath(X)!r}; wrap it in a list."
        )
    X = np.asarray(X, dtype=object)
    if X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 1:
        raise ValueError(
            f"X must be a 1-D array-like of file paths, got shape {X.shape}."
        )
    if len(X) == 0:
        raise ValueError("X is empty: WaveformLoader needs at least one path.")
    for i, path in enumerate(X):
        if not isinstance(path, str | os.PathLike):
            raise TypeError(
                f"X[{i}] is {type(path).__name__} {path!r}, expected a file path "
                "(str or os.PathLike)."
            )
    return [os.fspath(p) for p in X]


def _memmap_folder(nbytes):
    """Folder for a shared array of ``nbytes``: RAM-backed when it has room.

    Containers often mount a small ``/dev/shm`` (64 MiB in Docker), and
    filling it kills the process with SIGBUS; ``None`` means the default
    temporary folder.
    """
    try:
        free = shutil.disk_usage(_SHARED_MEMORY).free
    except OSError:
        return None
    return _SHARED_MEMORY if free > 2 * nbytes else None


class _Reference(NamedTuple):
    """The first file of a batch, which every other file must match."""

    path: str
    rate: int
    shape: tuple
    same_length: bool


@contextlib.contextmanager
def _rows_array(shape, *, shared):
    """Yield the float32 array that the loader's rows are written into.

    ``shared``: for worker processes, which write their rows straight into a
    memory-mapped array (joblib passes np.memmap by reference), so that no
    waveform is pickled back. On POSIX the mapping outlives the file's name,
    removed on exit, and its memory is freed with the array: no copy, no
    second peak.
    """
    if not shared:
        yield np.empty(shape, dtype=np.float32)
        return
    nbytes = np.prod(shape) * np.dtype(np.float32).itemsize
    folder = tempfile.mkdtemp(dir=_memmap_folder(nbytes))
    path = os.path.join(folder, "waveforms.npy")
    try:
        yield np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)
    finally:
        os.remove(path)
        os.rmdir(folder)


def _load_rows(out, start, paths, load, reference, align):
    """Load ``paths`` into ``out[start:]`` as fixed-length rows, checking each.

    Returns the files' lengths in samples before padding or cropping.
    """
    n_times, lengths = out.shape[-1], []
    for i, path in enumerate(paths, start):
        waveform, rate = load(path)
        lengths.append(waveform.shape[-1])
        if rate != reference.rate:
            raise ValueError(
                f"Files have different sample rates: '{reference.path}' is "
                f"{reference.rate} Hz, '{path}' is {rate} Hz. Set sample_rate to "
                "resample them to one rate."
            )
        if waveform.shape[:-1] != reference.shape[:-1]:
            raise ValueError(
                f"Files have different numbers of channels: '{reference.path}' "
                f"has {reference.shape[0]}, '{path}' has {waveform.shape[0]}. "
                "Set mono=True to mix every file down to one channel."
            )
        if reference.same_length and waveform.shape != reference.shape:
            raise ValueError(
                f"Cannot stack waveforms of different shapes: '{reference.path}' "
                f"has shape {reference.shape}, '{path}' has {waveform.shape}. Set "
                "duration to pad/crop them to one length."
            )
        fix_length(waveform, n_times, align=align, out=out[i])
    return lengths


class WaveformLoader(TransformerMixin, BaseEstimator):
    """Load audio files into a float32 array of fixed-length waveforms.

    The first step of a pipeline that starts from file paths. ``fit`` reads
    the headers of the training files (not their samples) to settle the rate
    and the clip length, so that files given later, at ``predict`` time, come
    out exactly like the training ones: resampled to the same rate, padded or
    cropped to the same length.

    The defaults fit any data set: every file is resampled to 16 kHz (the
    rate :class:`~skaudio.features.MelTransformer`,
    :class:`~skaudio.features.MFCCTransformer` and the classifiers assume by
    default), and the clip length is the one that keeps 99 % of the training
    clips whole (:func:`~skaudio.io.auto_duration`). The output is a :class:`Waveforms`
    array that remembers its rate, so a later step with another
    ``sample_rate`` raises an error naming both rates instead of computing
    wrong features.

    Parameters
    ----------
    sample_rate : int or None, default=16000
        Rate to resample every file to. ``None`` keeps the files' own rate,
        which must then be the same for all training files; files given after
        ``fit`` must have that rate too.
    duration : float, "auto" or None, default="auto"
        Length of each output waveform in seconds: shorter files are padded
        with zeros, longer ones cropped (see ``align``). ``"auto"`` learns it
        in ``fit`` from the training files' lengths (:func:`~skaudio.io.auto_duration`).
        ``transform`` warns (:class:`CroppedAudioWarning`) when it crops
        files. ``None`` keeps the files' lengths, which must then all be
        equal.
    align : {"start", "center"}, default="start"
        Keep the start of long files and pad short ones at the end, or keep
        the middle and pad both sides equally.
    mono : bool, default=True
        Average channels; otherwise all files must have the same number of
        channels.
    n_jobs : int, default=None
        Worker processes decoding chunks of files, as in
        :class:`joblib.Parallel` (whose ``parallel_config`` can choose another
        backend). Pays off when decoding dominates (resampling, compressed
        formats, long files): short WAV clips at their own rate are read so
        fast that sharing the output between processes costs more (see the
        I/O benchmark). Starting the workers costs seconds the first time
        (1–2 s on an idle 2-core machine, about 5 s on a busy one), so the
        first call is slower than a serial one on a few hundred files.
    verbose : int, default=0
        Show a progress bar when > 0.
    lazy : bool, default=False
        Return a :class:`~skaudio.lazy.LazyAudio` that decodes the files
        batch by batch while a classifier trains or predicts (in its
        DataLoader workers with ``iterator_train__num_workers``), instead of
        loading them all now: for data sets larger than memory. The
        stateless transformers after the loader in a pipeline pass it on.
        ``n_jobs`` and ``verbose`` do not apply to it: each DataLoader
        worker decodes its batches itself.

    Attributes
    ----------
    sample_rate_ : int
        Rate of the output waveforms.
    duration_ : float or None
        Length of the output waveforms in seconds (``None``: the files' own).

    See Also
    --------
    load_audio : Decode a single file.
    audio_info : Read a file's rate and length from its header.
    scan_audio_files : Report every unreadable file of a data set at once.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("a.wav", np.zeros(4000), 8000)
    >>> sf.write("b.wav", np.zeros(12000), 8000)
    >>> loader = WaveformLoader(duration=1.0).fit(["a.wav", "b.wav"])
    >>> X = loader.transform(["a.wav", "b.wav"])
    >>> X.shape, X.sample_rate
    ((2, 16000), 16000)
    """

    _parameter_constraints = {
        "sample_rate": [Interval(Integral, 1, None, closed="left"), None],
        "duration": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
            None,
        ],
        "align": [StrOptions({"start", "center"})],
        "mono": ["boolean"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "lazy": ["boolean"],
    }

    def __init__(
        self,
        *,
        sample_rate=DEFAULT_SAMPLE_RATE,
        duration="auto",
        align="start",
        mono=True,
        n_jobs=None,
        verbose=0,
        lazy=False,
    ):
        self.sample_rate = sample_rate
        self.duration = duration
        self.align = align
        self.mono = mono
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.lazy = lazy

    # Files loaded between two updates of the progress bar without workers.
    _progress_step = 128
    # False in the copy that decodes a LazyAudio's batches: transform warned
    # about the cropped files once, from their headers.
    _warns_when_cropping = True

    def fit(self, X, y=None):
        """Learn the output rate and clip length from the files' headers.

        Only the headers are read, and only when ``sample_rate=None`` or
        ``duration="auto"`` need them.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            File paths (str or os.PathLike).
        y : None
            Ignored.

        Returns
        -------
        self : WaveformLoader
            The fitted loader.

        Raises
        ------
        AudioLoadError
            For the first file whose header cannot be read, naming it and the
            other files that cannot be read (up to 10).
        ValueError
            When ``sample_rate=None`` and the files have different rates.
        """
        check_parameters(self)
        paths = _check_paths(X)
        # Headers of every file for the automatic duration; otherwise the
        # first file's rate is enough, as transform checks every file.
        if self.duration == "auto":
            infos = _all_infos(paths, self.n_jobs)
        elif self.sample_rate is None:
            infos = [audio_info(paths[0])]
        else:
            infos = []
        if self.sample_rate is None:
            rates = {i.sample_rate: p for i, p in zip(infos, paths, strict=False)}
            if len(rates) > 1:
                (r1, p1), (r2, p2) = list(rates.items())[:2]
                raise ValueError(
                    f"Files have different sample rates: '{p1}' is {r1} Hz, "
                    f"'{p2}' is {r2} Hz. Set sample_rate to resample them to one "
                    "rate."
                )
            self.sample_rate_ = infos[0].sample_rate
        else:
            self.sample_rate_ = self.sample_rate
        if self.duration == "auto":
            durations = np.array([info.duration for info in infos])
            self.duration_ = auto_duration(durations)
        else:
            self.duration_ = self.duration
        return self

    def transform(self, X):
        """Load the files at the fitted rate and length.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            File paths (str or os.PathLike).

        Returns
        -------
        waveforms : Waveforms of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            float32 ndarray with a ``sample_rate`` attribute;
            ``n_times = round(duration_ * sample_rate_)``, and ``n_channels``
            only when ``mono=False``. With ``lazy=True``, a
            :class:`~skaudio.lazy.LazyAudio` of the paths that gives these
            waveforms batch by batch (only the first file is read now).

        Raises
        ------
        AudioLoadError
            When files cannot be read, naming the first, why, and the others
            (up to 10).
        ValueError
            For a file at another rate than the training files when
            ``sample_rate=None``.
        """
        check_is_fitted(self)
        paths = _check_paths(X)
        if self.lazy:
            # The batches are decoded inside DataLoader workers: one process
            # each, no progress bar.
            reader = copy.copy(self).set_params(lazy=False, n_jobs=None, verbose=0)
            reader._warns_when_cropping = False
            lazy = LazyAudio(paths, reader)
            lazy.peek()
            if self.duration_ is not None:
                durations = np.array([_header_duration(path) for path in paths])
                cropped = _longer(durations, self.duration_, self.sample_rate_)
                self._warn_cropped(paths, durations, np.flatnonzero(cropped))
            return lazy
        try:
            return self._load(paths)
        except AudioLoadError as exc:
            # Name every bad file at once, not one per run: the others are
            # decoded again to find them, only on this path.
            problems = scan_audio_files(paths, n_jobs=self.n_jobs)
            raise _with_the_others(exc, problems, len(paths)) from None

    def _load(self, paths):
        """Decode ``paths`` into one array (transform without ``lazy``)."""
        load = functools.partial(
            load_audio, sample_rate=self.sample_rate, mono=self.mono
        )
        first, rate = load(paths[0])
        if rate != self.sample_rate_:
            raise ValueError(
                f"'{paths[0]}' is {rate} Hz, but WaveformLoader was fitted on "
                f"files at {self.sample_rate_} Hz and sample_rate=None keeps each "
                "file's own rate. Set sample_rate to resample every file to one "
                "rate."
            )
        n_times = (
            first.shape[-1] if self.duration_ is None else round(self.duration_ * rate)
        )
        reference = _Reference(paths[0], rate, first.shape, self.duration_ is None)
        shape = (len(paths), *first.shape[:-1], n_times)
        parallel = effective_n_jobs(self.n_jobs) > 1
        # Files loaded per task: a progress step without workers; with them, a
        # few chunks per worker, as one task per short clip costs more than
        # decoding it.
        step = (
            max(1, -(-(len(paths) - 1) // (4 * effective_n_jobs(self.n_jobs))))
            if parallel
            else self._progress_step
        )
        starts = range(1, len(paths), step)
        lengths = [first.shape[-1]]
        with (
            tqdm(
                total=len(paths),
                desc="Loading audio",
                unit="file",
                disable=not self.verbose,
            ) as progress,
            _rows_array(shape, shared=parallel) as out,
        ):
            fix_length(first, n_times, align=self.align, out=out[0])
            progress.update(1)
            load_rows = functools.partial(
                _load_rows, out, load=load, reference=reference, align=self.align
            )
            if parallel:
                done = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                    delayed(load_rows)(i, paths[i : i + step]) for i in starts
                )
            else:
                done = (load_rows(i, paths[i : i + step]) for i in starts)
            for chunk_lengths in done:
                lengths += chunk_lengths
                progress.update(len(chunk_lengths))
            if parallel and os.name != "posix":  # a mapped file cannot be deleted
                out = np.array(out)
        if self.duration_ is not None:
            lengths = np.array(lengths)
            self._warn_cropped(paths, lengths / rate, np.flatnonzero(lengths > n_times))
        return Waveforms(np.asarray(out), rate)

    def _warn_cropped(self, paths, durations, cropped):
        """Warn that the files ``paths[cropped]`` were cut to the clip length.

        ``durations`` are the files' lengths in seconds.
        """
        if not len(cropped) or not self._warns_when_cropping:
            return
        longest = cropped[np.argmax(durations[cropped])]
        example = f"'{paths[longest]}' ({durations[longest]:.3g} s)"
        what = f"{len(cropped)} of {len(paths)} files" if len(cropped) > 1 else example
        chosen = " (chosen by duration='auto')" if self.duration == "auto" else ""
        kept = "first" if self.align == "start" else "middle"
        each = f" of each, the longest {example}" if len(cropped) > 1 else ""
        warnings.warn(
            f"WaveformLoader cropped {what} to its {self.duration_:g} s "
            f"clips{chosen}, keeping the {kept} {self.duration_:g} s{each}. Fit "
            f"with duration={np.ceil(durations.max() * 10) / 10:g} to keep "
            f"{'them' if len(cropped) > 1 else 'it'} whole, or predict long "
            "recordings window by window (skaudio.inference.predict_windows).",
            CroppedAudioWarning,
            stacklevel=user_stacklevel(),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags
