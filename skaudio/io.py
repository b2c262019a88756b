"""Reading audio files: :func:`load_audio` and the :class:`WaveformLoader`."""

import functools
import os
import re
import shutil
import struct
import tempfile
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import soundfile as sf
import torch
import torchaudio
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from tqdm.auto import tqdm

from .preprocessing import fix_length

__all__ = ["AudioLoadError", "load_audio", "scan_audio_files", "WaveformLoader"]

# libsndfile notes a WAV header that promises more data than the file holds
# as "data : 16000 (should be 7978)" in its log, then quietly reads what is
# there; a cut Ogg file is logged as "File ended unexpectedly".
_TRUNCATED_DATA = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
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
    """

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot load audio file '{self.path}': {reason}")

    def __reduce__(self):
        # joblib workers send exceptions back pickled; keep both fields.
        return type(self), (self.path, self.reason)


@functools.lru_cache(maxsize=16)
def _resampler(orig_freq, new_freq):
    """Return a :class:`torchaudio.transforms.Resample` (kernel built once)."""
    return torchaudio.transforms.Resample(orig_freq, new_freq)


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
    if data and int(data[2]) < int(data[1]):
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
        head = os.read(fd, _WAV_HEAD_BYTES)
        # A short read is the whole file: no need to ask for its size.
        if len(head) < _WAV_HEAD_BYTES:
            file_size = len(head)
        else:
            file_size = os.fstat(fd).st_size
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
        _diagnose(path)
        raise AudioLoadError(path, f"not a readable audio file ({exc})") from None
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
        frames = -1 if duration is None else round(duration * native_rate)
        try:
            if start:
                f.seek(start)
            data = f.read(frames, dtype="float32", always_2d=True).T
        except (sf.LibsndfileError, RuntimeError) as exc:
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
        Rate to resample to with :class:`torchaudio.transforms.Resample`;
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
        data = _resampler(native_rate, sample_rate)(torch.from_numpy(data)).numpy()
    else:
        sample_rate = native_rate
    return np.ascontiguousarray(data, dtype=np.float32), sample_rate


def _problem(path):
    """Return why ``path`` cannot be loaded, or ``None`` when it can."""
    try:
        load_audio(path, mono=False)
    except AudioLoadError as exc:
        return exc.reason
    return None


def scan_audio_files(paths, *, n_jobs=None):
    """Try to decode every file and report all that fail, at once.

    Use it to clean a data set before training: :class:`WaveformLoader` stops
    at the first bad file, this lists them all.

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


def _load_rows(out, start, paths, load, reference, align):
    """Load ``paths`` into ``out[start:]`` as fixed-length rows, checking each.

    Returns the number of rows written.
    """
    n_times = out.shape[-1]
    for i, path in enumerate(paths, start):
        waveform, rate = load(path)
        if rate != reference.rate:
            raise ValueError(
                f"Files have different sample rates: '{reference.path}' is "
                f"{reference.rate} Hz, '{path}' is {rate} Hz. Set sample_rate to "
                "resample them to one rate."
            )
        if waveform.shape[:-1] != reference.shape[:-1] or (
            reference.same_length and waveform.shape != reference.shape
        ):
            raise ValueError(
                f"Cannot stack waveforms of different shapes: '{reference.path}' "
                f"has shape {reference.shape}, '{path}' has {waveform.shape}. Set "
                "duration to pad/crop them to one length, or mono=True."
            )
        fix_length(waveform, n_times, align=align, out=out[i])
    return len(paths)


