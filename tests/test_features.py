"""Tests of skaudio.features: librosa parity, batching, shapes, errors.

Tolerances of the librosa comparisons: our float32 output against librosa in
float64 on the same (float32) samples. Power spectrograms: ``rtol=1e-4`` and
``atol=1e-6`` times the clip's peak (float32 rounding of the FFT sums; the
largest error measured is 7e-7 of the peak). Decibels: ``atol=5e-3`` dB
(measured up to 2.2e-3 dB for 20*log10 of magnitudes). MFCC: ``atol=2e-6``
times the largest coefficient (measured 7.5e-7).
"""

import ast
import re
import warnings

import librosa
import numpy as np
import pytest
import torch
from numpydoc.docscrape import ClassDoc, FunctionDoc
from scipy.fft import idct
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skaudio import (
    MelTransformer,
    MFCCTransformer,
    SpectrogramTransformer,
    Waveforms,
)
from skaudio.datasets import load_fsdd, make_tones
from skaudio.features import n_frames
from skaudio.io import WaveformLoader

SR = 8000
STFT = {"n_fft": 512, "hop_length": 128}
FEATURES = [MelTransformer, MFCCTransformer, SpectrogramTransformer]


def _make(cls, **params):
    """An 8 kHz instance of ``cls`` (only the Mel ones take sample_rate)."""
    if cls is not SpectrogramTransformer:
        params.setdefault("sample_rate", SR)
    return cls(**{**STFT, **params})


@pytest.fixture(scope="module")
def fsdd_clips(fsdd_home):
    """Ten FSDD clips (one per digit, several speakers), 1 s at 8 kHz."""
    bunch = load_fsdd(fsdd_home)
    first = [np.flatnonzero(bunch.target == d)[d * 5] for d in range(10)]
    loader = WaveformLoader(sample_rate=8000, duration=1.0)
    return loader.fit_transform(bunch.filenames[first])


@pytest.fixture(scope="module")
def tone_clips():
    X, _ = make_tones(6, n_classes=3, duration=0.5, random_state=0)
    return X


@pytest.fixture(params=["fsdd", "tone"])
def clips(request):
    return request.getfixturevalue(f"{request.param}_clips")


def _librosa(func, X, **kwargs):
    return np.stack([func(y=x.astype(np.float64), **kwargs) for x in X])


def _assert_power_close(ours, ref):
    peak = ref.max(axis=(-2, -1), keepdims=True)
    np.testing.assert_array_less(np.abs(ours - ref), 1e-4 * np.abs(ref) + 1e-6 * peak)


# --- librosa parity ----------------------------------------------------------


@pytest.mark.parametrize("mel_scale", ["htk", "slaney"])
@pytest.mark.parametrize("norm", [None, "slaney"])
def test_mel_matches_librosa(clips, mel_scale, norm):
    params = dict(n_mels=40, norm=norm, mel_scale=mel_scale)
    ours = _make(MelTransformer, scale=None, **params).fit_transform(clips)
    ref = _librosa(
        librosa.feature.melspectrogram,
        clips,
        sr=SR,
        n_mels=40,
        htk=mel_scale == "htk",
        norm=norm,
        pad_mode="reflect",
        **STFT,
    )
    assert ours.dtype == np.float32
    assert ours.shape == (len(clips), 1, *ref.shape[1:])
    _assert_power_close(ours[:, 0], ref)

    ours_db = _make(MelTransformer, **params).fit_transform(clips)
    ref_db = np.stack([librosa.power_to_db(r, top_db=80.0) for r in ref])
    np.testing.assert_allclose(ours_db[:, 0], ref_db, rtol=0, atol=5e-3)


