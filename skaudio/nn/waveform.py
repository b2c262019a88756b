"""1D CNNs on raw waveforms: LV-Flat and the variants of Vrysis et al. (2020).

All networks take ``(batch, in_channels, n_times)`` float waveforms and
return ``(batch, n_classes)`` logits. Their convolutions are unpadded, so
each network has a minimum input length (``min_length``); shorter inputs are
zero-padded at the end up to it inside ``forward``. Global average pooling
over time makes every longer length acceptable.

The paper's eight models are presets of these modules, see
:func:`skaudio.presets.waveform_preset`.
"""

import torch
from torch import nn

from ._layers import Dropout, positive_counts
from .blocks import CPDBlock, DenseHead, Roll, SincConv1d, _stack_min_length
from .blocks import pad_to_length as _pad

__all__ = [
    "EarlyMix",
    "LateMix",
    "LVFlat",
    "RollMix",
    "SimpleWaveformCNN",
    "SincNet",
]

PAPER_BRANCHES = ((1, 8), (2, 4), (4, 2))


def _cpd_stack(in_channels, filters, *, kernel_size, stride, pool, dropout):
    channels = [in_channels, *filters]
    return nn.Sequential(
        *(
            CPDBlock(
                c_in,
                c_out,
                kernel_size=kernel_size,
                stride=stride,
                pool=pool,
                dropout=dropout,
            )
            for c_in, c_out in zip(channels[:-1], channels[1:], strict=True)
        )
    )


class LVFlat(nn.Module):
    """The LV-Flat waveform CNN: three CPD blocks, global average pooling, dense head.

    ``Conv1d(kernel_size, stride) → ReLU → MaxPool1d(pool) → Dropout`` three
    times (``filters`` channels), then the mean over time, ``Linear(dense_units)
    → ReLU → Dropout → Linear(n_classes)``. With the defaults, one input channel
    and 10 classes it has 72,842 parameters. LV-18, LV-24, LV-42 and LV-81 are
    this network with (stride, pool) = (1, 8), (2, 4), (4, 2) and (8, 1).

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of logits.
    stride : int, default=1
        Stride of every convolution.
    pool : int, default=8
        Max-pooling size of every block.
    kernel_size : int, default=8
        Kernel length of every convolution.
    filters : tuple of int, default=(32, 64, 96)
        Filters of each CPD block (one block per entry).
    dropout : float, default=0.25
        Dropout after each block and after the hidden dense layer.
    dense_units : int, default=64
        Hidden units of the head.

    Attributes
    ----------
    blocks : nn.Sequential of CPDBlock
        The convolutional blocks.
    head : DenseHead
        The classifier on the pooled features.
    min_length : int
        Shortest input processed without padding.

    Examples
    --------
    >>> net = LVFlat(stride=2, pool=4)
    >>> sum(p.numel() for p in net.parameters())
    72842
    >>> net(torch.zeros(2, 1, 8000)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        stride=1,
        pool=8,
        kernel_size=8,
        filters=(32, 64, 96),
        dropout=0.25,
        dense_units=64,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.stride = stride
        self.pool = pool
        self.kernel_size = kernel_size
        self.filters = filters = positive_counts(filters, "filters")
        self.dropout = dropout
        self.dense_units = dense_units
        self.blocks = _cpd_stack(
            in_channels,
            filters,
            kernel_size=kernel_size,
            stride=stride,
            pool=pool,
            dropout=dropout,
        )
        self.head = DenseHead(
            filters[-1], n_classes, dense_units=dense_units, dropout=dropout
        )

    @property
    def min_length(self):
        """Shortest input processed without zero padding."""
        return _stack_min_length(self.blocks)

    def forward(self, x):
        """Classify waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Waveforms; zero-padded at the end to ``min_length`` if shorter.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        x = self.blocks(_pad(x, self.min_length))
        return self.head(x.mean(dim=-1))


class RollMix(nn.Module):
    """LV-Flat behind a :class:`~skaudio.nn.blocks.Roll` front end.

    The roll layer stacks ``n_rolls`` circular shifts of each input channel
    (new random shifts at every training step, fixed ones in evaluation) and
    standardises each example; LV-Flat then sees ``in_channels * n_rolls``
    channels.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of logits.
    n_rolls : int, default=4
        Shifted copies per input channel.
    stride, pool, kernel_size, filters, dropout, dense_units
        As in :class:`LVFlat`; defaults are the paper's (stride 2, pool 4).

    Examples
    --------
    >>> RollMix()(torch.zeros(2, 1, 8000)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        n_rolls=4,
        stride=2,
        pool=4,
        kernel_size=8,
        filters=(32, 64, 96),
        dropout=0.25,
        dense_units=64,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.n_rolls = n_rolls
        self.roll = Roll(n_rolls)
        self.body = LVFlat(
            in_channels=in_channels * n_rolls,
            n_classes=n_classes,
            stride=stride,
            pool=pool,
            kernel_size=kernel_size,
            filters=filters,
            dropout=dropout,
            dense_units=dense_units,
        )

    @property
    def min_length(self):
        """Shortest input processed without zero padding."""
        return self.body.min_length

    def forward(self, x):
        """Classify waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Waveforms; zero-padded at the end to ``min_length`` (before
            rolling) if shorter.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        return self.body(self.roll(_pad(x, self.min_length)))


