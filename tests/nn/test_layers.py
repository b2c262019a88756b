"""The shared meaning of ``filters`` (and ``filter_growth``) across networks."""

import pytest
import torch
from torch import nn

from skaudio.nn import ConvDenoiser, SequenceCNN, SpectrogramCNN


def test_block_widths_grow_or_repeat():
    from skaudio.nn._layers import block_widths

    assert block_widths(16, 4, filter_growth=2) == [16, 32, 64, 128]
    assert block_widths(16, 2) == [16, 16]


@pytest.mark.parametrize(
    ("make", "conv"),
    [
        (lambda **kw: SpectrogramCNN(n_blocks=3, **kw), nn.Conv2d),
        (lambda **kw: SequenceCNN(n_blocks=3, **kw), nn.Conv1d),
        (lambda **kw: ConvDenoiser(n_layers=3, **kw), nn.Conv1d),
    ],
    ids=["spectrogram", "sequence", "denoiser"],
)
def test_filters_mean_the_same_in_every_network(make, conv):
    def widths(net):
        return [m.out_channels for m in net.modules() if isinstance(m, conv)][:3]

    assert widths(make(filters=4, filter_growth=1)) == [4, 4, 4]
    assert widths(make(filters=4, filter_growth=2)) == [4, 8, 16]
    assert widths(make(filters=(3, 5, 7))) == [3, 5, 7]
    with pytest.raises(ValueError, match="filters has 2 entries for 3"):
        make(filters=(4, 4))


#: The CPU and, where there is one, a GPU (where both layers take nn's path).
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
    ),
]


@pytest.mark.parametrize("device", DEVICES)
def test_dropout_keeps_nn_dropouts_distribution_and_gradient(device):
    from skaudio.nn._layers import Dropout

    layer = Dropout(0.25)
    x = torch.ones(200_000, requires_grad=True, device=device)
    torch.manual_seed(0)
    y = layer(x)
    kept = y != 0
    # Kept elements are scaled by 1 / (1 - p); about p of them are zeroed.
    assert torch.allclose(y[kept], torch.tensor(1 / 0.75, device=device))
    assert abs(1 - kept.float().mean().item() - 0.25) < 0.005
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # the gradient is the same mask
    torch.manual_seed(0)
    assert torch.equal(layer(x), y)  # seeded: repeatable
    # Evaluation, p = 0 and p = 1 behave as nn.Dropout.
    assert torch.equal(layer.eval()(x), x)
    assert torch.equal(Dropout(0.0)(x), x)
    assert torch.equal(Dropout(1.0)(x), torch.zeros_like(x))


def test_every_network_uses_the_fast_dropout_and_1d_pooling():
    from skaudio.nn import (
        BCResNet,
        EarlyMix,
        LVFlat,
        MultiBranchConv1d,
        SequenceCNN,
        SpectrogramCNN,
    )
    from skaudio.nn._layers import Dropout, MaxPool1d

    networks = [
        SequenceCNN(in_channels=4),
        SpectrogramCNN(),
        BCResNet(),
        LVFlat(),
        EarlyMix(),
        MultiBranchConv1d(4, dropout=0.1),
    ]
    for net in networks:
        dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
        assert dropouts, type(net).__name__
        assert all(type(m) is Dropout for m in dropouts), type(net).__name__
    for net in networks[:1] + networks[3:5]:  # the 1-D networks
        pools = [m for m in net.modules() if isinstance(m, nn.MaxPool1d)]
        assert pools and all(type(m) is MaxPool1d for m in pools), type(net).__name__


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("size", [2, 3, 4])
def test_max_pool_equals_nn_max_pool_in_values_and_gradients(size, ceil_mode, device):
    from skaudio.nn._layers import MaxPool1d

    generator = torch.Generator().manual_seed(size)
    inputs = [
        torch.randn(3, 4, 23, generator=generator),
        # Ties: the first maximum of a window takes the gradient.
        torch.randint(0, 3, (3, 4, 23), generator=generator).float(),
        torch.zeros(3, 4, 23),
    ]
    for x in (x.to(device) for x in inputs):
        grad_out = None
        results = []
        layers = nn.MaxPool1d(size, ceil_mode=ceil_mode), MaxPool1d(size, ceil_mode)
        for layer in layers:
            leaf = x.clone().requires_grad_(True)
            y = layer(leaf)
            if grad_out is None:
                grad_out = torch.randn(y.shape, generator=generator).to(device)
            (grad,) = torch.autograd.grad(y, leaf, grad_out)
            results.append((y, grad))
        (y_nn, grad_nn), (y, grad) = results
        # the CPU's fast path; nn.MaxPool1d's on other devices
        fast = type(y.grad_fn).__name__ == "_WindowMaxBackward"
        assert fast == (device == "cpu")
        assert torch.equal(y, y_nn)
        assert torch.equal(grad, grad_nn)


def test_max_pool_allows_an_in_place_activation_after_it():
    from skaudio.nn._layers import MaxPool1d

    x = torch.randn(2, 3, 10, requires_grad=True)
    nn.ReLU(inplace=True)(MaxPool1d(2)(x)).sum().backward()
    expected = torch.autograd.grad(nn.MaxPool1d(2)(x).relu().sum(), x)[0]
    assert torch.equal(x.grad, expected)