@pytest.mark.parametrize(
    "params",
    [
        {"f_min": 100.0, "f_max": 3500.0, "n_mels": 32},
        {"win_length": 400, "center": False, "n_mels": 40},
        {"n_fft": 256, "hop_length": 100, "n_mels": 20, "power": 1.0},
        # f_max=None is sample_rate / 2, and f_max may be exactly that.
        {"f_min": 3000.0, "n_mels": 16},
        {"f_max": 4000.0, "n_mels": 32},
    ],
    ids=["band", "win-no-center", "magnitude", "high", "up-to-nyquist"],
)
def test_mel_matches_librosa_other_settings(clips, params):
    mel = _make(MelTransformer, scale=None, **params)
    ref = _librosa(
        librosa.feature.melspectrogram,
        clips,
        sr=SR,
        htk=True,
        norm=None,
        fmin=mel.f_min,
        fmax=mel.f_max,
        n_mels=mel.n_mels,
        n_fft=mel.n_fft,
        hop_length=mel.hop_length,
        win_length=mel.win_length,
        center=mel.center,
        power=mel.power,
        pad_mode="reflect",
    )
    _assert_power_close(mel.fit_transform(clips)[:, 0], ref)


@pytest.mark.parametrize("dct_norm", ["ortho", None])
def test_mfcc_matches_librosa(clips, dct_norm):
    ours = _make(
        MFCCTransformer, n_mfcc=13, n_mels=40, dct_norm=dct_norm
    ).fit_transform(clips)
    ref = _librosa(
        librosa.feature.mfcc,
        clips,
        sr=SR,
        n_mfcc=13,
        n_mels=40,
        norm=dct_norm,
        htk=True,
        mel_norm=None,
        pad_mode="reflect",
        **STFT,
    )
    assert ours.shape == (len(clips), 1, 13, ref.shape[-1])
    np.testing.assert_allclose(ours[:, 0], ref, rtol=0, atol=2e-6 * np.abs(ref).max())


def test_mfcc_with_all_coefficients_inverts_to_the_log_mel(tone_clips):
    # n_mfcc == n_mels is allowed: the orthonormal DCT then keeps everything,
    # and its inverse gives back MelTransformer's decibels.
    params = dict(n_mels=24, top_db=80.0)
    mfcc = _make(MFCCTransformer, n_mfcc=24, **params).fit_transform(tone_clips)
    mel_db = _make(MelTransformer, **params).fit_transform(tone_clips)
    assert mfcc.shape == mel_db.shape
    back = idct(mfcc.astype(np.float64), type=2, norm="ortho", axis=2)
    np.testing.assert_allclose(back, mel_db, rtol=0, atol=1e-3)


@pytest.mark.parametrize("power", [1.0, 2.0])
def test_spectrogram_matches_librosa(clips, power):
    ref = np.abs(_librosa(librosa.stft, clips, pad_mode="reflect", **STFT)) ** power
    ours = _make(SpectrogramTransformer, power=power, scale=None).fit_transform(clips)
    assert ours.shape == (len(clips), 1, 257, ref.shape[-1])
    _assert_power_close(ours[:, 0], ref)

    to_db = librosa.amplitude_to_db if power == 1.0 else librosa.power_to_db
    ref_db = np.stack([to_db(r, top_db=80.0) for r in ref])
    ours_db = _make(SpectrogramTransformer, power=power).fit_transform(clips)
    np.testing.assert_allclose(ours_db[:, 0], ref_db, rtol=0, atol=5e-3)

    # amin floors the *power* for both exponents: a silent clip is -100 dB, as
    # with librosa's power_to_db(amin=1e-10) and amplitude_to_db(amin=1e-5).
    silence = np.zeros((1, clips.shape[1]), np.float32)
    est = _make(SpectrogramTransformer, power=power, top_db=None)
    np.testing.assert_array_equal(est.fit_transform(silence), -100.0)
    assert to_db(np.zeros(1), top_db=None)[0] == -100.0


def test_db_without_top_db_matches_librosa(tone_clips):
    X = np.vstack([tone_clips, np.zeros((1, tone_clips.shape[1]), np.float32)])
    ours = _make(MelTransformer, top_db=None, amin=1e-8).fit_transform(X)
    ref = _librosa(
        librosa.feature.melspectrogram,
        X,
        sr=SR,
        n_mels=64,
        htk=True,
        norm=None,
        pad_mode="reflect",
        **STFT,
    )
    ref_db = librosa.power_to_db(ref, amin=1e-8, top_db=None)
    np.testing.assert_allclose(ours[:, 0], ref_db, rtol=0, atol=5e-3)
    assert ours[-1].max() == pytest.approx(-80.0)


