"""Data sets: FSDD, CSV manifests, standard layouts, folders, synthetic audio.

Every loader returns file paths with their labels and, where the data set has
them, the groups that evaluation must keep apart (speakers, official folds),
as a :class:`~sklearn.utils.Bunch` like :func:`load_fsdd`.
"""

import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_scalar
from sklearn.utils.validation import check_random_state

from ._spelling import either, setting

__all__ = [
    "get_data_home",
    "load_fsdd",
    "fetch_fsdd",
    "load_audio_dataset",
    "load_audio_folder",
    "load_audio_manifest",
    "load_audiomnist",
    "load_esc50",
    "load_speech_commands",
    "load_urbansound8k",
    "make_tones",
    "make_noisy_speech",
    "make_speaker_mixtures",
]

DATA_ENV = "SKAUDIO_DATA"
FSDD_URL = (
    "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/v1.0.10.tar.gz"
)
# Digest of the 3,000 recordings of FSDD v1.0.10 (see _recordings_digest),
# measured on an unmodified copy of that release.
FSDD_RECORDINGS_SHA256 = (
    "0fbe6612aaa20a80ef4371894a46e060038337a518fe3d4728cb7eee7caa013c"
)

_FSDD_DESCR = """\
Free Spoken Digit Dataset (FSDD)
--------------------------------
3,000 recordings of the spoken digits 0-9 by six English speakers, 50 takes of
each digit per speaker, mono 8 kHz WAV trimmed of leading and trailing silence.

- filenames: ``recordings/{digit}_{speaker}_{take}.wav``
- target: the digit (int); groups: the speaker (str); take: the take (int)

Protocols: the official split tests on takes 0-4 (``take < 5``) and trains on
takes 5-49; leave-one-speaker-out cross-validation uses ``groups`` with
:class:`sklearn.model_selection.LeaveOneGroupOut`.

Zohar Jackson et al., https://github.com/Jakobovski/free-spoken-digit-dataset,
Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0).
"""


def get_data_home(data_home=None):
    """Return the folder that holds skaudio's data sets.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Returned as it is when given. Otherwise the environment variable
        ``SKAUDIO_DATA``, else ``~/skaudio_data``.

    Returns
    -------
    data_home : pathlib.Path
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or Path.home() / "skaudio_data"
    return Path(data_home).expanduser()


def _fsdd_recordings(data_home):
    return get_data_home(data_home) / "fsdd" / "recordings"


def load_fsdd(data_home=None, *, return_X_y=False):
    """Load the Free Spoken Digit Dataset from disk (file paths and labels).

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder holding ``fsdd/recordings/``; see :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames`` : ndarray of shape (3000,), absolute paths, sorted by
        speaker, digit and take; ``target`` : ndarray of shape (3000,), the
        digit; ``groups`` : ndarray of shape (3000,), the speaker; ``take`` :
        ndarray of shape (3000,); ``subset`` : ndarray of shape (3000,),
        ``"test"`` for the official test takes 0-4, else ``"train"``;
        ``target_names`` : list of str;
        ``speakers`` : dict, each speaker's metadata where the data set has
        ``speakers.json``; ``DESCR`` : str.
    (filenames, target) : tuple
        When ``return_X_y`` is true.

    Raises
    ------
    FileNotFoundError
        When the data set is not there; :func:`fetch_fsdd` downloads it.
    ValueError
        When a file name does not follow ``{digit}_{speaker}_{take}.wav``.

    Examples
    --------
    >>> fsdd = load_fsdd()  # doctest: +SKIP
    >>> fsdd.filenames.shape, sorted(set(fsdd.groups))[:2]  # doctest: +SKIP
    ((3000,), ['george', 'jackson'])
    """
    folder = _fsdd_recordings(data_home)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"FSDD not found: no folder {folder}. Pass data_home, set "
            f"${DATA_ENV} to the folder that holds fsdd/, or call "
            "skaudio.datasets.fetch_fsdd() to download it."
        )
    records = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        parts = path.stem.split("_")
        if path.suffix != ".wav" or len(parts) != 3 or not parts[0].isdigit():
            raise ValueError(
                f"Unexpected file in FSDD recordings: '{path}' does not match "
                "{digit}_{speaker}_{take}.wav."
            )
        records.append((parts[1], int(parts[0]), int(parts[2]), str(path.resolve())))
    if not records:
        raise FileNotFoundError(f"FSDD folder {folder} holds no recordings.")
    records.sort()
    speakers, digits, takes, filenames = map(np.array, zip(*records, strict=True))
    meta = folder.parent / "speakers.json"
    bunch = Bunch(
        filenames=filenames.astype(object),
        target=digits,
        groups=speakers.astype(object),
        take=takes,
        subset=np.where(takes < 5, "test", "train").astype(object),
        target_names=[str(d) for d in range(10)],
        speakers=json.loads(meta.read_text()) if meta.is_file() else {},
        DESCR=_FSDD_DESCR,
    )
    return (bunch.filenames, bunch.target) if return_X_y else bunch


def _recordings_digest(folder):
    """SHA-256 over the sorted names and contents of the ``.wav`` files."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*.wav")):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _extract(archive, destination):
    """Unpack a .tar.gz or .zip archive, refusing members outside it."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            z.extractall(destination)
    else:
        with tarfile.open(archive) as t:
            t.extractall(destination, filter="data")


def fetch_fsdd(
    data_home=None,
    *,
    download_if_missing=True,
    return_X_y=False,
    url=FSDD_URL,
    sha256=FSDD_RECORDINGS_SHA256,
):
    """Load the Free Spoken Digit Dataset, downloading it first if needed.

    The archive is unpacked in a temporary folder beside the data; its
    recordings are checked against ``sha256`` and only then moved into place
    in one rename, so a failed or interrupted download leaves nothing behind.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the data set when it is not in ``data_home``. When false, a
        missing data set raises :class:`FileNotFoundError` instead.
    return_X_y : bool, default=False
        See :func:`load_fsdd`.
    url : str, default=FSDD_URL
        Archive (.tar.gz or .zip) holding a ``recordings/`` folder.
    sha256 : str or None, default=FSDD_RECORDINGS_SHA256
        Expected digest of the recordings (file names and contents, see
        ``skaudio.datasets._recordings_digest``); ``None`` skips the check.

    Returns
    -------
    data : Bunch or tuple
        As :func:`load_fsdd`.

    Raises
    ------
    FileNotFoundError
        When the data set is missing and ``download_if_missing`` is false.
    OSError
        When the download fails or the recordings do not match ``sha256``.

    Examples
    --------
    The first call downloads FSDD into ``$SKAUDIO_DATA`` (or
    ``~/skaudio_data``); later calls find it there:

    >>> fsdd = fetch_fsdd()  # doctest: +SKIP
    >>> fsdd.filenames.shape, fsdd.target[:3], fsdd.groups[:3]  # doctest: +SKIP
    ((3000,), array([0, 0, 0]), array(['george', 'george', 'george'], dtype=object))

    A copy already in ``data_home`` (recordings named
    ``{digit}_{speaker}_{take}.wav``) is read without any download:

    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> recordings = Path("data", "fsdd", "recordings")
    >>> recordings.mkdir(parents=True)
    >>> for name in ["0_alice_0.wav", "1_alice_0.wav", "0_bob_3.wav"]:
    ...     sf.write(recordings / name, np.zeros(800), 8000)
    >>> fsdd = fetch_fsdd("data", download_if_missing=False)
    >>> fsdd.target.tolist(), fsdd.groups.tolist(), fsdd.take.tolist()
    ([0, 1, 0], ['alice', 'alice', 'bob'], [0, 0, 3])
    """
    home = get_data_home(data_home)
    if not _fsdd_recordings(home).is_dir():
        if not download_if_missing:
            raise FileNotFoundError(f"FSDD not found under {home} and not downloaded.")
        created = not home.exists()
        home.mkdir(parents=True, exist_ok=True)
        try:
            _download_fsdd(home, url, sha256)
        except BaseException:
            if created:  # leave no empty data home behind
                with contextlib.suppress(OSError):
                    home.rmdir()
            raise
    return load_fsdd(home, return_X_y=return_X_y)


def _download_fsdd(home, url, sha256):
    """Download, check and unpack FSDD's recordings into ``home / "fsdd"``."""
    with tempfile.TemporaryDirectory(dir=home, prefix=".fsdd-") as tmp:
        archive = Path(tmp) / "archive"
        try:
            with (
                urllib.request.urlopen(url, timeout=60) as r,
                open(archive, "wb") as out,
            ):
                shutil.copyfileobj(r, out)
        except OSError as exc:
            raise OSError(
                f"Downloading FSDD from {url} failed ({exc}); without a "
                f"download, put its recordings/ folder in '{home / 'fsdd'}', or "
                + either("pass data_home=", "set SKAUDIO_DATA to")
                + " a folder that holds fsdd/recordings."
            ) from exc
        try:
            _extract(archive, Path(tmp) / "unpacked")
        except (tarfile.TarError, zipfile.BadZipFile) as exc:
            raise OSError(
                f"The file downloaded from {url} is not a readable .tar.gz or "
                f".zip archive: {exc}"
            ) from exc
        found = sorted(Path(tmp, "unpacked").glob("**/recordings"))
        if not found:
            raise OSError(f"The archive from {url} has no recordings/ folder.")
        if sha256 is not None and _recordings_digest(found[0]) != sha256:
            raise OSError(
                f"The recordings downloaded from {url} do not match the "
                f"expected SHA-256 digest {sha256}; nothing was installed."
            )
        staged = Path(tmp) / "fsdd"
        staged.mkdir()
        found[0].rename(staged / "recordings")
        staged.rename(home / "fsdd")