class WaveformLoader(TransformerMixin, BaseEstimator):
    """Load audio files into a float32 array of fixed-length waveforms.

    The first step of a pipeline that starts from file paths. Stateless:
    ``fit`` only checks the parameters.

    Parameters
    ----------
    sample_rate : int, default=None
        Rate to resample every file to; ``None`` keeps the files' own rate,
        which must then be the same for all files.
    duration : float, default=1.0
        Length of each output waveform in seconds: shorter files are padded
        with zeros, longer ones cropped (see ``align``). ``None`` keeps the
        files' lengths, which must then all be equal.
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
        I/O benchmark). Starting the workers takes a second or two the first
        time.
    verbose : int, default=0
        Show a progress bar when > 0.

    See Also
    --------
    load_audio : Decode a single file.
    scan_audio_files : Report every unreadable file of a data set at once.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("a.wav", np.zeros(4000), 8000)
    >>> sf.write("b.wav", np.zeros(12000), 8000)
    >>> WaveformLoader(duration=1.0).fit_transform(["a.wav", "b.wav"]).shape
    (2, 8000)
    """

    _parameter_constraints = {
        "sample_rate": [Interval(Integral, 1, None, closed="left"), None],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
        "align": [StrOptions({"start", "center"})],
        "mono": ["boolean"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sample_rate=None,
        duration=1.0,
        align="start",
        mono=True,
        n_jobs=None,
        verbose=0,
    ):
        self.sample_rate = sample_rate
        self.duration = duration
        self.align = align
        self.mono = mono
        self.n_jobs = n_jobs
        self.verbose = verbose

    # Files loaded between two updates of the progress bar without workers.
    _progress_step = 128

    def fit(self, X=None, y=None):
        """Check the parameters; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples,)
            File paths (not read).
        y : None
            Ignored.

        Returns
        -------
        self : WaveformLoader
        """
        self._validate_params()
        return self

    def transform(self, X):
        """Load the files.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            File paths (str or os.PathLike).

        Returns
        -------
        waveforms : ndarray of shape (n_samples, n_times) or \
                (n_samples, n_channels, n_times)
            float32; ``n_times = round(duration * sample_rate)``, and
            ``n_channels`` only when ``mono=False``.

        Raises
        ------
        AudioLoadError
            For the first file that cannot be read, naming it.
        """
        self._validate_params()
        paths = _check_paths(X)
        load = functools.partial(
            load_audio, sample_rate=self.sample_rate, mono=self.mono
        )
        first, rate = load(paths[0])
        n_times = (
            first.shape[-1] if self.duration is None else round(self.duration * rate)
        )
        reference = _Reference(paths[0], rate, first.shape, self.duration is None)
        shape = (len(paths), *first.shape[:-1], n_times)
        with tqdm(
            total=len(paths),
            desc="Loading audio",
            unit="file",
            disable=not self.verbose,
        ) as progress:
            if effective_n_jobs(self.n_jobs) == 1:
                out = np.empty(shape, dtype=np.float32)
                for start in range(0, len(paths), self._progress_step):
                    chunk = paths[start : start + self._progress_step]
                    _load_rows(out, start, chunk, load, reference, self.align)
                    progress.update(len(chunk))
                return out
            return self._load_parallel(paths, shape, load, reference, progress)

    def _load_parallel(self, paths, shape, load, reference, progress):
        # Workers write their rows straight into a memory-mapped array (joblib
        # passes np.memmap by reference), so no waveform is pickled back. The
        # files go out in a few chunks per worker, as one task per short clip
        # costs more than decoding it.
        nbytes = np.prod(shape) * np.dtype(np.float32).itemsize
        folder = tempfile.mkdtemp(dir=_memmap_folder(nbytes))
        path = os.path.join(folder, "waveforms.npy")
        try:
            out = np.lib.format.open_memmap(
                path, mode="w+", dtype=np.float32, shape=shape
            )
            chunk_size = -(-len(paths) // (4 * effective_n_jobs(self.n_jobs)))
            for n in Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(_load_rows)(
                    out, i, paths[i : i + chunk_size], load, reference, self.align
                )
                for i in range(0, len(paths), chunk_size)
            ):
                progress.update(n)
            if os.name != "posix":  # a mapped file cannot be deleted there
                out = np.array(out)
        finally:
            # On POSIX the mapping outlives the file's name, and its memory is
            # freed with the returned array: no copy, no second peak.
            os.remove(path)
            os.rmdir(folder)
        return np.asarray(out)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags
