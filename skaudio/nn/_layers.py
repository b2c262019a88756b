"""Layers and checks shared by the networks of skaudio.nn."""

from numbers import Integral

import torch
from torch import nn
from torch.autograd.function import once_differentiable

NORMS = ("batch", "group", "instance", "layer")


def as_pair(value):
    """Return ``value`` as a ``(frequency, time)`` pair.

    Parameters
    ----------
    value : int or tuple of (int, int)
        One size for both axes, or separate sizes.

    Returns
    -------
    pair : tuple of (int, int)
    """
    if isinstance(value, tuple | list):
        frequency, time = value
        return int(frequency), int(time)
    return int(value), int(value)


def norm_layer(norm, n_channels, ndim):
    """Make a normalisation layer for ``(batch, n_channels, ...)`` activations.

    Parameters
    ----------
    norm : {"batch", "group", "instance", "layer", "none"} or None
        ``"batch"``: ``BatchNorm1d``/``BatchNorm2d``, which evaluates with
        running statistics and so can behave differently in ``eval`` mode than
        in training. The other three have no running statistics and compute
        the same thing in training and evaluation: ``"group"`` is
        ``GroupNorm`` with groups of (up to) 8 channels, ``"instance"``
        normalises each channel of each example, ``"layer"`` all channels of
        each example together. ``None`` or ``"none"`` gives ``nn.Identity``.
    n_channels : int
        Number of channels.
    ndim : {1, 2}
        Number of spatial axes (1 for sequences, 2 for images).

    Returns
    -------
    layer : nn.Module
    """
    if norm is None or norm == "none":
        return nn.Identity()
    if norm == "batch":
        return (nn.BatchNorm1d if ndim == 1 else nn.BatchNorm2d)(n_channels)
    if norm == "group":
        n_groups = max(1, n_channels // 8)
        while n_channels % n_groups:
            n_groups -= 1
        return nn.GroupNorm(n_groups, n_channels)
    if norm == "instance":
        return nn.GroupNorm(n_channels, n_channels)
    if norm == "layer":
        return nn.GroupNorm(1, n_channels)
    raise ValueError(f"norm must be one of {NORMS} or None, got {norm!r}.")


def global_pool(x, dims, mode):
    """Pool ``x`` over ``dims`` by average, maximum or their sum.

    Parameters
    ----------
    x : Tensor
        Activations.
    dims : tuple of int
        Axes to pool away.
    mode : {"avg", "max", "avgmax"}
        ``"avgmax"`` adds the average and the maximum.

    Returns
    -------
    pooled : Tensor
        ``x`` without the axes ``dims``.
    """
    if mode == "avg":
        return x.mean(dim=dims)
    if mode == "max":
        return x.amax(dim=dims)
    if mode == "avgmax":
        return x.mean(dim=dims) + x.amax(dim=dims)
    raise ValueError(f"global_pool must be 'avg', 'max' or 'avgmax', got {mode!r}.")


def random_band(x, dim, width):
    """Boolean mask, broadcastable to ``x``, of one random band per example.

    Parameters
    ----------
    x : Tensor of shape (batch, ...)
        The examples.
    dim : int
        The axis the band lies along.
    width : int
        Largest band width; each example's is drawn from ``0 .. width``.

    Returns
    -------
    band : Tensor of bool, ``x.shape[dim]`` long on ``dim`` and 1 elsewhere
        but the batch axis.
    """
    n, size = x.shape[0], x.shape[dim]
    widths = torch.randint(0, min(width, size) + 1, (n, 1), device=x.device)
    starts = (torch.rand(n, 1, device=x.device) * (size - widths + 1)).long()
    positions = torch.arange(size, device=x.device)
    band = (positions >= starts) & (positions < starts + widths)
    shape = [n] + [1] * (x.ndim - 1)
    shape[dim] = size
    return band.view(shape)


class RandomMasking(nn.Module):
    """Mask random bands of frequency and spans of time, in training only.

    SpecAugment-style augmentation (Park et al., 2019) that differs at every
    training step; in ``eval`` mode the layer is the identity. Each example
    gets its own band of ``0..freq_width`` consecutive frequency bins and its
    own span of ``0..time_width`` consecutive frames, both filled with the
    example's mean. Randomness comes from torch's generator.

    Parameters
    ----------
    freq_width : int, default=0
        Widest frequency band to mask (0: none).
    time_width : int, default=0
        Longest time span to mask (0: none).

    Examples
    --------
    >>> layer = RandomMasking(freq_width=4, time_width=4).eval()
    >>> x = torch.randn(2, 1, 16, 8)
    >>> bool((layer(x) == x).all())
    True
    """

    def __init__(self, freq_width=0, time_width=0):
        super().__init__()
        self.freq_width = freq_width
        self.time_width = time_width

    def forward(self, x):
        """Mask ``x`` when training.

        Parameters
        ----------
        x : Tensor of shape (batch, ..., n_freqs, n_frames)
            Spectrogram images ``(batch, channels, n_freqs, n_frames)`` or
            feature sequences ``(batch, n_features, n_frames)``.

        Returns
        -------
        y : Tensor of the same shape
        """
        if not self.training or not (self.freq_width or self.time_width):
            return x
        fill = x.mean(dim=tuple(range(1, x.ndim)), keepdim=True)
        mask = random_band(x, -2, self.freq_width) | random_band(x, -1, self.time_width)
        return torch.where(mask, fill, x)


class Dropout(nn.Dropout):
    """``nn.Dropout`` that draws its CPU training mask nearly three times faster.

    On the CPU, ``nn.Dropout`` draws its mask with ``bernoulli_``, which runs
    element by element (pytorch/pytorch#138199) and took a tenth of a
    training step of the MFCC sequence network. This layer draws
    ``rand_like(x) >= p`` instead, as PyTorch's own compiler (Inductor)
    decomposes ``bernoulli``: the same distribution (each element kept with
    probability ``1 - p`` and scaled by ``1 / (1 - p)``) from other random
    numbers, so a seeded CPU fit is repeatable but differs from one with
    ``nn.Dropout``. Evaluation, other devices, ``p`` of 0 or 1 and
    ``inplace=True`` take ``nn.Dropout``'s path.

    Parameters
    ----------
    p : float, default=0.5
        Probability of zeroing an element.
    inplace : bool, default=False
        As ``nn.Dropout``'s.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> y = Dropout(0.25)(torch.ones(100_000))
    >>> y.unique()
    tensor([0.0000, 1.3333])
    >>> round(float((y == 0).float().mean()), 2)
    0.25
    """

    def forward(self, x):
        """Zero each element with probability ``p`` in training.

        Parameters
        ----------
        x : Tensor of any shape

        Returns
        -------
        y : Tensor of the same shape
        """
        if (
            not self.training
            or self.inplace
            or x.device.type != "cpu"
            or self.p in (0.0, 1.0)
        ):
            return super().forward(x)
        mask = torch.rand_like(x).ge_(self.p).mul_(1.0 / (1.0 - self.p))
        return x * mask


class _WindowMax(torch.autograd.Function):
    """1-D max pooling over non-overlapping windows, the fast CPU way.

    With a gradient, PyTorch's CPU ``max_pool1d`` records the index of every
    maximum (``max_pool1d_with_indices``), about ten times slower than its
    kernel without indices, which it uses only when no gradient is needed.
    This function pools with that kernel and finds each window's first
    maximum again in the backward pass, so that values and gradients, ties
    included, equal ``max_pool1d``'s for inputs without NaN.
    """

    @staticmethod
    def forward(ctx, x, size, ceil_mode):
        ctx.save_for_backward(x)
        ctx.size, ctx.ceil_mode = size, ceil_mode
        return nn.functional.max_pool1d(x.detach(), size, size, ceil_mode=ceil_mode)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        size, n_times = ctx.size, x.shape[-1]
        # Pooled again rather than saved: the layer after (an in-place ReLU)
        # may modify the output.
        out = nn.functional.max_pool1d(x, size, size, ceil_mode=ctx.ceil_mode)
        length = out.shape[-1] * size  # past the end with ceil_mode
        if length > n_times:
            x = nn.functional.pad(x, (0, length - n_times), value=-float("inf"))
        grad = torch.empty_like(x)  # the windows below write all but the tail
        grad[..., length:] = 0.0
        windows = x[..., :length].unflatten(-1, (-1, size))
        grad_windows = grad[..., :length].unflatten(-1, (-1, size))
        free = None  # windows whose first maximum is not found yet
        for i in range(size):
            hit = windows[..., i] == out
            if free is not None:
                hit.logical_and_(free)
            torch.mul(grad_out, hit, out=grad_windows[..., i])
            if i < size - 1:
                free = hit.logical_not() if free is None else free.logical_and_(~hit)
        return grad[..., :n_times], None, None


class MaxPool1d(nn.MaxPool1d):
    """``nn.MaxPool1d`` whose CPU training pass is faster.

    Windows never overlap (the stride is the window length, no padding or
    dilation). For an input that needs a gradient on the CPU, it computes the
    same values and gradients as ``nn.MaxPool1d`` (for inputs without NaN)
    with :class:`_WindowMax`; anything else takes ``nn.MaxPool1d``'s path.
    (2-D pooling needs no such layer: the spectrogram networks' activations
    are channels-last, for which PyTorch's own 2-D kernel is fast.)

    Parameters
    ----------
    kernel_size : int
        Window length.
    ceil_mode : bool, default=False
        Keep a last, shorter window.

    Examples
    --------
    >>> x = torch.tensor([[[1.0, 3.0, 2.0, 2.0, 5.0]]], requires_grad=True)
    >>> y = MaxPool1d(2, ceil_mode=True)(x)
    >>> y.sum().backward()
    >>> y.tolist(), x.grad.tolist()
    ([[[3.0, 2.0, 5.0]]], [[[0.0, 1.0, 1.0, 0.0, 1.0]]])
    """

    def __init__(self, kernel_size, ceil_mode=False):
        super().__init__(kernel_size, ceil_mode=ceil_mode)

    def forward(self, x):
        """Pool over time.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, n_times)

        Returns
        -------
        y : Tensor of shape (batch, channels, n_out)
        """
        if (
            x.requires_grad
            and torch.is_grad_enabled()
            and x.device.type == "cpu"
            and x.shape[-1] >= self.kernel_size
            and not torch.compiler.is_compiling()
        ):
            return _WindowMax.apply(x, self.kernel_size, self.ceil_mode)
        return super().forward(x)


class Standardize(nn.Module):
    """Standardise each example from its own statistics (no learned state).

    Makes a network indifferent to the scale of its input features (e.g. dB
    values as they come from :class:`skaudio.MelTransformer`), and behaves
    the same in training and evaluation.

    Parameters
    ----------
    mode : {"sample", "frequency", "none"} or None, default="sample"
        ``"sample"``: zero mean and unit variance over the whole example;
        ``"frequency"``: over time, separately for each frequency band (or
        feature) and channel — cepstral mean and variance normalisation,
        which removes a fixed channel/microphone colouring. ``None`` or
        ``"none"``: identity.
    eps : float, default=1e-5
        Added to the variance.

    Examples
    --------
    >>> x = 3 + 2 * torch.randn(2, 1, 8, 50)
    >>> y = Standardize()(x)
    >>> round(float(y[0].mean()), 4) + 0.0, round(float(y[0].std()), 1)
    (0.0, 1.0)
    """

    def __init__(self, mode="sample", eps=1e-5):
        super().__init__()
        self.mode = mode
        self.eps = eps
        if mode not in ("sample", "frequency", "none", None):
            raise ValueError(
                f"mode must be 'sample', 'frequency' or None, got {mode!r}."
            )

    def forward(self, x):
        """Standardise.

        Parameters
        ----------
        x : Tensor of shape (batch, ..., n_frames)
            Spectrograms or feature sequences, time last.

        Returns
        -------
        y : Tensor of the same shape
        """
        if self.mode is None or self.mode == "none":
            return x
        dims = tuple(range(1, x.ndim)) if self.mode == "sample" else (-1,)
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, keepdim=True, unbiased=False)
        return (x - mean) * torch.rsqrt(var + self.eps)


