import numpy as np
import pytest

from skaudio.features import MelTransformer
from skaudio.io import WaveformLoader
from skaudio.preprocessing import (
    FixedLength,
    PerSampleNormalizer,
    RandomRoll,
    fix_length,
)


@pytest.mark.parametrize("shape", [(5, 300), (5, 2, 300)])
def test_standard_normalises_each_clip(shape):
    rng = np.random.default_rng(0)
    X = rng.normal(3, 5, shape) * rng.uniform(0.01, 100, (5,) + (1,) * (len(shape) - 1))
    Xt = PerSampleNormalizer().fit_transform(X)
    assert Xt.dtype == np.float32 and Xt.shape == shape
    axes = tuple(range(1, len(shape)))
    np.testing.assert_allclose(Xt.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(Xt.std(axis=axes), 1, atol=1e-4)


@pytest.mark.parametrize("method", ["standard", "peak", "rms"])
def test_statistics_span_all_channels_of_a_clip_by_default(method):
    # A loud and a quiet channel: scaled together, the quiet one stays quiet.
    rng = np.random.default_rng(0)
    X = rng.normal(2, 1, (3, 2, 400)) * np.float32([[1.0], [0.01]])
    X = X.astype(np.float32)
    Xt = PerSampleNormalizer(method=method).fit_transform(X)
    axes = (1, 2)
    if method == "standard":
        centred = X - X.mean(axis=axes, keepdims=True)
        expected = centred / centred.std(axis=axes, keepdims=True)
    elif method == "peak":
        expected = X / np.abs(X).max(axis=axes, keepdims=True)
    else:
        expected = X / np.sqrt(np.square(X).mean(axis=axes, keepdims=True))
    np.testing.assert_allclose(Xt, expected, rtol=1e-4, atol=1e-5)
    assert (Xt[:, 1].std(axis=-1) < 0.1 * Xt[:, 0].std(axis=-1)).all()
    # per_channel=True: each channel on its own statistics.
    Xc = PerSampleNormalizer(method=method, per_channel=True).fit_transform(X)
    for c in range(2):
        np.testing.assert_allclose(
            Xc[:, c],
            PerSampleNormalizer(method=method).fit_transform(X[:, c]),
            rtol=1e-4,
            atol=1e-5,
        )


def test_quiet_clips_are_scaled_up_to_unit_variance():
    X = np.random.default_rng(0).normal(0, 1e-3, (2, 500)).astype(np.float32)
    Xt = PerSampleNormalizer().fit_transform(X)
    np.testing.assert_allclose(Xt.std(axis=1), 1, rtol=1e-4)


def test_per_channel_statistics():
    X = np.stack([np.ones((2, 50)), np.ones((2, 50))]) * [[[1.0], [100.0]]]
    X[..., ::2] *= -1
    Xt = PerSampleNormalizer(method="peak", per_channel=True).fit_transform(X)
    np.testing.assert_allclose(np.abs(Xt).max(axis=-1), 1)
    Xt = PerSampleNormalizer(method="peak").fit_transform(X)
    np.testing.assert_allclose(np.abs(Xt).max(axis=-1), [[0.01, 1], [0.01, 1]])


@pytest.mark.parametrize("method", ["standard", "peak", "rms"])
def test_silence_gives_zeros(method):
    X = np.zeros((3, 100), np.float32)
    X[1] = 0.25  # constant, but not silent
    Xt = PerSampleNormalizer(method=method).fit_transform(X)
    assert np.isfinite(Xt).all()
    assert not Xt[0].any()


def test_peak_and_rms_values():
    X = np.array([[1.0, -4.0, 2.0, 1.0]])
    np.testing.assert_allclose(
        PerSampleNormalizer(method="peak").fit_transform(X), [[0.25, -1, 0.5, 0.25]]
    )
    rms = np.sqrt(np.mean(X**2))
    np.testing.assert_allclose(
        PerSampleNormalizer(method="rms").fit_transform(X), X / rms, rtol=1e-6
    )


def test_normalizer_rejects_4d():
    with pytest.raises(
        ValueError,
        match=r"^Expected waveforms of shape \(n_samples, n_times\) or "
        r"\(n_samples, n_channels, n_times\), got shape \(2, 1, 1, 5\)\.$",
    ):
        PerSampleNormalizer().fit_transform(np.ones((2, 1, 1, 5)))


@pytest.mark.parametrize(
    "n_in, align, expected",
    [
        (3, "start", [1, 2, 3, 0, 0]),
        (3, "center", [0, 1, 2, 3, 0]),
        (8, "start", [1, 2, 3, 4, 5]),
        (8, "center", [2, 3, 4, 5, 6]),
        (5, "center", [1, 2, 3, 4, 5]),
        # Odd amounts: the extra padded sample goes at the end, the extra
        # cropped one at the end too.
        (2, "center", [0, 1, 2, 0, 0]),
        (4, "center", [1, 2, 3, 4, 0]),
        (9, "center", [3, 4, 5, 6, 7]),
        (10, "center", [3, 4, 5, 6, 7]),
        (12, "center", [4, 5, 6, 7, 8]),
        (2, "start", [1, 2, 0, 0, 0]),
        (9, "start", [1, 2, 3, 4, 5]),
    ],
)
def test_fix_length(n_in, align, expected):
    x = np.arange(1, n_in + 1)
    np.testing.assert_array_equal(fix_length(x, 5, align=align), expected)
    stacked = fix_length(np.stack([x, x])[None], 5, align=align)
    assert stacked.shape == (1, 2, 5)
    np.testing.assert_array_equal(stacked[0, 1], expected)


def test_fix_length_into_out_overwrites_every_element():
    out = np.full((2, 5), 7.0)
    assert fix_length(np.ones((2, 2)), 5, align="center", out=out) is out
    np.testing.assert_array_equal(out, [[0, 1, 1, 0, 0]] * 2)


def test_fixed_length_transformer():
    X = np.ones((4, 2, 10))
    assert FixedLength(n_times=16).fit_transform(X).shape == (4, 2, 16)
    assert FixedLength(n_times=3).fit_transform(X).dtype == np.float32
    assert FixedLength().fit_transform(X).shape == (4, 2, 8000)  # 1 s at 8 kHz
    ramp = np.arange(1, 10, dtype=np.float32)[None]
    np.testing.assert_array_equal(
        FixedLength(n_times=5, align="center").fit_transform(ramp), [[3, 4, 5, 6, 7]]
    )


def test_float32_input_of_the_right_length_is_not_copied():
    X = np.ones((3, 10), np.float32)
    assert np.shares_memory(FixedLength(n_times=10).fit_transform(X), X)


@pytest.mark.parametrize(
    "transformer",
    [FixedLength(n_times=10), PerSampleNormalizer(), RandomRoll(random_state=0)],
)
def test_stateless_transformers_check_the_width_seen_in_fit(transformer):
    transformer.fit(np.ones((3, 10), np.float32))
    assert transformer.n_features_in_ == 10
    with pytest.raises(ValueError, match="X has 12 features"):
        transformer.transform(np.ones((3, 12), np.float32))


def test_prediction_time_validation_skips_only_what_validate_data_would_accept():
    """The fast path returns what validate_data returns, and nothing else."""
    from sklearn import config_context
    from sklearn.utils.validation import validate_data

    from skaudio._waveforms import Waveforms, validate_float32

    normalizer = PerSampleNormalizer().fit(np.ones((3, 10), np.float32))
    for X in (
        np.ones((2, 10), np.float32),
        np.ones(
            (2, 10, 3), np.float32
        ),  # 3-D: its second axis is what n_features_in_ counts
        Waveforms(np.ones((2, 10), np.float32), sample_rate=8000),
        np.ones((2, 10)),  # float64: converted, by validate_data
    ):
        expected = validate_data(
            normalizer, X, dtype=np.float32, allow_nd=True, reset=False
        )
        got = validate_float32(normalizer, X, reset=False)
        assert type(got) is np.ndarray and got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)
    nan = np.ones((2, 10), np.float32)
    nan[1, 3] = np.nan
    with pytest.raises(
        ValueError,
        match=r"^X holds NaN or infinite values in 1 of its 2 examples \(the first: "
        r"X\[1\]\), which PerSampleNormalizer cannot take",
    ):
        validate_float32(normalizer, nan, reset=False)
    with config_context(assume_finite=True):  # scikit-learn's switch is honoured
        assert validate_float32(normalizer, nan, reset=False) is not None
    huge = np.full((2, 10), 3e38, np.float32)  # finite, but its sum is not
    assert validate_float32(normalizer, huge, reset=False) is not None
    with pytest.raises(ValueError, match="X has 12 features"):
        validate_float32(normalizer, np.ones((2, 12), np.float32), reset=False)
    with pytest.raises(ValueError, match="empty|0 sample"):
        validate_float32(normalizer, np.ones((0, 10), np.float32), reset=False)


