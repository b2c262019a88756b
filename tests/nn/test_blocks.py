import math

import numpy as np
import pytest
import torch

from skaudio.nn.blocks import (
    CPDBlock,
    Roll,
    SincConv1d,
    conv_output_length,
    pad_to_length,
)


@pytest.mark.parametrize(
    ("n_times", "kernel_size", "stride", "pool"),
    [(22050, 8, 1, 8), (8000, 8, 2, 4), (1000, 8, 8, 1), (9, 8, 1, 2), (7, 8, 1, 1)],
)
def test_cpd_block_output_length(n_times, kernel_size, stride, pool):
    block = CPDBlock(1, 3, kernel_size=kernel_size, stride=stride, pool=pool).eval()
    expected = block.output_length(n_times)
    assert expected == conv_output_length(n_times, kernel_size, stride, pool)
    if expected == 0:
        with pytest.raises(RuntimeError):
            block(torch.zeros(1, 1, n_times))
    else:
        assert block(torch.zeros(2, 1, n_times)).shape == (2, 3, expected)


@pytest.mark.parametrize(("stride", "pool"), [(1, 8), (2, 4), (4, 2), (8, 1), (3, 3)])
def test_cpd_block_min_input_length_is_tight(stride, pool):
    block = CPDBlock(1, 2, kernel_size=8, stride=stride, pool=pool)
    for n_out in (1, 5):
        n_min = block.min_input_length(n_out)
        assert block.output_length(n_min) >= n_out
        assert block.output_length(n_min - 1) < n_out


def test_cpd_block_layers_and_dropout():
    block = CPDBlock(1, 4, kernel_size=3, pool=2, dropout=0.5)
    x = torch.randn(8, 1, 50)
    block.eval()
    expected = torch.nn.functional.max_pool1d(torch.relu(block.conv(x)), 2)
    torch.testing.assert_close(block(x), expected)
    block.train()
    assert (block(x) == 0).float().mean() > (expected == 0).float().mean()


def test_cpd_block_predicts_a_large_cpu_batch_in_chunks_with_the_same_output():
    block = CPDBlock(1, 4, kernel_size=8, pool=4, dropout=0.5)
    x = torch.randn(7, 1, 400)
    calls = []
    block.conv.register_forward_hook(lambda module, args, out: calls.append(len(out)))
    with torch.no_grad():
        whole = block.eval()(x)
    assert calls == [7]
    # 4 filters x 393 float32 outputs take 6,288 bytes per clip: 2 clips a chunk.
    block.chunk_bytes = 12_576 // torch.get_num_threads()
    with torch.no_grad():
        assert torch.equal(block(x), whole)
    with torch.inference_mode():
        assert torch.equal(block(x), whole)
    assert calls[1:] == [2, 2, 2, 1] * 2
    # Training takes the whole batch, so gradients are summed as before.
    block.train()(x).sum().backward()
    assert calls[-1] == 7


def test_pad_to_length():
    x = torch.ones(2, 1, 5)
    assert pad_to_length(x, 3) is x
    y = pad_to_length(x, 8)
    assert y.shape == (2, 1, 8)
    assert y[..., :5].eq(1).all() and y[..., 5:].eq(0).all()


# -- SincConv1d ---------------------------------------------------------------
def _mel(hz):
    return 2595 * np.log10(1 + np.asarray(hz) / 700)


def test_sinc_init_is_mel_spaced():
    sinc = SincConv1d(32, 251, sample_rate=8000)
    low = sinc.low_hz_.detach().double().numpy().ravel()
    high = low + sinc.band_hz_.detach().double().numpy().ravel()
    edges = np.append(low, high[-1])
    assert edges[0] == pytest.approx(30, abs=1e-3)
    assert edges[-1] == pytest.approx(8000 / 2 - 100, rel=1e-5)
    np.testing.assert_allclose(np.diff(_mel(edges)), np.diff(_mel(edges))[0], rtol=1e-4)


def test_sinc_filters_are_symmetric_with_unit_centre_tap():
    sinc = SincConv1d(8, 251, sample_rate=16000)
    filters = sinc.filters().detach()
    assert filters.shape == (8, 1, 251)
    torch.testing.assert_close(filters[:, 0, 125], torch.ones(8))
    torch.testing.assert_close(filters, torch.flip(filters, dims=[-1]))
    # The Hamming window takes the edges down to 0.08 of the bare sinc.
    assert filters[:, 0, [0, -1]].abs().max() < 0.1


def test_sinc_filters_pass_their_band():
    sample_rate, kernel_size = 8000, 251
    sinc = SincConv1d(4, kernel_size, sample_rate=sample_rate)
    low, high = (f.detach().numpy() for f in sinc.cutoffs())
    response = np.abs(np.fft.rfft(sinc.filters().detach().numpy()[:, 0], n=8192))
    freqs = np.fft.rfftfreq(8192, 1 / sample_rate)
    for k in range(4):
        band = (freqs > low[k] + 30) & (freqs < high[k] - 30)
        far = (freqs < low[k] / 2) | (freqs > high[k] * 1.5 + 100)
        assert response[k, band].min() > 10 * response[k, far].max()


