"""The denoising and separation networks, the STFT wrapper and the losses."""

import itertools

import pytest
import torch

from skaudio.nn import STFT, ConvDenoiser, MaskSeparator, MultiBranchConv1d
from skaudio.nn.losses import WaveformLoss, best_permutation, si_sdr


@pytest.mark.parametrize("norm", ["batch", "group", "none"])
@pytest.mark.parametrize("dilation_growth", [1, 2])
def test_denoiser_keeps_the_shape(norm, dilation_growth):
    net = ConvDenoiser(
        2,
        n_layers=3,
        filters=(4, 6, 4),
        kernel_size=5,
        norm=norm,
        dilation_growth=dilation_growth,
    )
    for n_times in (1, 37, 400):
        assert net(torch.randn(3, 2, n_times)).shape == (3, 2, n_times)


def test_denoiser_is_scale_equivariant_and_residual():
    net = ConvDenoiser(n_layers=2, filters=4).eval()
    x = torch.randn(2, 1, 300)
    torch.testing.assert_close(net(10 * x), 10 * net(x), rtol=1e-3, atol=1e-4)
    with torch.no_grad():
        net.layers[-1].weight.zero_()
        net.layers[-1].bias.zero_()
    # a residual network that estimates no noise returns its input
    torch.testing.assert_close(net(x), x)


def test_denoiser_filters_must_match_layers():
    with pytest.raises(ValueError, match="filters gives 2 values for 3"):
        ConvDenoiser(n_layers=3, filters=(4, 4))


def test_denoiser_batch_consistency():
    net = ConvDenoiser(n_layers=2, filters=4).eval()
    x = torch.randn(4, 1, 200)
    items = torch.cat([net(x[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(items, net(x))


@pytest.mark.parametrize("n_times", [64, 800, 1001])
def test_stft_round_trip(n_times):
    stft = STFT(n_fft=64, hop_length=16)
    x = torch.randn(2, 3, n_times)
    spec = stft(x)
    assert spec.shape == (2, 3, 33, 1 + n_times // 16)
    torch.testing.assert_close(stft.inverse(spec, n_times), x, atol=1e-5, rtol=0)
    assert "window" in dict(stft.named_buffers())
    assert stft.n_freqs == 33


def test_multi_branch_widths_and_errors():
    net = MultiBranchConv1d(10, kernel_sizes=(3, 5, 9), widths=(2, 3, 4), n_layers=2)
    assert net.out_channels == 9
    assert net(torch.randn(2, 10, 17)).shape == (2, 9, 17)
    assert len(net.branches) == 3
    with pytest.raises(ValueError, match="widths gives 2 values for 3"):
        MultiBranchConv1d(10, kernel_sizes=(3, 5, 9), widths=(2, 3))


@pytest.mark.parametrize("mask", ["softmax", "sigmoid"])
def test_separator_masks_and_output(mask):
    net = MaskSeparator(3, n_fft=64, hop_length=16, widths=4, mask=mask).eval()
    x = torch.randn(2, 1, 500)
    spec = net.stft(x[:, 0])
    masks = net.masks(spec)
    assert masks.shape == (2, 3, 33, spec.shape[-1])
    assert masks.min() >= 0 and masks.max() <= 1
    sources = net(x)
    assert sources.shape == (2, 3, 500)
    if mask == "softmax":
        # masks summing to one share out the mixture exactly
        torch.testing.assert_close(sources.sum(dim=1), x[:, 0], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="mask must be"):
        MaskSeparator(mask="relu")


def test_si_sdr_and_losses():
    target = torch.randn(3, 2, 400)
    noise = torch.randn(3, 2, 400)
    assert si_sdr(target, target + noise).shape == (3, 2)
    assert WaveformLoss()(target + noise, target) == pytest.approx(
        float(((noise) ** 2).mean())
    )
    loss = WaveformLoss("si_sdr")(target + 0.1 * noise, target)
    assert loss == pytest.approx(-float(si_sdr(target, target + 0.1 * noise).mean()))
    pit = WaveformLoss(permutation_invariant=True)
    assert pit(target.flip(1) + noise, target) == pytest.approx(
        float(WaveformLoss()(target + noise.flip(1), target))
    )
    with pytest.raises(ValueError, match="kind must be"):
        WaveformLoss("l1")


def test_best_permutation_is_exhaustive():
    pairwise = torch.rand(5, 3, 3)
    cost, permutation = best_permutation(pairwise)
    for b in range(5):
        brute = min(
            sum(float(pairwise[b, i, p[i]]) for i in range(3)) / 3
            for p in itertools.permutations(range(3))
        )
        assert float(cost[b]) == pytest.approx(brute)
        assert float(pairwise[b, torch.arange(3), permutation[b]].mean()) == (
            pytest.approx(brute)
        )
