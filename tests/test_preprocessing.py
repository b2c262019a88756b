import numpy as np
import pytest

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
    with pytest.raises(ValueError, match=r"got shape \(2, 1, 1, 5\)"):
        PerSampleNormalizer().fit_transform(np.ones((2, 1, 1, 5)))


@pytest.mark.parametrize(
    "n_in, align, expected",
    [
        (3, "start", [1, 2, 3, 0, 0]),
        (3, "center", [0, 1, 2, 3, 0]),
        (8, "start", [1, 2, 3, 4, 5]),
        (8, "center", [2, 3, 4, 5, 6]),
        (5, "center", [1, 2, 3, 4, 5]),
    ],
)
def test_fix_length(n_in, align, expected):
    x = np.arange(1, n_in + 1)
    np.testing.assert_array_equal(fix_length(x, 5, align=align), expected)
    stacked = fix_length(np.stack([x, x])[None], 5, align=align)
    assert stacked.shape == (1, 2, 5)
    np.testing.assert_array_equal(stacked[0, 1], expected)


def test_fixed_length_transformer():
    X = np.ones((4, 2, 10))
    assert FixedLength(n_times=16).fit_transform(X).shape == (4, 2, 16)
    assert FixedLength(n_times=3).fit_transform(X).dtype == np.float32


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