def test_stateless_transformers_fit_on_lazy_audio_reads_its_first_clip(wav_files):
    lazy = WaveformLoader(sample_rate=8000, duration=0.3, lazy=True).fit_transform(
        wav_files[0]
    )
    assert FixedLength(n_times=100).fit(lazy).n_features_in_ == 2400


def test_tags():
    for transformer in (FixedLength(), PerSampleNormalizer(), RandomRoll()):
        tags = transformer.__sklearn_tags__()
        assert tags.requires_fit is False
        assert tags.transformer_tags.preserves_dtype == ["float32"]
    assert RandomRoll().__sklearn_tags__().non_deterministic is True
    assert PerSampleNormalizer().__sklearn_tags__().input_tags.three_d_array
    assert not RandomRoll().__sklearn_tags__().input_tags.three_d_array
    assert MelTransformer().__sklearn_tags__().input_tags.three_d_array
    assert RandomRoll(random_state=0).__sklearn_tags__().non_deterministic is False


def test_roll_channels_are_circular_shifts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 64)).astype(np.float32)
    Xt = RandomRoll(n_rolls=5, random_state=0).fit_transform(X)
    assert Xt.shape == (4, 5, 64) and Xt.dtype == np.float32
    for clip, rolls in zip(X, Xt, strict=True):
        for roll in rolls:
            assert any(np.array_equal(roll, np.roll(clip, s)) for s in range(64))
    # Different clips get different shifts.
    shifts = [
        [next(s for s in range(64) if np.array_equal(r, np.roll(c, s))) for r in rolls]
        for c, rolls in zip(X, Xt, strict=True)
    ]
    assert len({tuple(s) for s in shifts}) > 1


