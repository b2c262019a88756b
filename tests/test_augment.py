"""Augmentation objects of skaudio.augment on torch batches."""

from unittest import mock

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skaudio.augment import (
    AddNoise,
    FrequencyBandGain,
    Mixup,
    RandomFilter,
    RandomGain,
    RandomTilt,
    SpecAugment,
    SpeedPerturbation,
    TimeShift,
    split_by_domain,
    standard_augmentation,
)
from skaudio.nn.frontend import AugmentedNetwork

WAVEFORM_AUGMENTATIONS = [
    TimeShift(),
    TimeShift(mode="zero"),
    RandomGain(),
    AddNoise(),
    AddNoise(colour="pink"),
    AddNoise(noise=np.random.default_rng(0).standard_normal((3, 50))),
    SpeedPerturbation(),
    RandomFilter(),
    RandomTilt(),
]
FEATURE_AUGMENTATIONS = [SpecAugment(), FrequencyBandGain()]


@pytest.fixture
def waves():
    return torch.randn(8, 1, 400)


@pytest.mark.parametrize("augmentation", WAVEFORM_AUGMENTATIONS, ids=repr)
def test_waveform_augmentation_shape_dtype_and_seed(augmentation, waves):
    torch.manual_seed(1)
    first = augmentation.check()(waves)
    torch.manual_seed(1)
    second = augmentation(waves)
    assert first.shape == waves.shape and first.dtype == waves.dtype
    assert torch.equal(first, second)
    assert not torch.equal(first, waves)
    assert torch.isfinite(first).all()


@pytest.mark.parametrize("augmentation", FEATURE_AUGMENTATIONS, ids=repr)
def test_feature_augmentation_shape_and_change(augmentation):
    x = torch.randn(8, 1, 40, 30)
    y = augmentation.check()(x)
    assert y.shape == x.shape and not torch.equal(x, y)


def test_augmentations_differ_between_examples(waves):
    same = waves[:1].expand(8, 1, 400).clone()
    for augmentation in [TimeShift(), RandomGain(), AddNoise(), SpeedPerturbation()]:
        out = augmentation(same)
        assert not torch.equal(out[0], out[1]), augmentation


def test_time_shift_circular_is_a_roll_and_zero_fills_silence():
    x = torch.arange(1.0, 21.0).view(1, 1, 20)
    rolled = TimeShift(max_shift=0.5)(x)
    shift = int(torch.nonzero(rolled[0, 0] == 1.0)[0])
    assert torch.equal(rolled, torch.roll(x, shift, dims=-1))
    for _ in range(5):
        zeroed = TimeShift(max_shift=0.5, mode="zero")(x)
        kept = zeroed[zeroed != 0]
        # what remains is a contiguous piece of the clip, in order
        assert torch.equal(kept, torch.arange(kept[0], kept[0] + len(kept)))


def test_random_gain_is_exact_in_decibels(waves):
    out = RandomGain(min_gain_db=-20, max_gain_db=-20)(waves)
    torch.testing.assert_close(out, waves * 0.1)


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_add_noise_reaches_the_snr(colour, waves):
    out = AddNoise(min_snr_db=10, max_snr_db=10, colour=colour)(waves)
    noise = out - waves
    snr = 10 * torch.log10(waves.square().mean(-1) / noise.square().mean(-1))
    torch.testing.assert_close(snr, torch.full_like(snr, 10.0), atol=1e-3, rtol=0)


def test_add_noise_draws_from_the_given_clips():
    x = torch.zeros(4, 1, 30) + 1.0
    clips = np.tile(np.arange(10.0), (2, 1))  # the same ramp twice
    noise = AddNoise(min_snr_db=0, max_snr_db=0, noise=clips)(x) - x
    steps = torch.diff(noise[:, 0], dim=-1)
    # each example's noise is the ramp, repeated, from some offset
    assert torch.allclose(steps[steps > 0], steps[steps > 0][0])


@pytest.mark.parametrize(
    ("augmentation", "message"),
    [
        (RandomGain(min_gain_db=3, max_gain_db=1), "min_gain_db=3 must be <="),
        (AddNoise(noise=np.zeros(5)), r"shape \(n_clips, n_times\)"),
        (AddNoise(noise=np.full((2, 3), np.nan)), "NaN"),
        (SpeedPerturbation(min_rate=0), "min_rate"),
        (TimeShift(mode="wrap"), "mode"),
        (SpecAugment(freq_mask=2), "freq_mask"),
        (RandomTilt(min_freq=0.5, pivot=0.1), "min_freq=0.5 must be <="),
        (RandomTilt(pivot=0), "pivot"),
    ],
)
def test_invalid_parameters_are_named(augmentation, message):
    with pytest.raises(ValueError, match=message):
        augmentation.check()
    # Called on a batch directly, as in the docstrings, too.
    with pytest.raises(ValueError, match=message):
        augmentation(
            torch.zeros(2, 1, 40, 64)
            if augmentation.domain == "features"
            else torch.zeros(2, 1, 800)
        )


def test_a_call_checks_the_values_once_and_again_after_a_change(waves):
    gain = RandomGain()
    with mock.patch.object(RandomGain, "check", wraps=gain.check) as check:
        gain(waves)
        gain(waves)
        assert check.call_count == 1
        gain.set_params(max_gain_db=1.0)
        gain(waves)
        assert check.call_count == 2
    gain.min_gain_db = 5.0  # above max_gain_db
    with pytest.raises(ValueError, match="min_gain_db=5.0 must be <="):
        gain(waves)
    with pytest.raises(ValueError, match="'alpha' parameter of Mixup"):
        Mixup(alpha=0).mix(torch.zeros(2, 3), torch.tensor([0, 1]), n_classes=2)


