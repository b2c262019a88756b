"""The shared meaning of ``filters`` (and ``filter_growth``) across networks."""

import pytest
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
