import math

import pytest
import torch
from torch import nn

from skaudio.nn.sequence import HEADS, SequenceCNN


@pytest.mark.parametrize("n_frames", [1, 3, 50])
@pytest.mark.parametrize("head", HEADS)
def test_any_sequence_length_gives_logits(head, n_frames):
    net = SequenceCNN(in_channels=13, n_classes=4, head=head)
    assert net(torch.randn(3, 13, n_frames)).shape == (3, 4)


def test_convolutions_run_over_time_with_features_as_channels():
    net = SequenceCNN(in_channels=20, n_blocks=3, filters=(8, 16, 32), kernel_size=7)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (20, 8, (7,)),
        (8, 16, (7,)),
        (16, 32, (7,)),
    ]
    # Each block halves time, rounding up.
    assert net.features(torch.randn(2, 20, 50)).shape == (2, 32, math.ceil(50 / 8))


@pytest.mark.parametrize(("rnn", "head"), [(nn.LSTM, "lstm"), (nn.GRU, "gru")])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_head(rnn, head, bidirectional):
    net = SequenceCNN(
        in_channels=10, head=head, hidden_size=12, bidirectional=bidirectional
    )
    assert isinstance(net.rnn, rnn)
    assert net.classifier.in_features == 12 * (2 if bidirectional else 1)
    assert SequenceCNN(in_channels=10, head="avg").rnn is None


def test_recurrent_head_reads_the_whole_sequence():
    # The last hidden state depends on the first frames too.
    net = SequenceCNN(in_channels=4, head="gru", dropout=0.0).eval()
    x = torch.randn(1, 4, 32)
    y = x.clone()
    y[..., :4] += 3
    assert not torch.allclose(net(x), net(y))


@pytest.mark.parametrize("head", HEADS)
def test_batch_consistency(head):
    net = SequenceCNN(in_channels=6, n_classes=3, head=head).eval()
    x = torch.randn(5, 6, 40)
    one_by_one = torch.cat([net(x[i : i + 1]) for i in range(len(x))])
    torch.testing.assert_close(net(x), one_by_one, rtol=1e-4, atol=1e-5)


def test_single_channel_image_layout_is_accepted():
    net = SequenceCNN(in_channels=6).eval()
    x = torch.randn(2, 6, 30)
    torch.testing.assert_close(net(x.unsqueeze(1)), net(x))


def test_frequency_input_norm_removes_a_fixed_channel_colouring():
    # Cepstral mean/variance normalisation: a per-feature gain and offset
    # (a fixed channel) does not change the output.
    net = SequenceCNN(in_channels=6, input_norm="frequency").eval()
    x = torch.randn(2, 6, 30)
    gain, offset = torch.rand(1, 6, 1) + 0.5, torch.randn(1, 6, 1) * 10
    torch.testing.assert_close(net(x), net(gain * x + offset), rtol=1e-4, atol=1e-4)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="head must be"):
        SequenceCNN(head="transformer")
    with pytest.raises(ValueError, match="1 entries for 2 blocks"):
        SequenceCNN(filters=(8,))


def test_learns_a_toy_problem():
    # Class 1 has a bump in feature 0 somewhere in time.
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, 24, generator=g)
    y = torch.arange(64) % 2
    starts = torch.randint(0, 20, (64,), generator=g)
    for i in torch.nonzero(y).flatten():
        x[i, 0, starts[i] : starts[i] + 4] += 4
    net = SequenceCNN(in_channels=4, n_classes=2, filters=16, input_norm=None)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(40):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    assert (net(x).argmax(1) == y).float().mean() > 0.95
