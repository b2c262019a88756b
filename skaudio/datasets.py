"""Data sets: FSDD, folders of audio, synthetic tones, noisy and mixed speech."""

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_random_state

from .io import load_audio
from .preprocessing import fix_length

__all__ = [
    "get_data_home",
    "load_fsdd",
    "fetch_fsdd",
    "load_audio_folder",
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
        ndarray of shape (3000,); ``target_names`` : list of str;
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
        Raise :class:`FileNotFoundError` instead of downloading.
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
    OSError
        When the download fails or the recordings do not match ``sha256``.
    """
    home = get_data_home(data_home)
    if not _fsdd_recordings(home).is_dir():
        if not download_if_missing:
            raise FileNotFoundError(f"FSDD not found under {home} and not downloaded.")
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=home, prefix=".fsdd-") as tmp:
            archive = Path(tmp) / "archive"
            try:
                with (
                    urllib.request.urlopen(url, timeout=60) as r,
                    open(archive, "wb") as out,
                ):
                    shutil.copyfileobj(r, out)
            except OSError as exc:
                raise OSError(f"Downloading FSDD from {url} failed: {exc}") from exc
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
    return load_fsdd(home, return_X_y=return_X_y)


def load_audio_folder(root, *, extensions=(".wav", ".flac", ".ogg", ".mp3")):
    """List a folder with one sub-folder of audio files per class.

    Parameters
    ----------
    root : str or os.PathLike
        ``root/<class name>/<file>``; hidden files and folders are ignored.
    extensions : tuple of str, default=(".wav", ".flac", ".ogg", ".mp3")
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
        When ``root`` holds no class folder, a class folder holds no audio, or
        a file has an ending not in ``extensions`` (all such files listed).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"Audio folder '{root}' does not exist.")
    classes = sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if not classes:
        raise ValueError(f"'{root}' holds no class sub-folders.")
    extensions = {e.lower() for e in extensions}
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
            f"Files with endings not in {sorted(extensions)} (pass extensions= to "
            f"accept them): {unknown}"
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
    fsdd = load_fsdd(data_home)
    known = sorted(set(fsdd.groups))
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


def _coloured_noise(rng, n_times, exponent):
    """Gaussian noise whose power falls as ``1 / f**exponent`` (0: white)."""
    white = rng.standard_normal(n_times)
    if exponent == 0:
        return white
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n_times)
    freqs[0] = freqs[1]
    return np.fft.irfft(spectrum / freqs ** (exponent / 2), n=n_times)


def _babble(rng, clips, n_times, n_talkers):
    """Sum of ``n_talkers`` streams of speech, each clips end to end."""
    voiced = [clip[np.abs(clip) > 0] for clip in clips]
    babble = np.zeros(n_times)
    for _ in range(n_talkers):
        stream = []
        while sum(map(len, stream)) < 2 * n_times:
            clip = voiced[rng.randint(len(voiced))]
            stream.append(clip / max(_rms(clip), 1e-8))
        stream = np.concatenate(stream)
        start = rng.randint(len(stream) - n_times + 1)
        babble += stream[start : start + n_times]
    return babble


def _as_choices(value, name, allowed=None):
    values = list(np.atleast_1d(value))
    if not values:
        raise ValueError(f"{name} must hold at least one value.")
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ValueError(f"{name} must be among {allowed}, got {wrong}.")
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
    noisy = np.empty_like(clean)
    for i in range(n_samples):
        if type_drawn[i] == "babble":
            others = clean[groups != groups[i]]
            noise_i = _babble(rng, others, n_times, n_babble)
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
    random_state=None,
):
    """Mix recordings of different FSDD speakers, for training a separator.

    Each mixture sums ``n_sources`` recordings of distinct speakers drawn
    from ``speakers``, each centred in ``duration`` seconds, scaled to unit
    RMS and then to a random level within ``level_range`` dB of the others.
    To evaluate on held-out speakers, make the training and the test
    mixtures from disjoint ``speakers``.

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
    random_state : int, RandomState instance or None, default=None
        Seeds the recordings drawn and their levels.

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
    sources = clips[index].astype(np.float64)
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
