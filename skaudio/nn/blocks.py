"""Building blocks of the waveform networks: CPD block, sinc convolution, roll layer.

Shapes follow PyTorch: ``(batch, channels, time)``.
"""

import math

import torch
from torch import nn
from torch.nn import functional

from ._layers import Dropout, MaxPool1d

__all__ = [
    "CPDBlock",
    "DenseHead",
    "Roll",
    "SincConv1d",
    "conv_output_length",
    "pad_to_length",
]


def conv_output_length(n_times, kernel_size, stride=1, pool=1):
    """Length after an unpadded convolution and a max-pooling of size ``pool``.

    Parameters
    ----------
    n_times : int
        Input length.
    kernel_size : int
        Convolution kernel length.
    stride : int, default=1
        Convolution stride.
    pool : int, default=1
        Max-pooling size (and stride).

    Returns
    -------
    n_out : int
        Output length; 0 when the input is too short.

    Examples
    --------
    >>> conv_output_length(22050, 8, stride=1, pool=8)
    2755
    """
    if n_times < kernel_size:
        return 0
    return ((n_times - kernel_size) // stride + 1) // pool


def _conv_min_length(n_out, kernel_size, stride=1, pool=1):
    """Shortest input giving at least ``n_out`` samples after conv + pool."""
    return (n_out * pool - 1) * stride + kernel_size


def pad_to_length(x, n_times):
    """Zero-pad the last axis of ``x`` at the end to at least ``n_times``.

    Parameters
    ----------
    x : Tensor of shape (..., n_times_in)
        Signals.
    n_times : int
        Minimum length.

    Returns
    -------
    y : Tensor of shape (..., max(n_times_in, n_times))
        ``x`` itself when it is long enough.
    """
    missing = n_times - x.shape[-1]
    return functional.pad(x, (0, missing)) if missing > 0 else x


class CPDBlock(nn.Module):
    """Convolution → ReLU → max-pooling → dropout (the "CPD" block of LV-Flat).

    The convolution is unpadded ("valid"), so a block maps ``n_times`` samples
    to ``((n_times - kernel_size) // stride + 1) // pool``. The ReLU is
    applied after the pooling: ReLU is non-decreasing, so it commutes with the
    maximum and the block computes the same values and gradients as in the
    paper's order, with the ReLU on ``pool`` times fewer samples. Without
    gradients (prediction) on the CPU, a large batch is convolved and pooled
    a few examples at a time, so that the convolution's output stays in
    cache; the output is the same, bit for bit.

    Parameters
    ----------
    in_channels : int
        Input channels.
    out_channels : int
        Convolution filters.
    kernel_size : int, default=8
        Kernel length.
    stride : int, default=1
        Convolution stride.
    pool : int, default=1
        Max-pooling size and stride; 1 means no pooling.
    dropout : float, default=0.25
        Dropout probability.
    conv : nn.Module or None, default=None
        A convolution to use instead of ``nn.Conv1d(in_channels, out_channels,
        kernel_size, stride)``, e.g. a :class:`SincConv1d`. It must have
        ``kernel_size`` and ``stride`` attributes (ints or 1-tuples).

    Attributes
    ----------
    chunk_bytes : int or None, default=2 MiB
        Without gradients on the CPU, the convolution output computed and
        pooled at once, per torch thread; ``None`` takes the whole batch at
        once. Kept near a core's cache size, a first layer's output (32 x
        7,993 floats per clip in LV-18) is pooled before it goes out to
        memory (``benchmarks/results/efficiency.md``). Training takes the
        whole batch: chunks there would sum weight gradients in another
        order, and measured no faster for SincNet.

    Examples
    --------
    >>> block = CPDBlock(1, 32, kernel_size=8, stride=2, pool=4)
    >>> block(torch.zeros(3, 1, 8000)).shape
    torch.Size([3, 32, 999])
    """

    chunk_bytes = 2 << 20

    def __init__(
        self,
        in_channels,
        out_channels,
        *,
        kernel_size=8,
        stride=1,
        pool=1,
        dropout=0.25,
        conv=None,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.pool = pool
        self.dropout = dropout
        if conv is None:
            conv = nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride)
        self.conv = conv
        self.kernel_size = _as_int(conv.kernel_size)
        self.stride = _as_int(conv.stride)
        self.layers = nn.Sequential(MaxPool1d(pool), nn.ReLU(), Dropout(dropout))

    def output_length(self, n_times):
        """Output length for an input of ``n_times`` samples."""
        return conv_output_length(n_times, self.kernel_size, self.stride, self.pool)

    def min_input_length(self, n_out=1):
        """Shortest input giving at least ``n_out`` output samples."""
        return _conv_min_length(n_out, self.kernel_size, self.stride, self.pool)

    def forward(self, x):
        """Apply the block.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Input, at least ``min_input_length()`` long.

        Returns
        -------
        y : Tensor of shape (batch, out_channels, output_length(n_times))
            Activations.
        """
        pool, relu, dropout = self.layers
        size = self._chunk_size(x)
        if size >= x.shape[0]:  # not len(x), which fixes the batch in an export
            return dropout(relu(pool(self.conv(x))))
        pooled = torch.cat([pool(self.conv(chunk)) for chunk in x.split(size)])
        return dropout(relu(pooled))

    def _chunk_size(self, x):
        """Examples convolved at once: all of them except in CPU inference."""
        if (
            self.chunk_bytes is None
            or torch.is_grad_enabled()
            or x.device.type != "cpu"
            or torch.compiler.is_compiling()
        ):
            return x.shape[0]
        n_conv = (x.shape[-1] - self.kernel_size) // self.stride + 1
        per_example = self.out_channels * max(1, n_conv) * x.element_size()
        return max(1, self.chunk_bytes * torch.get_num_threads() // per_example)


def _as_int(value):
    return int(value[0]) if isinstance(value, tuple | list) else int(value)


def _stack_min_length(blocks, n_out=1):
    """Shortest input for which a chain of CPD blocks outputs ``n_out`` samples."""
    for block in reversed(list(blocks)):
        n_out = block.min_input_length(n_out)
    return n_out


class DenseHead(nn.Module):
    """Dense(``dense_units``, ReLU) → Dropout → Dense(``n_classes``) on pooled features.

    Parameters
    ----------
    in_features : int
        Size of the pooled feature vector.
    n_classes : int
        Number of outputs (logits).
    dense_units : int, default=64
        Hidden units.
    dropout : float, default=0.25
        Dropout probability after the hidden layer.

    Examples
    --------
    >>> DenseHead(96, 10)(torch.zeros(2, 96)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_features, n_classes, *, dense_units=64, dropout=0.25):
        super().__init__()
        self.in_features = in_features
        self.n_classes = n_classes
        self.dense_units = dense_units
        self.dropout = dropout
        self.layers = nn.Sequential(
            nn.Linear(in_features, dense_units),
            nn.ReLU(),
            Dropout(dropout),
            nn.Linear(dense_units, n_classes),
        )

    def forward(self, x):
        """Map features to logits.

        Parameters
        ----------
        x : Tensor of shape (batch, in_features)
            Pooled features.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
            Unnormalised class scores.
        """
        return self.layers(x)


class SincConv1d(nn.Module):
    """Band-pass convolution with learned cut-offs (SincNet, Ravanelli & Bengio 2018).

    Each filter is the difference of two windowed sinc low-pass filters, so it
    has only two parameters: its low cut-off and its band width. As in the
    authors' reference layer (``SincConv_fast``):

    - the cut-offs start evenly spaced on the Mel scale between 30 Hz and
      ``sample_rate / 2 - (min_low_hz + min_band_hz)``;
    - the low cut-off is ``min_low_hz + |low_hz_|`` and the high cut-off
      ``low + min_band_hz + |band_hz_|``, clamped to ``[min_low_hz,
      sample_rate / 2]``;
    - filters are symmetric with an odd length, windowed by a Hamming window,
      and scaled by ``1 / (2 * band)`` so the centre tap is 1;
    - there is no bias.

    The window is the symmetric Hamming window of the SincNet paper
    (``0.54 - 0.46 cos(2 pi n / (kernel_size - 1))``); the reference code
    evaluates the left half of it on a slightly stretched grid.

    Parameters
    ----------
    out_channels : int
        Number of filters.
    kernel_size : int
        Filter length in samples; must be odd.
    sample_rate : float, default=16000
        Sampling rate of the input, in Hz.
    in_channels : int, default=1
        Must be 1.
    stride : int, default=1
        Convolution stride.
    padding : int, default=0
        Zero padding on both sides.
    min_low_hz : float, default=50
        Smallest low cut-off, in Hz.
    min_band_hz : float, default=50
        Smallest band width, in Hz.

    Attributes
    ----------
    low_hz_ : Parameter of shape (out_channels, 1)
        Learned low cut-offs (before ``min_low_hz + |.|``).
    band_hz_ : Parameter of shape (out_channels, 1)
        Learned band widths (before ``min_band_hz + |.|``).

    Examples
    --------
    >>> sinc = SincConv1d(32, 251, sample_rate=8000, stride=2)
    >>> sinc(torch.zeros(4, 1, 8000)).shape
    torch.Size([4, 32, 3875])
    """

    def __init__(
        self,
        out_channels,
        kernel_size,
        *,
        sample_rate=16000,
        in_channels=1,
        stride=1,
        padding=0,
        min_low_hz=50.0,
        min_band_hz=50.0,
    ):
        super().__init__()
        if in_channels != 1:
            raise ValueError(
                f"SincConv1d only supports one input channel, got {in_channels}."
            )
        if kernel_size % 2 == 0:
            raise ValueError(
                f"SincConv1d needs an odd kernel_size (symmetric filters), got "
                f"{kernel_size}."
            )
        high_hz = sample_rate / 2 - (min_low_hz + min_band_hz)
        if high_hz <= 30:
            raise ValueError(
                f"sample_rate={sample_rate} leaves no band above 30 Hz with "
                f"min_low_hz={min_low_hz} and min_band_hz={min_band_hz}."
            )
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.sample_rate = sample_rate
        self.in_channels = in_channels
        self.stride = stride
        self.padding = padding
        self.min_low_hz = min_low_hz
        self.min_band_hz = min_band_hz

        mel = torch.linspace(
            _hz_to_mel(30.0), _hz_to_mel(high_hz), out_channels + 1, dtype=torch.float64
        )
        hz = _mel_to_hz(mel)
        self.low_hz_ = nn.Parameter(hz[:-1].float().view(-1, 1))
        self.band_hz_ = nn.Parameter(torch.diff(hz).float().view(-1, 1))

        half = kernel_size // 2
        window = torch.hamming_window(kernel_size, periodic=False, dtype=torch.float64)
        self.register_buffer("window_", window[:half].float().view(1, -1))
        # 2 pi t / sample_rate for the taps left of the centre (t < 0).
        t = torch.arange(-half, 0, dtype=torch.float64).view(1, -1)
        self.register_buffer("n_", (2 * math.pi * t / sample_rate).float())

    def cutoffs(self):
        """Return the current low and high cut-offs in Hz.

        Returns
        -------
        low, high : Tensor of shape (out_channels,)
            Cut-off frequencies.
        """
        low = self.min_low_hz + torch.abs(self.low_hz_)
        high = torch.clamp(
            low + self.min_band_hz + torch.abs(self.band_hz_),
            self.min_low_hz,
            self.sample_rate / 2,
        )
        return low[:, 0], high[:, 0]

    def filters(self):
        """Return the current filters.

        Returns
        -------
        filters : Tensor of shape (out_channels, 1, kernel_size)
            Windowed band-pass impulse responses, centre tap 1.
        """
        low, high = self.cutoffs()
        band = (high - low).view(-1, 1)
        # (sin(2 pi f_high t) - sin(2 pi f_low t)) / (pi t), the band-pass sinc
        # difference with the 2 f factors expanded (Eq. 4 of the SincNet paper).
        left = (
            (
                torch.sin(high.view(-1, 1) * self.n_)
                - torch.sin(low.view(-1, 1) * self.n_)
            )
            / (self.n_ / 2)
        ) * self.window_
        centre = 2 * band
        band_pass = torch.cat([left, centre, torch.flip(left, dims=[1])], dim=1)
        band_pass = band_pass / (2 * band)
        return band_pass.view(self.out_channels, 1, self.kernel_size)

    def forward(self, x):
        """Filter the waveforms.

        Parameters
        ----------
        x : Tensor of shape (batch, 1, n_times)
            Waveforms.

        Returns
        -------
        y : Tensor of shape (batch, out_channels, n_out)
            ``n_out = (n_times + 2 * padding - kernel_size) // stride + 1``.
        """
        return functional.conv1d(
            x, self.filters(), stride=self.stride, padding=self.padding
        )


def _hz_to_mel(hz):
    return 2595 * math.log10(1 + hz / 700)


def _mel_to_hz(mel):
    return 700 * (10 ** (mel / 2595) - 1)


class Roll(nn.Module):
    """Stack random circular time shifts of each example as channels, normalised.

    The front end of RollMix (Vrysis et al., 2020). In training mode every call
    draws new shifts for every example, uniformly from ``[0, n_times)``, from
    torch's global generator (seeded by the classifier's ``random_state``). In
    evaluation mode the shifts are fixed and evenly spaced,
    ``k * n_times // n_rolls`` for ``k = 0 .. n_rolls - 1``, so predictions
    are deterministic. The output is then standardised per example (zero mean,
    unit variance over all channels and samples).

    Parameters
    ----------
    n_rolls : int, default=4
        Shifted copies per input channel.
    eps : float, default=1e-8
        Floor of the standard deviation, so silence gives zeros.

    Examples
    --------
    >>> roll = Roll(n_rolls=3).eval()
    >>> roll(torch.arange(8.0).view(2, 1, 4)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, n_rolls=4, *, eps=1e-8):
        super().__init__()
        self.n_rolls = n_rolls
        self.eps = eps

    def shifts(self, batch_size, n_times, device=None):
        """Shifts for a batch: random in training mode, fixed in evaluation.

        Returns
        -------
        shifts : Tensor of shape (batch_size, n_rolls)
            int64 shifts in ``[0, n_times)``.
        """
        if self.training:
            return torch.randint(n_times, (batch_size, self.n_rolls), device=device)
        fixed = torch.arange(self.n_rolls, device=device) * n_times // self.n_rolls
        return fixed.expand(batch_size, -1)

    def forward(self, x):
        """Roll and normalise.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, n_times)
            Waveforms.

        Returns
        -------
        y : Tensor of shape (batch, channels * n_rolls, n_times)
            Channel ``r * channels + c`` is channel ``c`` rolled by the
            ``r``-th shift, as ``torch.roll`` would.
        """
        batch, channels, n_times = x.shape
        shifts = self.shifts(batch, n_times, device=x.device)
        time = torch.arange(n_times, device=x.device)
        index = (time - shifts[..., None]) % n_times  # (batch, n_rolls, n_times)
        index = index[:, :, None, :].expand(-1, -1, channels, -1)
        rolled = x[:, None].expand(-1, self.n_rolls, -1, -1).gather(3, index)
        rolled = rolled.reshape(batch, self.n_rolls * channels, n_times)
        rolled = rolled - rolled.mean(dim=(1, 2), keepdim=True)
        scale = rolled.std(dim=(1, 2), keepdim=True, unbiased=False)
        return rolled / scale.clamp_min(self.eps)