def test_roll_default_gives_four_rolls():
    assert RandomRoll(random_state=0).fit_transform(np.ones((2, 8))).shape == (2, 4, 8)


def test_roll_max_shift():
    X = np.arange(100, dtype=np.float32)[None].repeat(20, 0) + np.arange(20)[:, None]
    Xt = RandomRoll(n_rolls=8, max_shift=3, random_state=1).fit_transform(X)
    # out[t] = x[t - shift], so the first sample tells the shift.
    shifts = (X[:, :1] - Xt[:, :, 0]) % 100
    assert shifts.min() >= 0 and shifts.max() <= 3 and len(np.unique(shifts)) == 4


def test_roll_is_repeatable_and_order_independent():
    X = np.random.default_rng(0).normal(size=(6, 50)).astype(np.float32)
    roll = RandomRoll(n_rolls=3, random_state=42)
    Xt = roll.fit_transform(X)
    np.testing.assert_array_equal(roll.transform(X), Xt)
    np.testing.assert_array_equal(roll.transform(X[::-1]), Xt[::-1])
    np.testing.assert_array_equal(roll.transform(X[2:3]), Xt[2:3])
    other = RandomRoll(n_rolls=3, random_state=7).transform(X)
    assert not np.array_equal(other, Xt)


def test_roll_rejects_multichannel():
    with pytest.raises(ValueError, match="mix channels down"):
        RandomRoll().fit_transform(np.ones((2, 2, 10)))


def test_integer_waveforms_are_warned_about_not_features():
    import warnings

    from skaudio import (
        MelTransformer,
        SpectrogramCNNClassifier,
        WaveformCNNClassifier,
        WaveformDenoiser,
    )

    rng = np.random.default_rng(0)
    pcm = (rng.standard_normal((8, 400)) * 3000).astype(np.int16)
    y = np.arange(8) % 2
    fast = {"max_epochs": 1, "random_state": 0, "device": "cpu"}
    mel = MelTransformer(sample_rate=8000, n_fft=64, hop_length=32, n_mels=8)
    for name, fit in [
        ("PerSampleNormalizer", lambda: PerSampleNormalizer().fit_transform(pcm)),
        ("MelTransformer", lambda: mel.fit_transform(pcm)),
        (
            "WaveformCNNClassifier",
            lambda: WaveformCNNClassifier(
                architecture="simple", sample_rate=8000, **fast
            ).fit(pcm, y),
        ),
        (
            "WaveformDenoiser",
            lambda: WaveformDenoiser(n_layers=1, filters=2, **fast).fit(
                pcm, pcm.astype(np.float32)
            ),
        ),
    ]:
        with pytest.warns(UserWarning) as record:
            fit()
        assert str(record[0].message) == (
            f"{name} got waveforms of dtype int16, whose samples are taken as the "
            "numbers they are, not as audio scaled to [-1, 1] as load_audio and "
            "WaveformLoader give it; if they are PCM samples, divide them by 32768."
        )
        assert record[0].filename == __file__  # this line, not skaudio's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features = mel.fit_transform(pcm / 32768)
        # Integer features are not waveforms: nothing to say.
        SpectrogramCNNClassifier(**fast).fit(features.astype(np.int32), y)
