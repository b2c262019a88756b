"""The networks pool before their ReLUs, where it costs less: same values."""

import copy

import pytest
import torch
from torch import nn

from skaudio.nn import LVFlat, SequenceCNN, SincNet, SpectrogramCNN

POOLS = (nn.MaxPool1d, nn.MaxPool2d)


def _relu_before_pooling(network):
    """A copy of ``network`` with each ``pool → ReLU`` pair in the paper's order."""
    network = copy.deepcopy(network)
    swapped = 0
    for module in network.modules():
        if isinstance(module, nn.Sequential):
            for i in range(len(module) - 1):
                if isinstance(module[i], POOLS) and isinstance(module[i + 1], nn.ReLU):
                    module[i], module[i + 1] = module[i + 1], module[i]
                    swapped += 1
    n_pools = sum(isinstance(m, POOLS) for m in network.modules())
    assert swapped == n_pools > 0
    return network


@pytest.mark.parametrize(
    ("network", "shape"),
    [
        (LVFlat(stride=1, pool=4), (4, 1, 800)),
        (SincNet(), (4, 1, 800)),
        (SpectrogramCNN(), (4, 1, 64, 32)),
        (SpectrogramCNN(convs_per_block=2, norm="batch"), (4, 1, 20, 9)),
        (SequenceCNN(in_channels=20), (4, 20, 33)),
    ],
    ids=["lv-flat", "sincnet", "vgg", "vgg-2-convs", "sequence"],
)
def test_same_values_and_gradients_as_relu_before_pooling(network, shape):
    # Zeros (padding, silence) make the pooled windows tie: the gradient must
    # still reach the same element.
    x = torch.randn(shape)
    x[..., shape[-1] // 2 :] = 0
    paper = _relu_before_pooling(network)

    def run(net):
        torch.manual_seed(0)
        out = net.train()(x)
        out.square().sum().backward()
        return out, [p.grad for p in net.parameters()]

    out, grads = run(network)
    paper_out, paper_grads = run(paper)
    assert torch.equal(out, paper_out)
    assert all(map(torch.equal, grads, paper_grads))
