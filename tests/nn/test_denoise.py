"""The waveform denoising network."""

import pytest
import torch

from skaudio.nn import ConvDenoiser


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
    with pytest.raises(ValueError, match="filters has 2 entries for 3 hidden layers"):
        ConvDenoiser(n_layers=3, filters=(4, 4))


def test_denoiser_batch_consistency():
    net = ConvDenoiser(n_layers=2, filters=4).eval()
    x = torch.randn(4, 1, 200)
    items = torch.cat([net(x[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(items, net(x))
