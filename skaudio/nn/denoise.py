"""Denoising autoencoder on raw waveforms."""

import torch
from torch import nn

from ._layers import block_widths, norm_layer

__all__ = ["ConvDenoiser", "MaskingDenoiser"]


class ConvDenoiser(nn.Module):
    """Waveform-to-waveform network of same-padded Conv1d layers.

    ``n_layers`` hidden layers ``Conv1d → norm → ReLU`` keep the length of the
    signal ("same" padding, stride 1); a last ``Conv1d`` maps back to the
    input's channels. With ``residual=True`` the network estimates the noise
    and returns the input minus that estimate. Each example is divided by its
    standard deviation on the way in and multiplied by it on the way out, so
    the network does not depend on the recording level.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the waveforms (the output has as many).
    n_layers : int, default=6
        Hidden convolution layers.
    filters : int or tuple of int, default=32
        Channels of the first hidden layer, multiplied by ``filter_growth`` at
        each following layer; or one count per layer.
    filter_growth : int, default=1
        Factor between the channels of consecutive hidden layers when
        ``filters`` is an int (the default keeps every layer at ``filters``).
    kernel_size : int, default=9
        Convolution length in samples.
    dilation_growth : int, default=1
        Hidden layer ``i`` has dilation ``dilation_growth ** i``; ``2``
        doubles the receptive field at each layer.
    norm : {"batch", "group", "instance", "layer", "none"}, default="batch"
        Normalisation after each hidden convolution.
    residual : bool, default=True
        Predict the noise and subtract it, rather than the clean signal.

    Examples
    --------
    >>> import torch
    >>> net = ConvDenoiser(n_layers=3, filters=8)
    >>> net(torch.randn(2, 1, 400)).shape
    torch.Size([2, 1, 400])
    """

    def __init__(
        self,
        in_channels=1,
        *,
        n_layers=6,
        filters=32,
        filter_growth=1,
        kernel_size=9,
        dilation_growth=1,
        norm="batch",
        residual=True,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_layers = n_layers
        self.filters = filters
        self.filter_growth = filter_growth
        self.kernel_size = kernel_size
        self.dilation_growth = dilation_growth
        self.norm = norm
        self.residual = residual
        widths = block_widths(filters, n_layers, filter_growth, "hidden layers")
        layers = []
        previous = in_channels
        for i, width in enumerate(widths):
            layers += [
                nn.Conv1d(
                    previous,
                    width,
                    kernel_size,
                    padding="same",
                    dilation=dilation_growth**i,
                    bias=norm in (None, "none"),
                ),
                norm_layer(norm, width, 1),
                nn.ReLU(),
            ]
            previous = width
        layers.append(nn.Conv1d(previous, in_channels, kernel_size, padding="same"))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        """Denoise.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Noisy waveforms.

        Returns
        -------
        y : Tensor of shape (batch, in_channels, n_times)
            Estimated clean waveforms.
        """
        scale = x.std(dim=(1, 2), keepdim=True) + 1e-5
        x = x / scale
        y = self.layers(x)
        if self.residual:
            y = x - y
        return y * scale


class MaskingDenoiser(nn.Module):
    """Learned-encoder masking denoiser on raw waveforms (Conv-TasNet-like).

    A strided ``Conv1d`` encoder (``encoder_channels`` filters of length
    ``2 * encoder_stride``, hop ``encoder_stride``, then ReLU) turns the
    waveform into frames; a stack of residual blocks over those frames
    predicts a mask in [0, 1] (sigmoid) for each encoder channel and frame;
    the masked encoding is turned back into a waveform by a
    ``ConvTranspose1d`` decoder with the encoder's filter length and hop.
    Each block is ``Conv1d(kernel_size, dilation) → norm → PReLU →
    Conv1d(1×1)`` added to its input (same padding, so the frames stay
    aligned); the dilation of block ``i`` is ``dilation_growth ** (i %
    n_layers)``, restarting for each of the ``n_repeats`` stacks. Working on
    frames ``encoder_stride`` samples apart makes each block that much
    cheaper than a convolution over samples, and widens its receptive field
    by the same factor. Each example is divided by its standard deviation on
    the way in and multiplied by it on the way out.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the waveforms (the output has as many).
    encoder_channels : int, default=128
        Filters of the encoder (and of the decoder).
    encoder_stride : int, default=8
        Hop of the encoder in samples; its filters are twice as long.
    n_layers : int, default=8
        Residual blocks per stack.
    n_repeats : int, default=2
        Stacks of ``n_layers`` blocks; the dilations restart with each.
    filters : int, default=64
        Channels of every residual block (one width: not a tuple).
    kernel_size : int, default=3
        Length of the blocks' dilated convolution, in frames.
    dilation_growth : int, default=2
        Block ``i`` of a stack has dilation ``dilation_growth ** i``.
    norm : {"batch", "group", "instance", "layer", "none"}, default="layer"
        Normalisation in each block (and of the encoding before the blocks).

    Examples
    --------
    >>> import torch
    >>> net = MaskingDenoiser(encoder_channels=16, n_layers=2, filters=8)
    >>> net(torch.randn(2, 1, 403)).shape
    torch.Size([2, 1, 403])
    """

    def __init__(
        self,
        in_channels=1,
        *,
        encoder_channels=128,
        encoder_stride=8,
        n_layers=8,
        n_repeats=2,
        filters=64,
        kernel_size=3,
        dilation_growth=2,
        norm="layer",
    ):
        super().__init__()
        self.in_channels = in_channels
        self.encoder_channels = encoder_channels
        self.encoder_stride = encoder_stride
        self.n_layers = n_layers
        self.n_repeats = n_repeats
        self.filters = filters
        self.kernel_size = kernel_size
        self.dilation_growth = dilation_growth
        self.norm = norm
        if isinstance(filters, tuple | list):
            raise ValueError(
                "MaskingDenoiser's residual blocks all have the same width: "
                f"filters must be an int, got {filters!r}."
            )
        window = 2 * encoder_stride
        self.encoder = nn.Conv1d(
            in_channels, encoder_channels, window, stride=encoder_stride, bias=False
        )
        self.decoder = nn.ConvTranspose1d(
            encoder_channels, in_channels, window, stride=encoder_stride, bias=False
        )
        self.bottleneck = nn.Sequential(
            norm_layer(norm, encoder_channels, 1),
            nn.Conv1d(encoder_channels, filters, 1),
        )
        self.blocks = nn.ModuleList(
            _ResidualBlock(
                filters, kernel_size, dilation_growth ** (i % n_layers), norm
            )
            for i in range(n_layers * n_repeats)
        )
        self.mask = nn.Sequential(
            nn.PReLU(), nn.Conv1d(filters, encoder_channels, 1), nn.Sigmoid()
        )

    def forward(self, x):
        """Denoise.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_times)
            Noisy waveforms, of any length.

        Returns
        -------
        y : Tensor of shape (batch, in_channels, n_times)
            Estimated clean waveforms.
        """
        n_times = x.shape[-1]
        stride = self.encoder_stride
        scale = x.std(dim=(1, 2), keepdim=True) + 1e-5
        # one hop of padding at each end so every sample is covered by two
        # frames, and enough at the end for a whole number of hops
        x = nn.functional.pad(x / scale, (stride, stride + (-n_times) % stride))
        encoded = torch.relu(self.encoder(x))
        h = self.bottleneck(encoded)
        for block in self.blocks:
            h = block(h)
        y = self.decoder(encoded * self.mask(h))
        return y[..., stride : stride + n_times] * scale


class _ResidualBlock(nn.Module):
    """``x + Conv1d(1×1)(PReLU(norm(Conv1d(kernel_size, dilation)(x))))``."""

    def __init__(self, channels, kernel_size, dilation, norm):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv1d(
                channels,
                channels,
                kernel_size,
                padding="same",
                dilation=dilation,
                bias=norm in (None, "none"),
            ),
            norm_layer(norm, channels, 1),
            nn.PReLU(),
            nn.Conv1d(channels, channels, 1),
        )

    def forward(self, x):
        """Return ``x`` plus the block's output, of the same shape."""
        return x + self.layers(x)