# --- batches, channels, layouts ----------------------------------------------


@pytest.fixture(scope="module")
def mixed_levels():
    """Noise clips from very quiet (-80 dB) to loud, in one batch, each with
    a silent (zero-padded) tail."""
    X = np.random.default_rng(0).standard_normal((7, 4000)).astype(np.float32)
    X[:, 3000:] = 0
    return X * np.float32([1, 1e-4, 10, 1e-2, 1, 3, 1e-3])[:, None]


@pytest.mark.parametrize("cls", FEATURES)
@pytest.mark.parametrize("standardize", [False, True])
def test_one_by_one_equals_batch_equals_chunks(cls, standardize, mixed_levels):
    est = _make(cls, standardize=standardize)
    whole = est.fit_transform(mixed_levels)
    one_by_one = np.concatenate([est.transform(x[None]) for x in mixed_levels])
    chunked = clone(est).set_params(batch_size=3).fit_transform(mixed_levels)
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-4)


def test_top_db_is_applied_per_clip(mixed_levels):
    out = _make(MelTransformer, top_db=60.0).fit_transform(mixed_levels)
    peaks = out.max(axis=(1, 2, 3))
    assert np.ptp(peaks) > 100  # the clips span more than 100 dB...
    # ...yet each clip's floor (its silent tail) is its own peak minus top_db,
    # or amin's -100 dB where that is higher.
    floors = np.maximum(peaks - 60.0, -100.0)
    np.testing.assert_allclose(out.min(axis=(1, 2, 3)), floors, atol=1e-3)


@pytest.mark.parametrize("cls", FEATURES)
def test_channels_are_transformed_independently(cls, mixed_levels):
    X = np.stack([mixed_levels, mixed_levels[::-1]], axis=1)  # (7, 2, n_times)
    est = _make(cls, top_db=None)
    image = est.fit_transform(X)
    mono = clone(est).fit_transform(X[:, 1])
    assert image.shape == (7, 2, *mono.shape[2:])
    np.testing.assert_allclose(image[:, 1], mono[:, 0], rtol=1e-5, atol=1e-4)

    sequence = clone(est).set_params(layout="sequence").fit_transform(X)
    assert sequence.shape == (7, 2 * mono.shape[2], mono.shape[3])
    np.testing.assert_array_equal(sequence, image.reshape(sequence.shape))


def test_top_db_spans_all_channels_of_a_clip():
    loud, quiet = np.random.default_rng(1).standard_normal((2, 4000)) * [[1], [1e-5]]
    out = _make(MelTransformer, top_db=50.0).fit_transform(
        np.stack([loud, quiet])[None].astype(np.float32)
    )
    # The quiet channel sits entirely at the clip's floor, 50 dB below its peak.
    np.testing.assert_allclose(out[0, 1], out[0, 0].max() - 50.0, atol=1e-3)


@pytest.mark.parametrize("cls", FEATURES)
def test_standardize_gives_zero_mean_unit_variance_per_clip(cls, mixed_levels):
    out = _make(cls, standardize=True).fit_transform(mixed_levels)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)


@pytest.mark.parametrize("cls", FEATURES)
def test_standardize_spans_all_channels_of_a_clip(cls, mixed_levels):
    # Two channels 40 dB apart: one mean and one deviation per clip keep the
    # quiet channel below the loud one (per channel, both would be centred).
    X = np.stack([mixed_levels, 0.01 * mixed_levels[::-1]], axis=1)  # (7, 2, t)
    raw = _make(cls).fit_transform(X)
    out = _make(cls, standardize=True).fit_transform(X)
    centred = raw - raw.mean(axis=(1, 2, 3), keepdims=True)
    expected = centred / centred.std(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)
    per_channel_means = out.mean(axis=(2, 3))
    assert (np.abs(per_channel_means).max(axis=1) > 0.01).all()