def test_speed_perturbation_reads_faster():
    x = torch.arange(100.0).view(1, 1, 100)
    unchanged = SpeedPerturbation(min_rate=1, max_rate=1)(x)
    torch.testing.assert_close(unchanged, x)
    doubled = SpeedPerturbation(min_rate=2, max_rate=2)(x)
    torch.testing.assert_close(doubled[0, 0, :50], torch.arange(0.0, 100.0, 2.0))
    assert torch.all(doubled[0, 0, 50:] == 0)


def test_lowpass_filter_removes_high_frequencies():
    t = torch.arange(4000) / 8000
    low, high = torch.sin(2 * torch.pi * 100 * t), torch.sin(2 * torch.pi * 3900 * t)
    x = (low + high).view(1, 1, -1).expand(16, 1, -1)
    out = RandomFilter(kind="lowpass", max_cutoff=0.2)(x)
    spectrum = torch.fft.rfft(out).abs()
    # cut-offs between 0.2 and 1 of Nyquist: the 100 Hz tone passes, the
    # 3.9 kHz one (0.975 of Nyquist) loses at least a quarter of its amplitude
    assert torch.all(spectrum[..., 50] > 0.99 * 2000)
    assert torch.all(spectrum[..., 1950] < 0.75 * 2000)


def test_random_tilt_is_a_slope_in_decibels_per_octave():
    n_times = 8000
    t = torch.arange(n_times) / n_times
    # tones at 0.05, 0.1, 0.2 and 0.4 of Nyquist: one octave apart
    bins = [200, 400, 800, 1600]
    x = sum(torch.sin(2 * torch.pi * k * t) for k in bins).view(1, 1, -1)
    out = RandomTilt(max_slope_db=0, pivot=0.2)(x)
    torch.testing.assert_close(out, x, atol=1e-4, rtol=0)
    torch.manual_seed(0)
    out = RandomTilt(max_slope_db=6, pivot=0.2)(x.expand(8, 1, -1))
    level = 20 * torch.log10(torch.fft.rfft(out).abs()[:, 0, bins])  # (8, 4)
    steps = torch.diff(level, dim=-1)
    # the same slope between each pair of octaves, within +-6 dB, 0 dB at the pivot
    torch.testing.assert_close(steps, steps[:, :1].expand(-1, 3), atol=1e-2, rtol=0)
    assert torch.all(steps.abs() <= 6) and steps.std() > 1
    torch.testing.assert_close(
        level[:, 2], torch.full((8,), 20 * np.log10(n_times / 2)), atol=1e-2, rtol=0
    )


def test_spec_augment_masks_with_the_mean_within_the_fractions():
    x = torch.randn(16, 1, 40, 20)
    out = SpecAugment(freq_mask=0.25, time_mask=0, n_freq_masks=1)(x)
    changed_rows = (out != x).any(dim=-1)[:, 0]  # (16, 40)
    assert changed_rows.sum(dim=1).max() <= 10
    assert changed_rows.any()


def test_frequency_band_gain_shifts_one_band_by_a_constant():
    x = torch.zeros(8, 1, 40, 10)
    out = FrequencyBandGain(max_gain_db=6, max_width=0.5)(x)
    for example in out[:, 0]:
        rows = example[:, 0]
        assert torch.all(example == rows[:, None])  # constant in time
        assert len(torch.unique(rows)) <= 2 and rows.abs().max() <= 6


def test_mixup_mixes_inputs_and_targets_alike():
    x = torch.cat([torch.zeros(4, 3), torch.ones(4, 3)])
    x, y = Mixup(alpha=1.0).mix(x, torch.tensor([0] * 4 + [1] * 4), n_classes=2)
    assert y.shape == (8, 2)
    torch.testing.assert_close(y.sum(1), torch.ones(8))
    # input value equals the weight of class 1
    torch.testing.assert_close(x[:, 0], y[:, 1])


def test_mixup_is_not_a_batch_callable():
    with pytest.raises(TypeError, match="each training batch"):
        Mixup()(torch.zeros(2, 3))


def test_clone_get_params_and_repr():
    augment = standard_augmentation()
    cloned = clone(augment)
    assert [a.get_params() for a in cloned] == [a.get_params() for a in augment]
    assert cloned[0] is not augment[0]
    assert repr(TimeShift(mode="zero")) == "TimeShift(mode='zero')"


def test_split_by_domain_rejects_other_objects():
    assert split_by_domain(None) == ([], [], [])
    with pytest.raises(TypeError, match=r"augment\[1\]"):
        split_by_domain([TimeShift(), torch.nn.Identity()])


def test_augmented_network_augments_in_training_only():
    net = AugmentedNetwork(
        torch.nn.Flatten(),
        waveform_augment=[RandomGain(min_gain_db=6, max_gain_db=6)],
        feature_augment=[RandomGain(min_gain_db=6, max_gain_db=6)],
    )
    x = torch.ones(2, 1, 4)
    assert torch.allclose(net.train()(x), torch.full((2, 4), 10 ** (12 / 20)))
    assert torch.equal(net.eval()(x), x.flatten(1))


def test_an_augmentation_class_instead_of_an_object_is_named():
    with pytest.raises(
        TypeError,
        match=r"^augment\[1\] is the class RandomTilt, not an "
        r"object of it: write RandomTilt\(\)\.$",
    ):
        split_by_domain([TimeShift(), RandomTilt])