def load_audio_folder(
    root, *, extensions=(".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff")
):
    """List a folder with one sub-folder of audio files per class.

    Parameters
    ----------
    root : str or os.PathLike
        ``root/<class name>/<file>``; the files of sub-folders of a class
        folder belong to that class. Hidden files and folders are ignored,
        and so are files at the top of ``root`` (e.g. a README), except audio
        files, which have no class there and are an error.
    extensions : tuple of str, default=(".wav", ".flac", ".ogg", ".mp3", \
".aif", ".aiff")
        Accepted file endings (case-insensitive). Any other file in a class
        folder is an error, so that nothing is left out unnoticed.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames`` : ndarray of shape (n_files,), sorted;
        ``target`` : ndarray of shape (n_files,), class index;
        ``target_names`` : list of str, the sorted class folder names.

    Raises
    ------
    ValueError
        When ``root`` holds no class folder or audio files outside them, a
        class folder holds no audio, or a file has an ending not in
        ``extensions`` (all such files listed).

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> for path in ["sounds/dog/a.wav", "sounds/dog/b.flac", "sounds/cat/c.wav"]:
    ...     Path(path).parent.mkdir(parents=True, exist_ok=True)
    ...     sf.write(path, np.zeros(800), 8000)
    >>> data = load_audio_folder("sounds")
    >>> data.target_names, data.target.tolist()
    (['cat', 'dog'], [0, 1, 1])
    >>> [Path(f).name for f in data.filenames]
    ['c.wav', 'a.wav', 'b.flac']
    >>> labels = np.asarray(data.target_names)[data.target]  # names, for fit
    >>> labels.tolist()
    ['cat', 'dog', 'dog']
    """
    root = Path(root)
    if root.is_file():
        raise ValueError(
            f"Audio folder '{root}' is a file; a folder of class sub-folders "
            "was expected."
        )
    if not root.is_dir():
        raise FileNotFoundError(f"Audio folder '{root}' does not exist.")
    classes = sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if not classes:
        raise ValueError(f"'{root}' holds no class sub-folders.")
    extensions = {e.lower() for e in extensions}
    outside = sorted(
        p.name
        for p in root.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in extensions
    )
    if outside:
        raise ValueError(
            f"Audio files at the top of '{root}', in no class folder: "
            f"{outside[:10]}{' ...' if len(outside) > 10 else ''}. Move each into "
            "the folder of its class, or list the clips in a CSV manifest."
        )
    filenames, target, unknown = [], [], []
    for index, name in enumerate(classes):
        files = sorted(
            p
            for p in (root / name).rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        audio = [p for p in files if p.suffix.lower() in extensions]
        unknown += [str(p) for p in files if p.suffix.lower() not in extensions]
        if not audio:
            raise ValueError(f"Class folder '{root / name}' holds no audio files.")
        filenames += [str(p) for p in audio]
        target += [index] * len(audio)
    if unknown:
        raise ValueError(
            f"Files with endings not in {sorted(extensions)} in the class "
            f"folders: {unknown}. "
            + either(
                "Move them out, list the clips in a CSV manifest instead of a "
                "folder, or pass extensions= to accept their endings.",
                "Move them out, or list the clips in a CSV manifest instead of "
                "a folder.",
            )
        )
    return Bunch(
        filenames=np.array(filenames, dtype=object),
        target=np.array(target),
        target_names=classes,
    )


def make_tones(
    n_samples=100,
    *,
    n_classes=3,
    sample_rate=8000,
    duration=0.5,
    noise=0.1,
    random_state=None,
):
    """Make noisy tones whose pitch gives the class: a fast toy data set.

    Class ``k`` is a sine near ``f_k = 200 * 2**k`` Hz (an octave apart),
    with a random phase, amplitude in [0.3, 1], ±3 % pitch jitter and a
    random onset, in white noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of clips, spread evenly over the classes.
    n_classes : int, default=3
        Number of classes; ``f_k`` must stay below Nyquist.
    sample_rate : int, default=8000
        Samples per second.
    duration : float, default=0.5
        Clip length in seconds.
    noise : float, default=0.1
        Standard deviation of the added white noise.
    random_state : int, RandomState instance or None, default=None
        Seeds everything.

    Returns
    -------
    X : ndarray of shape (n_samples, round(duration * sample_rate))
        float32 waveforms.
    y : ndarray of shape (n_samples,)
        Class index.

    Examples
    --------
    >>> X, y = make_tones(6, n_classes=2, random_state=0)
    >>> X.shape, y.tolist()
    ((6, 4000), [0, 1, 0, 1, 0, 1])
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    check_scalar(n_classes, "n_classes", Integral, min_val=1)
    check_scalar(
        sample_rate, "sample_rate", Real, min_val=0, include_boundaries="neither"
    )
    check_scalar(duration, "duration", Real, min_val=0, include_boundaries="neither")
    check_scalar(noise, "noise", Real, min_val=0)
    top = 200 * 2 ** (n_classes - 1) * 1.03
    if top >= sample_rate / 2:
        raise ValueError(
            f"{n_classes} classes need tones up to {top:.0f} Hz, above the "
            f"Nyquist frequency {sample_rate / 2:.0f} Hz; raise sample_rate."
        )
    rng = check_random_state(random_state)
    n_times = round(duration * sample_rate)
    y = np.arange(n_samples) % n_classes
    freq = 200.0 * 2.0**y * rng.uniform(0.97, 1.03, n_samples)
    t = np.arange(n_times) / sample_rate
    phase = rng.uniform(0, 2 * np.pi, n_samples)
    amplitude = rng.uniform(0.3, 1.0, n_samples)
    onset = rng.randint(0, n_times // 4 + 1, n_samples)
    X = amplitude[:, None] * np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])
    X[np.arange(n_times) < onset[:, None]] = 0.0
    X += noise * rng.standard_normal((n_samples, n_times))
    return X.astype(np.float32), y


# -- noisy and mixed speech for the denoiser and the separator ---------------

_NOISE_TYPES = ("white", "pink", "brown", "babble")
_FSDD_RATE = 8000


def _n_times(duration):
    n_times = round(duration * _FSDD_RATE)
    if n_times < 1:
        raise ValueError(f"duration must be positive seconds, got {duration!r}.")
    return n_times


def _fsdd_clips(data_home, speakers, n_times):
    """FSDD clips of ``speakers``, centred in ``n_times`` samples.

    Returns the clips (n_clips, n_times) float32, the speaker and the digit of
    each, and the speakers list, checked against the data set.
    """
    # Imported here (they import torch): the command line reads this module's
    # LAYOUTS and MANIFEST_COLUMNS to parse its arguments.
    from .io import load_audio
    from .preprocessing import fix_length

    fsdd = load_fsdd(data_home)
    known = sorted(set(fsdd.groups))
    if isinstance(speakers, str):  # list("george") would be its letters
        raise TypeError(
            f"speakers must be a list of FSDD speakers, e.g. [{speakers!r}], not "
            f"the string {speakers!r}."
        )
    speakers = known if speakers is None else list(speakers)
    unknown = sorted(set(speakers) - set(known))
    if unknown:
        raise ValueError(f"Unknown FSDD speakers {unknown}; the data set has {known}.")
    keep = np.isin(fsdd.groups, speakers)
    clips = np.stack(
        [
            fix_length(load_audio(path)[0], n_times, align="center")
            for path in fsdd.filenames[keep]
        ]
    ).astype(np.float32)
    return clips, fsdd.groups[keep], fsdd.target[keep], speakers


def _rms(x):
    return np.sqrt(np.mean(np.square(x, dtype=np.float64), axis=-1))


def _change_speed(clips, speeds):
    """Play each clip ``speeds`` times faster by resampling; keep its length.

    ``clips`` (..., n_times) float64, ``speeds`` of shape ``clips.shape[:-1]``
    in steps of 0.01. Each clip, read as sampled at ``speed`` times the rate,
    is resampled to the rate and centred in ``n_times`` again.
    """
    import torch

    from ._backend import resampler
    from .preprocessing import fix_length

    out = np.empty_like(clips)
    n_times = clips.shape[-1]
    for speed in np.unique(speeds):
        which = speeds == speed
        resample = resampler(round(100 * speed), 100)
        with torch.inference_mode():
            faster = resample(torch.from_numpy(clips[which]).float()).double().numpy()
        out[which] = fix_length(faster, n_times, align="center")
    return out


def _shift(clips, shifts):
    """Move each clip of ``clips`` (..., n_times) by ``shifts`` samples, zero-filled."""
    out = np.zeros_like(clips)
    n_times = clips.shape[-1]
    for position in np.ndindex(shifts.shape):
        k = shifts[position]
        if k >= 0:
            out[position][k:] = clips[position][: n_times - k]
        else:
            out[position][:k] = clips[position][-k:]
    return out


def _coloured_noise(rng, n_times, exponent):
    """Gaussian noise whose power falls as ``1 / f**exponent`` (0: white)."""
    white = rng.standard_normal(n_times)
    if exponent == 0:
        return white
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n_times)
    freqs[0] = freqs[1]
    return np.fft.irfft(spectrum / freqs ** (exponent / 2), n=n_times)


def _talk(clip):
    """Return the clip without its zero padding, at unit RMS: a piece of babble."""
    voiced = clip[np.abs(clip) > 0]
    return voiced / max(_rms(voiced), 1e-8)


def _babble(rng, talk, n_times, n_talkers):
    """Sum of ``n_talkers`` streams of speech, each pieces of ``talk`` end to end."""
    babble = np.zeros(n_times)
    for _ in range(n_talkers):
        stream = []
        while sum(map(len, stream)) < 2 * n_times:
            stream.append(talk[rng.randint(len(talk))])
        stream = np.concatenate(stream)
        start = rng.randint(len(stream) - n_times + 1)
        babble += stream[start : start + n_times]
    return babble


def _as_choices(value, name, allowed=None):
    values = np.atleast_1d(value).tolist()  # Python scalars, for the messages
    if not values:
        raise ValueError(f"{name} must hold at least one value.")
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ValueError(
                f"{name} must be among {', '.join(map(repr, allowed))}; got "
                f"{', '.join(map(repr, wrong))}."
            )
    return values


def make_noisy_speech(
    data_home=None,
    *,
    speakers=None,
    snr=(0.0, 5.0, 10.0),
    noise=("white", "pink", "babble"),
    duration=0.5,
    n_babble=4,
    random_state=None,
):
    """Make noisy versions of the FSDD recordings, for training a denoiser.

    Every recording of the chosen ``speakers`` is centred in a clip of
    ``duration`` seconds (cropped or padded with zeros) and mixed with noise
    scaled to an SNR drawn from ``snr``, of a type drawn from ``noise``:

    - ``"white"``: Gaussian white noise;
    - ``"pink"`` / ``"brown"``: Gaussian noise whose power falls as ``1/f``
      / ``1/f**2`` (coloured noise);
    - ``"babble"``: ``n_babble`` streams of speech of the *other* chosen
      speakers, each at the same level, summed.

    The SNR is ``10 log10(sum(clean**2) / sum(noise**2))`` over the whole
    clip. To evaluate on speakers held out of training, make one set from the
    training speakers and one from the test speakers (the babble then comes
    from the same side), or split on ``groups``.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder holding ``fsdd/``; see :func:`get_data_home`.
    speakers : list of str, default=None
        FSDD speakers whose recordings are used; ``None``: all six.
    snr : float or sequence of float, default=(0.0, 5.0, 10.0)
        SNR in dB, or values to draw from uniformly.
    noise : str or sequence of str, default=("white", "pink", "babble")
        Noise type(s) among ``"white"``, ``"pink"``, ``"brown"``,
        ``"babble"``, drawn uniformly.
    duration : float, default=0.5
        Clip length in seconds (at 8 kHz).
    n_babble : int, default=4
        Talkers in the babble noise.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise, the SNRs and the types.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``noisy`` : ndarray of shape (n_samples, n_times), float32, the input;
        ``clean`` : ndarray of shape (n_samples, n_times), float32, the
        target; ``snr`` : ndarray of shape (n_samples,), dB; ``noise_type`` :
        ndarray of shape (n_samples,); ``groups`` : ndarray of shape
        (n_samples,), the speaker; ``target`` : ndarray of shape (n_samples,),
        the digit; ``sample_rate`` : int.

    Raises
    ------
    ValueError
        For an unknown speaker or noise type, or babble with fewer than two
        speakers.

    Examples
    --------
    >>> data = make_noisy_speech(speakers=["george"], snr=5, noise="white",
    ...                          random_state=0)  # doctest: +SKIP
    >>> data.noisy.shape  # doctest: +SKIP
    (500, 4000)
    """
    n_times = _n_times(duration)
    snrs = [float(s) for s in _as_choices(snr, "snr")]
    noise_types = [str(n) for n in _as_choices(noise, "noise", _NOISE_TYPES)]
    if n_babble < 1:
        raise ValueError(f"n_babble must be at least 1, got {n_babble}.")
    rng = check_random_state(random_state)
    clean, groups, target, speakers = _fsdd_clips(data_home, speakers, n_times)
    if "babble" in noise_types and len(speakers) < 2:
        raise ValueError(
            "babble noise is made of the other speakers' recordings: give at "
            f"least two speakers, got {speakers}."
        )
    n_samples = len(clean)
    snr_drawn = np.array(snrs)[rng.randint(len(snrs), size=n_samples)]
    type_drawn = np.array(noise_types, dtype=object)[
        rng.randint(len(noise_types), size=n_samples)
    ]
    exponents = {"white": 0, "pink": 1, "brown": 2}
    if "babble" in noise_types:
        # Each speaker's babble: the other speakers' clips, in data order.
        talk = [_talk(clip) for clip in clean]
        others = {
            speaker: [talk[j] for j in np.flatnonzero(groups != speaker)]
            for speaker in speakers
        }
    noisy = np.empty_like(clean)
    for i in range(n_samples):
        if type_drawn[i] == "babble":
            noise_i = _babble(rng, others[groups[i]], n_times, n_babble)
        else:
            noise_i = _coloured_noise(rng, n_times, exponents[type_drawn[i]])
        gain = _rms(clean[i]) / (_rms(noise_i) * 10 ** (snr_drawn[i] / 20))
        noisy[i] = clean[i] + gain * noise_i
    return Bunch(
        noisy=noisy,
        clean=clean,
        snr=snr_drawn,
        noise_type=type_drawn,
        groups=groups,
        target=target,
        sample_rate=_FSDD_RATE,
    )


def make_speaker_mixtures(
    n_samples=500,
    data_home=None,
    *,
    speakers=None,
    n_sources=2,
    duration=0.5,
    level_range=5.0,
    speed_range=None,
    max_shift=0.0,
    same_speaker=0.0,
    random_state=None,
):
    """Mix recordings of different FSDD speakers, for training a separator.

    Each mixture sums ``n_sources`` recordings of distinct speakers drawn
    from ``speakers``, each centred in ``duration`` seconds and scaled to an
    RMS of 0.1 (-20 dBFS) times a random level within ``level_range`` dB of
    the others.
    To evaluate on held-out speakers, make the training and the test
    mixtures from disjoint ``speakers``.

    For training data, two perturbations make the few FSDD voices more
    varied: ``speed_range`` plays each source faster or slower by resampling
    it (which shifts its pitch and formants too, so it sounds like another
    voice), and ``max_shift`` moves each source in time, so that the
    sources do not all start together.

    Parameters
    ----------
    n_samples : int, default=500
        Number of mixtures.
    data_home : str or os.PathLike, default=None
        Folder holding ``fsdd/``; see :func:`get_data_home`.
    speakers : list of str, default=None
        FSDD speakers to draw from (at least ``n_sources``); ``None``: all.
    n_sources : int, default=2
        Speakers per mixture.
    duration : float, default=0.5
        Length in seconds (at 8 kHz).
    level_range : float, default=5.0
        Source levels are drawn uniformly in ``[-level_range / 2,
        level_range / 2]`` dB (0: equal levels).
    speed_range : tuple of (float, float), default=None
        ``(low, high)``: each source is played at a speed factor drawn
        uniformly in this range, rounded to 0.01 (e.g. 1.1: 10 % faster and
        higher), by band-limited resampling
        (:class:`torchaudio.transforms.Resample`), then centred in
        ``duration`` again. ``None``: the recordings as they are.
    max_shift : float, default=0.0
        Each source is moved by a time drawn uniformly in ``[-max_shift,
        max_shift]`` seconds, zeros filling the gap (0: centred).
    same_speaker : float, default=0.0
        Share of the mixtures (each drawn with this probability) whose
        sources are different recordings of one speaker instead of
        recordings of different speakers, so that a separator cannot rely
        on telling known voices apart.
    random_state : int, RandomState instance or None, default=None
        Seeds the recordings drawn, their levels, speeds and shifts.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``mixture`` : ndarray of shape (n_samples, n_times), float32, the
        input; ``sources`` : ndarray of shape (n_samples, n_sources,
        n_times), float32, the target (``mixture == sources.sum(axis=1)``);
        ``speakers`` : ndarray of shape (n_samples, n_sources), the speaker
        of each source; ``groups`` : ndarray of shape (n_samples,), the
        speakers joined by ``"+"`` in sorted order; ``sample_rate`` : int.

    Examples
    --------
    >>> data = make_speaker_mixtures(100, speakers=["george", "jackson"],
    ...                              random_state=0)  # doctest: +SKIP
    >>> data.sources.shape  # doctest: +SKIP
    (100, 2, 4000)
    """
    if n_sources < 1 or n_samples < 1:
        raise ValueError(
            f"n_samples and n_sources must be at least 1, got {n_samples} "
            f"and {n_sources}."
        )
    if speed_range is not None and not (
        len(speed_range) == 2 and 0.5 <= speed_range[0] <= speed_range[1] <= 2.0
    ):
        raise ValueError(
            "speed_range must be None or (low, high) with 0.5 <= low <= high "
            f"<= 2, got {speed_range!r}."
        )
    if not 0 <= same_speaker <= 1:
        raise ValueError(f"same_speaker must be in [0, 1], got {same_speaker!r}.")
    if not max_shift >= 0:
        raise ValueError(f"max_shift must be >= 0 seconds, got {max_shift!r}.")
    check_scalar(level_range, "level_range", Real, min_val=0)
    n_times = _n_times(duration)
    rng = check_random_state(random_state)
    clips, groups, _, speakers = _fsdd_clips(data_home, speakers, n_times)
    if len(speakers) < n_sources:
        raise ValueError(
            f"{n_sources} sources need {n_sources} different speakers, got {speakers}."
        )
    by_speaker = {s: np.flatnonzero(groups == s) for s in speakers}
    chosen = np.array(
        [rng.choice(speakers, n_sources, replace=False) for _ in range(n_samples)],
        dtype=object,
    )
    index = np.array([[rng.choice(by_speaker[s]) for s in row] for row in chosen])
    if same_speaker > 0:
        for row in np.flatnonzero(rng.uniform(size=n_samples) < same_speaker):
            chosen[row] = chosen[row, 0]
            index[row] = rng.choice(
                by_speaker[chosen[row, 0]], n_sources, replace=False
            )
    sources = clips[index].astype(np.float64)
    if speed_range is not None:
        speeds = np.round(rng.uniform(*speed_range, (n_samples, n_sources)), 2)
        sources = _change_speed(sources, speeds)
    if max_shift > 0:
        limit = round(max_shift * _FSDD_RATE)
        sources = _shift(sources, rng.randint(-limit, limit + 1, sources.shape[:2]))
    sources /= np.maximum(_rms(sources), 1e-8)[..., np.newaxis]
    levels_db = rng.uniform(-level_range / 2, level_range / 2, (n_samples, n_sources))
    sources *= 0.1 * 10 ** (levels_db[..., np.newaxis] / 20)
    sources = sources.astype(np.float32)
    return Bunch(
        mixture=sources.sum(axis=1),
        sources=sources,
        speakers=chosen,
        groups=np.array(["+".join(sorted(row)) for row in chosen], dtype=object),
        sample_rate=_FSDD_RATE,
    )


# -- CSV manifests and the standard layouts of public data sets ---------------

#: Column names looked for, in this order, when a manifest's columns are not
#: named explicitly.
MANIFEST_COLUMNS = {
    "path": ("path", "filename", "file"),
    "label": ("label", "target", "class", "category"),
    "group": ("group", "fold", "speaker"),
}


def _pick_column(header, given, kind, csv_path, required):
    if given is not None:
        if given not in header:
            raise ValueError(
                f"{csv_path}: no column {given!r} for the {kind} (columns: "
                f"{', '.join(header)})."
            )
        return given
    found = next((c for c in MANIFEST_COLUMNS[kind] if c in header), None)
    if found is None and required:
        raise ValueError(
            f"{csv_path}: no {kind} column; name one "
            f"{' or '.join(repr(c) for c in MANIFEST_COLUMNS[kind])}, or name "
            f"another with {setting(f'{kind}_column')} (columns: "
            f"{', '.join(header)})."
        )
    return found


def load_audio_manifest(
    path, *, path_column=None, label_column=None, group_column=None
):
    r"""Load a CSV manifest of audio clips with their labels and groups.

    One row per clip. File paths may be absolute or relative to the CSV's
    folder. Every row is checked: a missing file, an empty label or an empty
    group is an error naming its line, so that nothing is dropped unnoticed.
    Spaces around a column name or a value are removed (``dog , 1`` is the
    label ``"dog"`` in group ``"1"``); spaces inside a value are kept.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (comma-separated, with a header row).
    path_column : str, default=None
        Column of file paths; ``None`` takes the first of ``"path"``,
        ``"filename"``, ``"file"``.
    label_column : str, default=None
        Column of labels (any text); ``None`` takes the first of ``"label"``,
        ``"target"``, ``"class"``, ``"category"``.
    group_column : str, default=None
        Column of groups that evaluation keeps apart (speakers, recording
        sessions, official folds); ``None`` takes the first of ``"group"``,
        ``"fold"``, ``"speaker"`` when there is one. A manifest without any
        has ``groups=None``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames`` : ndarray of shape (n_clips,), absolute paths;
        ``target`` : ndarray of shape (n_clips,), the labels (str);
        ``groups`` : ndarray of shape (n_clips,) or None;
        ``target_names`` : list of str, the sorted labels;
        ``columns`` : dict, which column gave the ``path``, ``label`` and
        ``group``; ``other_columns`` : list of str, the columns not read;
        ``label_names`` : ``(column, {label: name})`` when the label column
        was chosen by name, holds whole numbers only, and another column names
        them one to one (ESC-50's ``target`` and ``category``), else ``None``.

    Raises
    ------
    ValueError
        For a missing column, an empty manifest, or a row with a missing file
        or an empty value (all bad rows listed, up to 10).

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> sf.write("clip0.wav", np.zeros(800), 8000)
    >>> sf.write("clip1.wav", np.zeros(800), 8000)
    >>> _ = open("clips.csv", "w").write(
    ...     "path,label,fold\nclip0.wav,dog,1\nclip1.wav,rain,2\n")
    >>> data = load_audio_manifest("clips.csv")
    >>> data.target.tolist(), data.groups.tolist(), data.columns["group"]
    (['dog', 'rain'], ['1', '2'], 'fold')
    """
    csv_path = Path(path)
    if csv_path.is_dir():
        raise ValueError(f"Manifest '{csv_path}' is a folder, not a CSV file.")
    if not csv_path.is_file():
        raise FileNotFoundError(f"Manifest '{csv_path}' does not exist.")
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            f"{csv_path} is not a text file in UTF-8; a manifest is a CSV file "
            "with a header row (path,label,...)."
        ) from None
    # Only the separator is guessed, from the header; quoting is the CSV
    # standard's (a quote inside a quoted value doubled), which the sniffer
    # cannot tell from a header without quotes.
    try:
        sniffed = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;\t")
        delimiter = sniffed.delimiter
    except csv.Error:  # one column, or no separator in the header
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [c.strip() for c in (reader.fieldnames or []) if c is not None]
    if not header:
        raise ValueError(f"{csv_path} is empty: expected a header row.")
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:  # csv.DictReader would keep the last of them
        raise ValueError(
            f"{csv_path}: columns named more than once: {twice}; rename them "
            f"(columns: {', '.join(header)})."
        )
    reader.fieldnames = header
    path_column = _pick_column(header, path_column, "path", csv_path, True)
    label_given = label_column is not None
    label_column = _pick_column(header, label_column, "label", csv_path, True)
    group_column = _pick_column(header, group_column, "group", csv_path, False)
    rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise ValueError(f"{csv_path} has a header but no rows.")
    columns = [c for c in (path_column, label_column, group_column) if c]
    filenames, labels, groups, problems, seen, kept = [], [], [], [], {}, []
    backslashed = None  # a missing path that exists with '/' for '\\'
    esc50_root = None  # a missing path that exists in ../audio, as in ESC-50
    for line, row in rows:
        extra = row.get(None)  # csv.DictReader's place for fields past the header
        missing = [c for c in header if row.get(c) is None]
        if extra or missing:
            n_fields = len(header) + len(extra or ()) - len(missing)
            problems.append(
                f"line {line}: {n_fields} fields, the header has {len(header)}"
            )
            continue
        values = {c: row[c].strip() for c in columns}
        empty = [c for c in columns if not values[c]]
        if empty:
            problems.append(f"line {line}: empty {', '.join(map(repr, empty))}")
            continue
        file = (csv_path.parent / values[path_column]).resolve()
        if file.is_dir():
            problems.append(f"line {line}: '{values[path_column]}' is a folder")
            continue
        if not file.is_file():
            problems.append(f"line {line}: file '{values[path_column]}' not found")
            given = values[path_column]
            forward = given.replace("\\", "/")
            if backslashed is None and os.sep != "\\" and forward != given:
                if (csv_path.parent / forward).is_file():
                    backslashed = (given, forward)
            if (
                esc50_root is None
                and (csv_path.parent.parent / "audio" / given).is_file()
            ):
                esc50_root = csv_path.parent.parent
            continue
        if file in seen:
            problems.append(f"line {line}: the same file as line {seen[file]}")
            continue
        seen[file] = line
        kept.append(row)
        filenames.append(str(file))
        labels.append(values[label_column])
        if group_column:
            groups.append(values[group_column])
    if problems:
        first = ", the first 10" if len(problems) > 10 else ""
        rows_word = "row" if len(problems) == 1 else "rows"
        relative = ""
        if backslashed is not None:
            relative = (
                f" ('\\' separates no folders on this system: '{backslashed[1]}' "
                f"exists, not '{backslashed[0]}'; write '/' in the paths)"
            )
        elif esc50_root is not None:
            relative = (
                f" (the files are in '{esc50_root / 'audio'}', as in an ESC-50 "
                f"folder: give the folder '{esc50_root}' to read that layout)"
            )
        elif any("not found" in p for p in problems):
            relative = (
                f" (relative paths are read from the CSV's folder, "
                f"'{csv_path.parent.resolve()}')"
            )
        raise ValueError(
            f"{csv_path}: {len(problems)} bad {rows_word}{first}: "
            + "; ".join(problems[:10])
            + relative
        )
    target = np.array(labels, dtype=object)
    other_columns = [c for c in header if c not in columns]
    return Bunch(
        filenames=np.array(filenames, dtype=object),
        target=target,
        groups=np.array(groups, dtype=object) if group_column else None,
        target_names=sorted(set(labels)),
        columns={"path": path_column, "label": label_column, "group": group_column},
        other_columns=other_columns,
        label_names=None if label_given else _label_names(labels, kept, other_columns),
    )


def _label_names(labels, rows, candidates):
    """Find the column that names numeric labels one to one (ESC-50's ``category``).

    Returns ``(column, {label: name})``, or ``None`` when a label is not a
    whole number or no column names the labels one to one.
    """
    if not all(label.isascii() and label.isdigit() for label in labels):
        return None
    for column in candidates:
        names = [row[column].strip() for row in rows]
        if all(n.isascii() and n.isdigit() for n in names):
            continue
        pairs = set(zip(labels, names, strict=True))
        if len(pairs) == len(set(labels)) == len(set(names)):
            return column, dict(sorted(pairs))
    return None


def _require(path, what):
    if not Path(path).exists():
        raise FileNotFoundError(f"{what}: '{path}' not found.")
    return Path(path)


def _audio_files(folder, pattern="*.wav"):
    return sorted(
        p for p in Path(folder).glob(pattern) if p.is_file() and p.name[0] != "."
    )


def load_esc50(root, *, subset="esc50"):
    """Load ESC-50 (or its ESC-10 subset) from its release layout.

    Parameters
    ----------
    root : str or os.PathLike
        The unpacked release: ``root/meta/esc50.csv`` and ``root/audio/``.
    subset : {"esc50", "esc10"}, default="esc50"
        All 50 classes, or the 10 classes marked ``esc10`` in the metadata.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target`` (the category names), ``groups`` (the
        official fold, 1-5: cross-validate with
        :class:`~sklearn.model_selection.LeaveOneGroupOut`),
        ``target_names``.
    """
    if subset not in ("esc50", "esc10"):
        raise ValueError(f"subset must be 'esc50' or 'esc10', got {subset!r}.")
    root = Path(root)
    meta = _require(root / "meta" / "esc50.csv", "ESC-50 metadata")
    rows = _read_csv(meta, ("filename", "fold", "category", "esc10"))
    if subset == "esc10":
        n_rows = len(rows)
        rows = [r for r in rows if r["esc10"].strip().lower() == "true"]
        if n_rows and not rows:
            raise ValueError(
                f"{meta}: no row of its {n_rows} has esc10 True, so the ESC-10 "
                "subset is empty; use the esc50 layout for every row."
            )
    return _bunch(
        [_require(root / "audio" / r["filename"], "ESC-50 clip") for r in rows],
        [r["category"] for r in rows],
        [int(r["fold"]) for r in rows],
    )


def load_urbansound8k(root):
    """Load UrbanSound8K from its release layout.

    Parameters
    ----------
    root : str or os.PathLike
        The unpacked release: ``root/metadata/UrbanSound8K.csv`` and
        ``root/audio/fold1`` ... ``fold10``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target`` (the class names), ``groups`` (the official
        fold, 1-10; the data set's authors ask for these ten folds, never a
        random split, since slices of one recording share a fold),
        ``target_names``.
    """
    root = Path(root)
    meta = _require(root / "metadata" / "UrbanSound8K.csv", "UrbanSound8K metadata")
    rows = _read_csv(meta, ("slice_file_name", "fold", "class"))
    return _bunch(
        [
            _require(
                root / "audio" / f"fold{r['fold']}" / r["slice_file_name"],
                "UrbanSound8K clip",
            )
            for r in rows
        ],
        [r["class"] for r in rows],
        [int(r["fold"]) for r in rows],
    )


def load_speech_commands(root):
    """Load Google Speech Commands (v0.01 or v0.02) from its release layout.

    Parameters
    ----------
    root : str or os.PathLike
        One folder per word holding ``<speaker>_nohash_<n>.wav`` files, with
        ``validation_list.txt`` and ``testing_list.txt`` beside them. The
        ``_background_noise_`` folder is not a class and is left out.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target`` (the word), ``groups`` (the speaker hash, so
        that a speaker never is on both sides of a split), ``subset``
        (``"train"``, ``"validation"`` or ``"test"``, the official lists),
        ``target_names``.
    """
    root = Path(root)
    lists = {}
    for subset, name in (
        ("validation", "validation_list.txt"),
        ("test", "testing_list.txt"),
    ):
        listed = _require(root / name, "Speech Commands split list").read_text()
        lists.update(
            {line.strip(): subset for line in listed.splitlines() if line.strip()}
        )
    words = sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_"))
    )
    if not words:
        raise ValueError(f"'{root}' holds no word folders.")
    files, labels, speakers, subsets = [], [], [], []
    for word in words:
        for file in _audio_files(root / word):
            files.append(file)
            labels.append(word)
            speakers.append(file.name.split("_nohash_")[0])
            subsets.append(lists.get(f"{word}/{file.name}", "train"))
    bunch = _bunch(files, labels, speakers)
    bunch.subset = np.array(subsets, dtype=object)
    return bunch


def load_audiomnist(root):
    """Load AudioMNIST from its release layout (one folder per speaker).

    Parameters
    ----------
    root : str or os.PathLike
        ``root/data/<speaker>/<digit>_<speaker>_<index>.wav`` (or the speaker
        folders directly under ``root``); ``audioMNIST_meta.txt`` is ignored.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target`` (the digit, int), ``groups`` (the speaker),
        ``target_names``.

    Raises
    ------
    ValueError
        When a file name does not follow ``<digit>_<speaker>_<index>.wav``
        or names another speaker than its folder.
    """
    root = Path(root)
    base = root / "data" if (root / "data").is_dir() else root
    speakers = sorted(p for p in base.iterdir() if p.is_dir() and p.name.isdigit())
    if not speakers:
        raise ValueError(f"'{base}' holds no speaker folders (01, 02, ...).")
    files, digits, groups = [], [], []
    for folder in speakers:
        for file in _audio_files(folder):
            parts = file.stem.split("_")
            if len(parts) != 3 or not parts[0].isdigit() or parts[1] != folder.name:
                raise ValueError(
                    f"Unexpected file in AudioMNIST: '{file}' does not match "
                    f"<digit>_{folder.name}_<index>.wav."
                )
            files.append(file)
            digits.append(int(parts[0]))
            groups.append(folder.name)
    return _bunch(files, digits, groups)


def _read_csv(path, required):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}.")
        return list(reader)


def _bunch(files, labels, groups):
    if not files:
        raise ValueError("The data set holds no audio files.")
    target = np.array(labels, dtype=object if isinstance(labels[0], str) else None)
    return Bunch(
        filenames=np.array([str(Path(f).resolve()) for f in files], dtype=object),
        target=target,
        groups=np.array(groups, dtype=object if isinstance(groups[0], str) else None),
        target_names=[str(t) for t in np.unique(target)],
    )


#: The layouts :func:`load_audio_dataset` recognises, each with its loader.
LAYOUTS = {
    "manifest": load_audio_manifest,
    "esc50": load_esc50,
    "esc10": functools.partial(load_esc50, subset="esc10"),
    "urbansound8k": load_urbansound8k,
    "speech_commands": load_speech_commands,
    "audiomnist": load_audiomnist,
    "folder": None,  # load_audio_folder, which has no groups
}


def detect_layout(source):
    """Name the layout of a data set on disk (a key of ``skaudio.datasets.LAYOUTS``).

    Parameters
    ----------
    source : str or os.PathLike
        A ``.csv`` manifest or a folder.

    Returns
    -------
    layout : str
        ``"manifest"`` for a CSV file; for a folder ``"esc50"``
        (``meta/esc50.csv``), ``"urbansound8k"``
        (``metadata/UrbanSound8K.csv``), ``"speech_commands"``
        (``testing_list.txt``), ``"audiomnist"`` (numbered speaker folders of
        ``<digit>_<speaker>_<index>.wav`` files, under ``data/`` or not), else
        ``"folder"`` (one sub-folder per class, digits as class names included).
    """
    source = Path(source)
    if source.is_file():
        return "manifest"
    if (source / "meta" / "esc50.csv").is_file():
        return "esc50"
    if (source / "metadata" / "UrbanSound8K.csv").is_file():
        return "urbansound8k"
    if (source / "testing_list.txt").is_file():
        return "speech_commands"
    base = source / "data" if (source / "data").is_dir() else source
    folders = [p for p in base.iterdir() if p.is_dir()] if base.is_dir() else []
    if folders and all(p.name.isdigit() for p in folders):
        # Speaker folders, not digit classes: <digit>_<speaker>_<index>.wav.
        first = next(iter(_audio_files(folders[0])), None)
        parts = first.stem.split("_") if first else []
        if len(parts) == 3 and parts[1] == folders[0].name:
            return "audiomnist"
    return "folder"


def load_audio_dataset(source, *, layout="auto", columns=None):
    """Load any data set skaudio knows: FSDD, a manifest, a standard layout, a folder.

    The one entry point of the ``skaudio`` command's ``--data`` argument.

    Parameters
    ----------
    source : str or os.PathLike
        ``"fsdd"`` (see :func:`fetch_fsdd`), a CSV manifest
        (:func:`load_audio_manifest`) or a folder.
    layout : str, default="auto"
        ``"auto"`` (:func:`detect_layout`) or a key of
        ``skaudio.datasets.LAYOUTS``, e.g. ``"esc10"`` for the ESC-10 subset of
        an ESC-50 folder.
    columns : dict, default=None
        A manifest's column names, as ``path_column``, ``label_column`` and
        ``group_column`` of :func:`load_audio_manifest`; only for a manifest.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target`` (labels), ``groups`` (or ``None``),
        ``subset`` (``"train"``/``"validation"``/``"test"`` where the data set
        defines an official split, else ``None``) and ``layout``.
    """
    if str(source) == "fsdd":
        local = Path(source).resolve()
        if local.exists() and local != (get_data_home() / "fsdd").resolve():
            raise ValueError(
                "'fsdd' names the Free Spoken Digit Dataset, but there is also a "
                "'fsdd' here: write './fsdd' to read it, or run from another folder "
                "for the data set."
            )
        if layout != "auto":
            raise ValueError(
                f"{setting('layout', layout)} applies to a folder or manifest, "
                "not to 'fsdd'."
            )
        data = fetch_fsdd()
        data.layout = "fsdd"
        return data
    if not Path(source).exists():
        raise FileNotFoundError(
            f"Data '{source}' not found: give 'fsdd', a CSV manifest or a folder."
        )
    if Path(source).is_file() and Path(source).suffix.lower() != ".csv":
        raise ValueError(
            f"Data '{source}' is a file but not a .csv manifest: give 'fsdd', a "
            "CSV manifest (path,label[,group]) or a folder."
        )
    if layout == "auto":
        layout = detect_layout(source)
    if layout not in LAYOUTS:
        raise ValueError(
            f"Unknown layout {layout!r}; choose 'auto' or one of {sorted(LAYOUTS)}."
        )
    if layout not in ("manifest", "folder") and Path(source).is_file():
        raise ValueError(
            f"{setting('layout', layout)} reads a data set's folder, but "
            f"'{source}' is a file; give the folder, or "
            f"{setting('layout', 'manifest')} for a CSV manifest."
        )
    if layout == "folder":
        folder = load_audio_folder(source)
        data = Bunch(
            filenames=folder.filenames,
            target=np.asarray(folder.target_names, dtype=object)[folder.target],
            groups=None,
            target_names=folder.target_names,
        )
    elif layout == "manifest":
        data = load_audio_manifest(source, **(columns or {}))
    else:
        data = LAYOUTS[layout](source)
    if columns and layout != "manifest":
        raise ValueError(
            f"{', '.join(setting(c) for c in columns)} "
            f"{'applies' if len(columns) == 1 else 'apply'} to a CSV manifest, but "
            f"'{source}' is read as the {layout!r} layout."
        )
    data.setdefault("subset", None)
    data.layout = layout
    return data
