"""The waveform denoising network."""

import pytest
import torch

from skaudio.nn import ConvDenoiser, MaskingDenoiser


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


@pytest.mark.parametrize("norm", ["layer", "batch", "none"])
@pytest.mark.parametrize("encoder_stride", [1, 4, 8])
def test_masking_denoiser_keeps_any_length(norm, encoder_stride):
    net = MaskingDenoiser(
        2,
        encoder_channels=8,
        encoder_stride=encoder_stride,
        n_layers=2,
        filters=4,
        norm=norm,
    ).eval()
    for n_times in (1, 37, 400):
        assert net(torch.randn(3, 2, n_times)).shape == (3, 2, n_times)


def test_masking_denoiser_layers():
    net = MaskingDenoiser(
        encoder_channels=12, encoder_stride=4, n_layers=3, n_repeats=2, filters=6
    )
    assert (net.encoder.kernel_size, net.encoder.stride) == ((8,), (4,))
    assert net.encoder.out_channels == net.decoder.in_channels == 12
    assert [block.layers[0].dilation[0] for block in net.blocks] == [1, 2, 4] * 2
    assert {block.layers[0].out_channels for block in net.blocks} == {6}


def test_masking_denoiser_filters_is_one_width():
    with pytest.raises(ValueError, match="filters must be an int, got \\(4, 8\\)"):
        MaskingDenoiser(filters=(4, 8))


def test_masking_denoiser_is_scale_equivariant_and_masks():
    net = MaskingDenoiser(encoder_channels=8, n_layers=2, filters=4).eval()
    x = torch.randn(2, 1, 300)
    torch.testing.assert_close(net(10 * x), 10 * net(x), rtol=1e-3, atol=1e-4)
    with torch.no_grad():
        net.mask[1].weight.zero_()
        net.mask[1].bias.fill_(-1e4)
    # a mask of zeros silences everything
    torch.testing.assert_close(net(x), torch.zeros_like(x))


def test_masking_denoiser_batch_consistency():
    net = MaskingDenoiser(encoder_channels=8, n_layers=2, filters=4).eval()
    x = torch.randn(4, 1, 203)
    items = torch.cat([net(x[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(items, net(x))