class SincNet(LVFlat):
    """LV-Flat whose first convolution is a :class:`~skaudio.nn.blocks.SincConv1d`.

    The first CPD block filters with ``sinc_filters`` learned band-pass
    filters of ``sinc_kernel_size`` taps (only their two cut-offs are
    learned), strided by ``stride``; the rest is LV-Flat.

    Parameters
    ----------
    in_channels : int, default=1
        Must be 1 (the sinc layer filters one signal).
    n_classes : int, default=10
        Number of logits.
    sample_rate : float, default=22050
        Sampling rate of the input, in Hz (sets the cut-off scale).
    sinc_kernel_size : int, default=251
        Sinc filter length, odd.
    min_low_hz, min_band_hz : float, default=50
        Smallest low cut-off and band width, in Hz.
    stride, pool, kernel_size, filters, dropout, dense_units
        As in :class:`LVFlat`; ``filters[0]`` is the number of sinc filters
        and ``kernel_size`` applies to the later blocks. Defaults are the
        paper's (stride 2, pool 4, 32 sinc filters).

    Examples
    --------
    >>> net = SincNet(sample_rate=8000, pool=2)
    >>> net(torch.zeros(2, 1, 8000)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        sample_rate=22050,
        sinc_kernel_size=251,
        min_low_hz=50.0,
        min_band_hz=50.0,
        stride=2,
        pool=4,
        kernel_size=8,
        filters=(32, 64, 96),
        dropout=0.25,
        dense_units=64,
    ):
        super().__init__(
            in_channels=in_channels,
            n_classes=n_classes,
            stride=stride,
            pool=pool,
            kernel_size=kernel_size,
            filters=filters,
            dropout=dropout,
            dense_units=dense_units,
        )
        self.sample_rate = sample_rate
        self.sinc_kernel_size = sinc_kernel_size
        self.min_low_hz = min_low_hz
        self.min_band_hz = min_band_hz
        self.blocks[0] = CPDBlock(
            in_channels,
            filters[0],
            pool=pool,
            dropout=dropout,
            conv=SincConv1d(
                filters[0],
                sinc_kernel_size,
                sample_rate=sample_rate,
                in_channels=in_channels,
                stride=stride,
                min_low_hz=min_low_hz,
                min_band_hz=min_band_hz,
            ),
        )


def _crop_cat(tensors):
    """Concatenate along channels after cropping to the shortest time axis."""
    n_times = min(t.shape[-1] for t in tensors)
    return torch.cat([t[..., :n_times] for t in tensors], dim=1)


class EarlyMix(nn.Module):
    """Parallel strided/pooled first blocks, concatenated, then LV-Flat's later blocks.

    Each pair ``(stride, pool)`` of ``branches`` makes one first block
    (``Conv1d(filters[0], kernel_size, stride) → ReLU → MaxPool1d(pool)``);
    their outputs are cropped to the shortest, concatenated along channels and
    passed through one dropout, then through CPD blocks of ``filters[1:]``
    with ``stride``/``pool``, global average pooling and the dense head.

    The paper gives the layout but not the branch widths, only that every
    model has about 72k parameters; ``filters[0] = 11`` per branch (33
    channels after the concatenation, close to LV-Flat's 32) gives 73,363
    parameters for one channel and 10 classes.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of logits.
    branches : tuple of (int, int), default=((1, 8), (2, 4), (4, 2))
        (stride, pool) of each parallel first block.
    stride : int, default=2
        Stride of the later blocks.
    pool : int, default=4
        Max-pooling size of the later blocks.
    kernel_size : int, default=8
        Kernel length of every convolution.
    filters : tuple of int, default=(11, 64, 96)
        Filters of each parallel first block, then of each later block.
    dropout : float, default=0.25
        Dropout probability.
    dense_units : int, default=64
        Hidden units of the head.

    Examples
    --------
    >>> EarlyMix()(torch.zeros(2, 1, 22050)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        branches=PAPER_BRANCHES,
        stride=2,
        pool=4,
        kernel_size=8,
        filters=(11, 64, 96),
        dropout=0.25,
        dense_units=64,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.branches = tuple(tuple(b) for b in branches)
        self.stride = stride
        self.pool = pool
        self.kernel_size = kernel_size
        self.filters = filters = positive_counts(filters, "filters")
        self.dropout = dropout
        self.dense_units = dense_units
        self.branch_blocks = nn.ModuleList(
            CPDBlock(
                in_channels,
                filters[0],
                kernel_size=kernel_size,
                stride=s,
                pool=p,
                dropout=0.0,
            )
            for s, p in self.branches
        )
        self.mix_dropout = Dropout(dropout)
        mixed_channels = filters[0] * len(self.branches)
        self.blocks = _cpd_stack(
            mixed_channels,
            filters[1:],
            kernel_size=kernel_size,
            stride=stride,
            pool=pool,
            dropout=dropout,
        )
        self.head = DenseHead(
            (mixed_channels, *filters[1:])[-1],
            n_classes,
            dense_units=dense_units,
            dropout=dropout,
        )

    @property
    def min_length(self):
        """Shortest input processed without zero padding."""
        # The concatenation keeps the shortest branch, so every branch must
        # be long enough for the later blocks.
        trunk = _stack_min_length(self.blocks)
        return max(b.min_input_length(trunk) for b in self.branch_blocks)

    def forward(self, x):
        """Classify waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Waveforms; zero-padded at the end to ``min_length`` if shorter.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        x = _pad(x, self.min_length)
        x = self.mix_dropout(_crop_cat([branch(x) for branch in self.branch_blocks]))
        return self.head(self.blocks(x).mean(dim=-1))


class LateMix(nn.Module):
    """Parallel LV-Flat feature extractors, pooled and concatenated before the head.

    Each pair ``(stride, pool)`` of ``branches`` makes one stack of CPD blocks
    (``filters``); each stack is averaged over time, the vectors are
    concatenated and classified by the dense head.

    The paper gives the layout but not the widths, only that every model has
    about 72k parameters; ``filters=(18, 36, 54)`` per branch gives 74,046
    parameters for one channel and 10 classes.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of logits.
    branches : tuple of (int, int), default=((1, 8), (2, 4), (4, 2))
        (stride, pool) of each branch.
    kernel_size : int, default=8
        Kernel length of every convolution.
    filters : tuple of int, default=(18, 36, 54)
        Filters of each block of each branch.
    dropout : float, default=0.25
        Dropout probability.
    dense_units : int, default=64
        Hidden units of the head.

    Examples
    --------
    >>> LateMix()(torch.zeros(2, 1, 22050)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        branches=PAPER_BRANCHES,
        kernel_size=8,
        filters=(18, 36, 54),
        dropout=0.25,
        dense_units=64,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.branches = tuple(tuple(b) for b in branches)
        self.kernel_size = kernel_size
        self.filters = filters = positive_counts(filters, "filters")
        self.dropout = dropout
        self.dense_units = dense_units
        self.branch_stacks = nn.ModuleList(
            _cpd_stack(
                in_channels,
                filters,
                kernel_size=kernel_size,
                stride=s,
                pool=p,
                dropout=dropout,
            )
            for s, p in self.branches
        )
        self.head = DenseHead(
            filters[-1] * len(self.branches),
            n_classes,
            dense_units=dense_units,
            dropout=dropout,
        )

    @property
    def min_length(self):
        """Shortest input processed without zero padding."""
        return max(_stack_min_length(stack) for stack in self.branch_stacks)

    def forward(self, x):
        """Classify waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Waveforms; zero-padded at the end to ``min_length`` if shorter.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        x = _pad(x, self.min_length)
        pooled = [stack(x).mean(dim=-1) for stack in self.branch_stacks]
        return self.head(torch.cat(pooled, dim=1))


class SimpleWaveformCNN(nn.Module):
    """A minimal waveform CNN: two convolutions, global average pooling, linear.

    ``Conv1d(filters[0], kernel_sizes[0], stride) → ReLU → MaxPool1d(pool) →
    Conv1d(filters[1], kernel_sizes[1]) → ReLU →`` mean over time ``→
    Linear(n_classes)``; the defaults are the minimal system of the paper's
    source material (2,938 parameters for one channel and 10 classes).

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of logits.
    filters : tuple of (int, int), default=(16, 32)
        Filters of the two convolutions.
    kernel_sizes : tuple of (int, int), default=(64, 3)
        Kernel lengths of the two convolutions, one per layer.
    stride : int, default=4
        Stride of the first convolution.
    pool : int, default=4
        Max-pooling size after the first convolution.

    Examples
    --------
    >>> SimpleWaveformCNN()(torch.zeros(2, 1, 8000)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        filters=(16, 32),
        kernel_sizes=(64, 3),
        stride=4,
        pool=4,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.filters = filters = positive_counts(filters, "filters", 2, "convolutions")
        self.kernel_sizes = kernel_sizes = positive_counts(
            kernel_sizes, "kernel_sizes", 2, "convolutions"
        )
        self.stride = stride
        self.pool = pool
        self.blocks = nn.Sequential(
            CPDBlock(
                in_channels,
                filters[0],
                kernel_size=kernel_sizes[0],
                stride=stride,
                pool=pool,
                dropout=0.0,
            ),
            CPDBlock(filters[0], filters[1], kernel_size=kernel_sizes[1], dropout=0.0),
        )
        self.linear = nn.Linear(filters[1], n_classes)

    @property
    def min_length(self):
        """Shortest input processed without zero padding."""
        return _stack_min_length(self.blocks)

    def forward(self, x):
        """Classify waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Waveforms; zero-padded at the end to ``min_length`` if shorter.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        return self.linear(self.blocks(_pad(x, self.min_length)).mean(dim=-1))