class FrequencyCoordinate(nn.Module):
    """Append a channel holding each bin's position along frequency.

    Convolutions and global pooling are blind to where a pattern sits in the
    spectrum; this "CoordConv" channel, ``-1`` at the lowest frequency bin and
    ``1`` at the highest, lets them see it at any input size.

    Examples
    --------
    >>> FrequencyCoordinate()(torch.zeros(2, 1, 3, 4))[0, 1, :, 0].tolist()
    [-1.0, 0.0, 1.0]
    """

    def forward(self, x):
        """Append the coordinate channel.

        Parameters
        ----------
        x : Tensor of shape (batch, n_channels, n_freqs, n_frames)
            Spectrograms.

        Returns
        -------
        y : Tensor of shape (batch, n_channels + 1, n_freqs, n_frames)
        """
        n, _, n_freqs, n_frames = x.shape
        position = torch.linspace(-1, 1, n_freqs, device=x.device, dtype=x.dtype)
        position = position.view(1, 1, n_freqs, 1).expand(n, 1, n_freqs, n_frames)
        return torch.cat([x, position], dim=1)


def block_widths(filters, n_blocks, filter_growth=1, blocks="blocks"):
    """Channels of each block: the one meaning of ``filters`` in skaudio.nn.

    Parameters
    ----------
    filters : int or sequence of int
        Filters of the first block, multiplied by ``filter_growth`` at each
        following block; or one count per block.
    n_blocks : int
        Number of blocks.
    filter_growth : int, default=1
        Factor between the filters of consecutive blocks when ``filters`` is
        an int (``1``: every block has ``filters``; ``2``: doubled per block).
    blocks : str, default="blocks"
        What a block is called in the error message (e.g. "hidden layers").

    Returns
    -------
    widths : list of int
        One count per block.

    Examples
    --------
    >>> block_widths(16, 3, filter_growth=2)
    [16, 32, 64]
    >>> block_widths((8, 4), 2)
    [8, 4]
    """
    if isinstance(filters, tuple | list):
        return list(positive_counts(filters, "filters", n_blocks, blocks))
    (first,) = positive_counts((filters,), "filters")
    return [first * filter_growth**b for b in range(n_blocks)]


def positive_counts(values, name, count=None, per="blocks"):
    """Return ``values`` as a tuple of ints, refusing any that is not >= 1.

    Parameters
    ----------
    values : sequence of int
        Filter counts, kernel sizes, ...
    name : str
        The parameter's name, for the error message.
    count : int, default=None
        Number of values required (``None``: at least one).
    per : str, default="blocks"
        What each value is for, in the error message ("layers", ...).

    Returns
    -------
    values : tuple of int

    Examples
    --------
    >>> positive_counts([16, 32], "filters", 2)
    (16, 32)
    """
    values = tuple(values)
    if count is not None and len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries for {count} {per}.")
    if not values:
        raise ValueError(f"{name} needs at least one entry, got {values!r}.")
    if not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in values
    ):
        raise ValueError(f"{name} must hold whole numbers >= 1, got {values!r}.")
    return tuple(int(v) for v in values)
