"""The STFT wrapper, the multi-branch Conv1D and the mask separator."""

import pytest
import torch

from skaudio.nn import STFT, MaskSeparator, MultiBranchConv1d


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
    with pytest.raises(ValueError, match="widths has 2 entries for 3"):
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