# --- shapes and defaults -----------------------------------------------------


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize(
    ("n_fft", "hop_length", "n_times"),
    [
        (1024, 512, 16000),
        (512, 256, 8000),
        (400, 160, 8000),
        (256, 100, 4001),
        (127, 40, 4000),  # odd: n_fft // 2 padding on each side
    ],
)
def test_frame_count_formula(n_fft, hop_length, n_times, center):
    padded = n_times + 2 * (n_fft // 2) if center else n_times
    expected = 1 + (padded - n_fft) // hop_length
    assert n_frames(n_times, n_fft=n_fft, hop_length=hop_length, center=center) == (
        expected
    )
    X = np.zeros((2, n_times), np.float32)
    params = dict(n_fft=n_fft, hop_length=hop_length, center=center)
    assert SpectrogramTransformer(**params).fit_transform(X).shape[-1] == expected
    mel = MelTransformer(sample_rate=8000, n_mels=20, **params).fit_transform(X)
    assert mel.shape == (2, 1, 20, expected)


def test_hop_length_none_is_half_the_window():
    X = np.zeros((1, 8000), np.float32)
    out = SpectrogramTransformer(n_fft=512, win_length=400, hop_length=None)
    assert out.fit_transform(X).shape[-1] == 1 + 8000 // 200
    # Without win_length the window is n_fft long.
    out = SpectrogramTransformer(n_fft=512, hop_length=None)
    assert out.fit_transform(X).shape[-1] == 1 + 8000 // 256


def test_defaults_give_64_mels_by_32_frames_at_16_khz():
    X = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
    assert MelTransformer().fit_transform(X).shape == (2, 1, 64, 32)
    assert MFCCTransformer().fit_transform(X).shape == (2, 1, 20, 32)
    assert SpectrogramTransformer().fit_transform(X).shape == (2, 1, 513, 32)
    seq = MelTransformer(layout="sequence").fit_transform(X)
    assert seq.shape == (2, 64, 32)


def _documented_defaults(doc):
    """Parameter name -> the value after ``default=`` in a numpydoc section."""
    defaults = {}
    for param in doc["Parameters"]:
        found = re.search(r"default=(.+)$", param.type)
        if found:
            defaults[param.name] = ast.literal_eval(found.group(1))
    return defaults


@pytest.mark.parametrize("cls", FEATURES)
def test_defaults_are_the_documented_ones(cls):
    documented = _documented_defaults(ClassDoc(cls))
    actual = cls().get_params()
    assert set(documented) == set(actual)
    for name, value in documented.items():
        assert type(actual[name]) is type(value), name
        assert actual[name] == value, name


# A valid value other than the default for every parameter.
OTHER_VALUES = {
    "sample_rate": 8000,
    "n_fft": 512,
    "win_length": 400,
    "hop_length": 128,
    "f_min": 50.0,
    "f_max": 3000.0,
    "n_mels": 40,
    "n_mfcc": 13,
    "dct_norm": None,
    "power": 1.0,
    "center": False,
    "pad_mode": "constant",
    "norm": "slaney",
    "mel_scale": "slaney",
    "scale": None,
    "top_db": 60.0,
    "amin": 1e-8,
    "standardize": True,
    "layout": "sequence",
    "batch_size": 3,
    "device": "auto",
}


@pytest.mark.parametrize("cls", FEATURES)
def test_every_parameter_is_stored_and_used(cls):
    params = {name: OTHER_VALUES[name] for name in cls().get_params()}
    est = cls(**params)
    assert est.get_params() == params
    X = np.random.default_rng(0).standard_normal((5, 4000)).astype(np.float32)
    n_bins = {MelTransformer: 40, MFCCTransformer: 13, SpectrogramTransformer: 257}
    assert est.fit_transform(X).shape == (5, n_bins[cls], 1 + (4000 - 512) // 128)


def test_n_frames_defaults_are_the_documented_ones():
    documented = _documented_defaults(FunctionDoc(n_frames))
    assert documented == {"n_fft": 1024, "hop_length": 512, "center": True}
    # 16384 = 1024 + 30 * 512: either default one larger changes the count.
    assert n_frames(16384) == 1 + 16384 // 512 == 33
    assert n_frames(16384, center=False) == 1 + (16384 - 1024) // 512 == 31


@pytest.mark.parametrize("cls", FEATURES)
def test_float32_out_from_any_input_without_fit(cls):
    X = np.random.default_rng(0).standard_normal((3, 2000))  # float64
    out = _make(cls).transform(X)  # stateless: no fit needed
    assert out.dtype == np.float32
    assert out.flags.c_contiguous


def test_read_only_input_needs_no_copy_warning():
    X = np.random.default_rng(0).standard_normal((3, 2000)).astype(np.float32)
    X.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _make(MelTransformer, batch_size=2).fit_transform(X)


@pytest.mark.parametrize("cls", FEATURES)
def test_silence_and_very_loud_clips_are_finite(cls):
    n_times = 4000
    t = np.arange(n_times) / SR
    loud = 1e6 * np.sign(np.sin(2 * np.pi * 440 * t))  # a 1e6 square wave
    X = np.stack([np.zeros(n_times), loud, np.full(n_times, 1e6)]).astype(np.float32)
    for params in [{}, {"standardize": True}, {"top_db": None}]:
        out = _make(cls, **params).fit_transform(X)
        assert np.isfinite(out).all(), params
    if cls is not MFCCTransformer:
        assert np.isfinite(_make(cls, scale=None).fit_transform(X)).all()
    if cls is not MFCCTransformer:  # the DCT of a constant is not constant
        silent = _make(cls, standardize=True).fit_transform(X[:1])
        np.testing.assert_array_equal(silent, 0.0)


def test_pipeline_from_files(fsdd_home):
    bunch = load_fsdd(fsdd_home)
    pipe = make_pipeline(
        WaveformLoader(sample_rate=16000, duration=1.0),
        MelTransformer(standardize=True),
    )
    out = pipe.fit_transform(bunch.filenames[:4])
    assert out.shape == (4, 1, 64, 32)


@pytest.mark.parametrize("device", ["auto", "cpu"])
def test_device_cpu_and_auto(device, tone_clips):
    ref = _make(MelTransformer).fit_transform(tone_clips)
    out = _make(MelTransformer, device=device).fit_transform(tone_clips)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-3)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cls", FEATURES)
def test_cuda_matches_cpu(cls, mixed_levels):
    cpu = _make(cls).fit_transform(mixed_levels)
    cuda = _make(cls, device="cuda").fit_transform(mixed_levels)
    assert cuda.dtype == np.float32
    np.testing.assert_allclose(cuda, cpu, rtol=1e-4, atol=1e-2)


# --- errors ------------------------------------------------------------------

X_1S = np.zeros((2, SR), np.float32)


@pytest.mark.parametrize(
    ("cls", "params", "X", "match"),
    [
        (
            MelTransformer,
            {"f_min": 4000.0},
            X_1S,
            re.escape(
                "f_min=4000.0 Hz must be below f_max=4000.0 Hz (f_max=None means "
                "sample_rate / 2)."
            ),
        ),
        (
            MelTransformer,
            {"f_min": 3000.0, "f_max": 2000.0},
            X_1S,
            r"f_min=3000.0 Hz must be below f_max=2000.0 Hz \(f_max=None",
        ),
        (
            MelTransformer,
            {"f_max": 5000.0},
            X_1S,
            re.escape(
                "f_max=5000.0 Hz is above the Nyquist frequency "
                "sample_rate / 2 = 4000.0 Hz."
            ),
        ),
        (
            MelTransformer,
            {"n_fft": 256, "n_mels": 128},
            X_1S,
            re.escape(
                "n_mels=128 is too many for n_fft=256: 6 of the Mel filters between "
                "0.0 and 4000.0 Hz fall between the 129 FFT bins and are all zero. "
                "Use fewer Mel bands, a larger n_fft or a wider f_min..f_max range."
            ),
        ),
        (
            MFCCTransformer,
            {"n_fft": 64, "n_mels": 40},
            X_1S,
            r"n_mels=40 is too many for n_fft=64: 4 of the Mel filters between "
            r"0.0 and 4000.0 Hz fall between the 33 FFT bins",
        ),
        (
            MFCCTransformer,
            {"n_mfcc": 50, "n_mels": 40},
            X_1S,
            re.escape(
                "n_mfcc=50 must be <= n_mels=40: the DCT of n_mels bands has "
                "n_mels coefficients."
            ),
        ),
        (
            SpectrogramTransformer,
            {"win_length": 1024},
            X_1S,
            r"^win_length=1024 must be <= n_fft=512\.$",
        ),
        (
            SpectrogramTransformer,
            {"hop_length": 0},
            X_1S,
            r"'hop_length' parameter of SpectrogramTransformer must be an int in "
            r"the range \[1, inf\)",
        ),
        (MelTransformer, {"hop_length": -3}, X_1S, r"'hop_length' parameter"),
        (MelTransformer, {"n_mels": 0}, X_1S, r"'n_mels' parameter"),
        (MelTransformer, {"power": 0.0}, X_1S, r"'power' parameter"),
        (MelTransformer, {"mel_scale": "mel"}, X_1S, r"'mel_scale' parameter"),
        (MelTransformer, {"layout": "flat"}, X_1S, r"'layout' parameter"),
        (SpectrogramTransformer, {"device": "tpu"}, X_1S, r"'device' parameter"),
        (
            MelTransformer,
            {"center": False},
            X_1S[:, :500],
            re.escape(
                "MelTransformer got clips of 500 samples, shorter than n_fft=512; "
                "with center=False every clip needs at least n_fft samples. Use "
                "center=True, a smaller n_fft, or longer clips."
            ),
        ),
        (
            MFCCTransformer,
            {},
            X_1S[:, :256],
            re.escape(
                "MFCCTransformer got clips of 256 samples; center=True with "
                "pad_mode='reflect' needs more than n_fft // 2 = 256 samples. Use "
                "pad_mode='constant', a smaller n_fft, or longer clips."
            ),
        ),
        (
            SpectrogramTransformer,
            {"pad_mode": "circular"},
            X_1S[:, :255],
            re.escape(
                "SpectrogramTransformer got clips of 255 samples; center=True with "
                "pad_mode='circular' needs at least n_fft // 2 = 256 samples. Use "
                "pad_mode='constant', a smaller n_fft, or longer clips."
            ),
        ),
        (
            MelTransformer,
            {},
            np.zeros((2, 1, 1, SR), np.float32),
            r"Expected waveforms of shape \(n_samples, n_times\) or",
        ),
    ],
)
def test_invalid_settings_raise_clear_errors_at_fit(cls, params, X, match):
    est = _make(cls, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X)
    with pytest.raises(ValueError, match=match):
        est.transform(X)


@pytest.mark.parametrize("cls", FEATURES)
def test_win_length_may_equal_n_fft(cls, tone_clips):
    full = _make(cls, win_length=STFT["n_fft"]).fit_transform(tone_clips)
    np.testing.assert_array_equal(full, _make(cls).fit_transform(tone_clips))


@pytest.mark.parametrize("cls", [MelTransformer, MFCCTransformer])
def test_waveforms_of_another_rate_are_refused(cls, tone_clips):
    est = _make(cls)
    same = est.fit_transform(Waveforms(tone_clips, SR))
    np.testing.assert_array_equal(same, est.fit_transform(tone_clips))
    message = (
        f"{cls.__name__} has sample_rate=8000 Hz but got waveforms loaded at "
        f"16000 Hz. Set {cls.__name__}(sample_rate=16000) or load the files at "
        "8000 Hz (WaveformLoader(sample_rate=8000))."
    )
    for method in (est.fit, est.transform):
        with pytest.raises(ValueError, match=re.escape(message)):
            method(Waveforms(tone_clips, 16000))


@pytest.mark.parametrize("cls", FEATURES)
def test_fit_records_n_features_in(cls, tone_clips):
    est = _make(cls).fit(tone_clips)
    assert est.n_features_in_ == tone_clips.shape[1]
    stereo = np.stack([tone_clips, tone_clips], axis=1)
    assert _make(cls).fit(stereo).n_features_in_ == 2


@pytest.mark.parametrize(
    ("params", "n_times"),
    [
        ({"center": False}, 512),  # one frame, n_fft samples
        ({"pad_mode": "reflect"}, 257),  # n_fft // 2 + 1
        ({"pad_mode": "circular"}, 256),  # n_fft // 2
    ],
)
def test_shortest_clips_each_padding_allows(params, n_times):
    X = np.random.default_rng(0).standard_normal((2, n_times)).astype(np.float32)
    est = _make(SpectrogramTransformer, **params)
    expected = n_frames(n_times, **STFT, center=est.center)
    assert est.fit_transform(X).shape == (2, 1, 257, expected)


@pytest.mark.parametrize("cls", FEATURES)
def test_unhashable_parameter_gets_the_validation_error(cls):
    # Settings are cached by value; a list cannot be, and must still be named.
    est = _make(cls, n_fft=[512])
    match = rf"The 'n_fft' parameter of {cls.__name__} must be an int"
    for method in (est.fit, est.transform):
        with pytest.raises(ValueError, match=match):
            method(X_1S)


@pytest.mark.parametrize("pad_mode", ["constant", "replicate"])
def test_short_clips_work_with_padding_that_allows_them(pad_mode):
    out = _make(MelTransformer, pad_mode=pad_mode).fit_transform(X_1S[:, :10])
    assert out.shape == (2, 1, 64, 1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")
def test_cuda_without_cuda_is_a_clear_error():
    message = (
        "device='cuda' but CUDA is not available on this machine; use "
        "device='cpu' or device='auto'."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        MelTransformer(device="cuda").fit(X_1S)


def test_features_are_cached_by_pipeline_memory(tmp_path, monkeypatch):
    # During a search every candidate network refits the same feature step on
    # the same fold: Pipeline(memory=...) must compute it once.
    from joblib import Memory
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skaudio.datasets import make_tones

    calls = []
    transform = MelTransformer.transform
    monkeypatch.setattr(
        MelTransformer,
        "transform",
        lambda self, X: calls.append(1) or transform(self, X),
    )
    X, y = make_tones(20, n_classes=2, duration=0.25, random_state=0)

    def pipe(C):
        return Pipeline(
            [
                ("mel", MelTransformer(sample_rate=8000, n_fft=256, layout="sequence")),
                ("flat", FunctionTransformer(_flatten)),
                ("clf", LogisticRegression(C=C)),
            ],
            memory=Memory(tmp_path, verbose=0),
        )

    pipe(1.0).fit(X, y)
    assert len(calls) == 1
    pipe(10.0).fit(X, y)  # another candidate, same data: read from the cache
    assert len(calls) == 1
    pipe(1.0).fit(X[:10], y[:10])  # another fold: computed
    assert len(calls) == 2


def _flatten(X):
    return X.reshape(len(X), -1)


def test_settings_changed_after_a_transform_are_checked_again(tone_clips):
    X = tone_clips[:2]
    mel = MelTransformer(sample_rate=8000, n_fft=256, hop_length=128, n_mels=16)
    first = mel.fit_transform(X)
    np.testing.assert_array_equal(clone(mel).transform(X), first)
    with pytest.raises(ValueError, match="n_mels=200 is too many"):
        mel.set_params(n_mels=200).transform(X)
    assert mel.set_params(n_mels=8).transform(X).shape[2] == 8
    np.testing.assert_array_equal(mel.set_params(n_mels=16).transform(X), first)
