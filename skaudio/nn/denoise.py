"""Denoising autoencoder on raw waveforms."""

from torch import nn

from ._layers import block_widths, norm_layer

__all__ = ["ConvDenoiser"]


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