def test_sinc_cutoffs_respect_minimums_and_nyquist():
    sinc = SincConv1d(6, 31, sample_rate=8000, min_low_hz=50, min_band_hz=50)
    with torch.no_grad():
        sinc.low_hz_.copy_(torch.tensor([[-1e5], [0.0], [3990.0], [100], [5e4], [-3]]))
        sinc.band_hz_.copy_(torch.tensor([[0.0], [-2.0], [1e4], [1e5], [0.0], [7]]))
    low, high = sinc.cutoffs()
    assert (low >= 50).all()
    assert (high <= 4000).all()
    assert (high >= 50).all()
    # Away from Nyquist the band is at least min_band_hz wide.
    assert ((high - low)[low < 4000 - 50] >= 50 - 1e-4).all()


def test_sinc_is_learnable_and_has_no_bias():
    sinc = SincConv1d(5, 51, sample_rate=8000)
    names = {name for name, _ in sinc.named_parameters()}
    assert names == {"low_hz_", "band_hz_"}
    assert sum(p.numel() for p in sinc.parameters()) == 10
    sinc(torch.randn(3, 1, 400)).pow(2).mean().backward()
    assert sinc.low_hz_.grad.abs().sum() > 0
    assert sinc.band_hz_.grad.abs().sum() > 0
    # No bias: silence in, silence out.
    assert sinc(torch.zeros(1, 1, 100)).abs().max() == 0


def test_sinc_output_shape_and_matches_conv1d():
    sinc = SincConv1d(3, 11, sample_rate=8000, stride=2, padding=5)
    x = torch.randn(2, 1, 64)
    expected = torch.nn.functional.conv1d(x, sinc.filters(), stride=2, padding=5)
    torch.testing.assert_close(sinc(x), expected)
    assert sinc(x).shape == (2, 3, (64 + 10 - 11) // 2 + 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kernel_size": 250}, "odd kernel_size"),
        ({"in_channels": 2}, "one input channel"),
        ({"sample_rate": 200}, "no band above 30 Hz"),
    ],
)
def test_sinc_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SincConv1d(4, **{"kernel_size": 11, "sample_rate": 8000, **kwargs})


# -- Roll -----------------------------------------------------------------------
def test_roll_eval_is_deterministic_and_evenly_spaced():
    roll = Roll(n_rolls=4).eval()
    x = torch.randn(3, 1, 12)
    y = roll(x)
    assert y.shape == (3, 4, 12)
    torch.testing.assert_close(y, roll(x))
    normalised = (x - x.mean(dim=(1, 2), keepdim=True)) / x.std(
        dim=(1, 2), keepdim=True, unbiased=False
    )
    for r, shift in enumerate([0, 3, 6, 9]):
        torch.testing.assert_close(y[:, r], torch.roll(normalised[:, 0], shift, -1))


def test_roll_train_draws_new_shifts_every_call():
    roll = Roll(n_rolls=3).train()
    x = torch.arange(1000.0).view(2, 1, 500)
    y1, y2 = roll(x), roll(x)
    assert not torch.equal(y1, y2)
    # Each channel is a circular shift of the normalised clip.
    normalised = (x - x.mean(dim=(1, 2), keepdim=True)) / x.std(
        dim=(1, 2), keepdim=True, unbiased=False
    )
    for b in range(2):
        for r in range(3):
            shift = int(torch.argmin(y1[b, r]))  # the clip's minimum moved here
            torch.testing.assert_close(y1[b, r], torch.roll(normalised[b, 0], shift))
    # Different examples get different shifts.
    assert not torch.equal(torch.argmin(y1[0], -1), torch.argmin(y1[1], -1))


def test_roll_train_is_reproducible_under_a_seed():
    roll = Roll(n_rolls=2).train()
    x = torch.randn(4, 1, 100)
    torch.manual_seed(3)
    y1 = roll(x)
    torch.manual_seed(3)
    torch.testing.assert_close(roll(x), y1)


def test_roll_multichannel_and_silence():
    roll = Roll(n_rolls=2).eval()
    x = torch.stack([torch.arange(6.0), -torch.arange(6.0)]).view(1, 2, 6)
    y = roll(x)
    assert y.shape == (1, 4, 6)
    # channel r * channels + c holds channel c under shift r (0, then 3)
    torch.testing.assert_close(y[0, 2], torch.roll(y[0, 0], 3))
    torch.testing.assert_close(y[0, 3], torch.roll(y[0, 1], 3))
    assert torch.equal(roll(torch.zeros(2, 1, 6)), torch.zeros(2, 2, 6))
    assert math.isclose(float(y.std(unbiased=False)), 1.0, rel_tol=1e-5)
