"""Source separation by masking the mixture's STFT with a multi-branch Conv1D.

:class:`STFT` is skaudio's one wrapper of :func:`torch.stft` /
:func:`torch.istft`; :class:`MultiBranchConv1d` looks at the spectrogram
frames with parallel branches of different kernel sizes; :class:`MaskSeparator`
puts them together, waveform in, one waveform per source out.
"""

import torch
from torch import nn

from ._layers import Dropout, Standardize, norm_layer, positive_counts

__all__ = ["MaskSeparator", "MultiBranchConv1d", "STFT"]


class STFT(nn.Module):
    """Short-time Fourier transform and its inverse, with a Hann window.

    Parameters
    ----------
    n_fft : int, default=256
        Frame length in samples; gives ``n_fft // 2 + 1`` frequency bins.
    hop_length : int, default=64
        Samples between frames.

    Examples
    --------
    >>> stft = STFT(n_fft=64, hop_length=16)
    >>> x = torch.randn(2, 800)
    >>> spec = stft(x)
    >>> spec.shape
    torch.Size([2, 33, 51])
    >>> torch.allclose(stft.inverse(spec, 800), x, atol=1e-5)
    True
    """

    def __init__(self, n_fft=256, hop_length=64):
        super().__init__()
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    @property
    def n_freqs(self):
        """Number of frequency bins, ``n_fft // 2 + 1``."""
        return self.n_fft // 2 + 1

    def forward(self, x):
        """Complex spectrogram, frames centred (the signal reflect-padded).

        Parameters
        ----------
        x : Tensor of shape (..., n_times)
            Waveforms.

        Returns
        -------
        spec : complex Tensor of shape (..., n_freqs, n_frames)
            ``n_frames = 1 + n_times // hop_length``.
        """
        shape = x.shape
        spec = torch.stft(
            x.reshape(-1, shape[-1]),
            self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=True,
            return_complex=True,
        )
        return spec.reshape(*shape[:-1], *spec.shape[-2:])

    def inverse(self, spec, length):
        """Waveforms from complex spectrograms (overlap-add).

        Parameters
        ----------
        spec : complex Tensor of shape (..., n_freqs, n_frames)
            Spectrograms as :meth:`forward` returns them.
        length : int
            Samples of the output.

        Returns
        -------
        x : Tensor of shape (..., length)
        """
        shape = spec.shape
        x = torch.istft(
            spec.reshape(-1, *shape[-2:]),
            self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=True,
            length=length,
        )
        return x.reshape(*shape[:-2], length)


class MultiBranchConv1d(nn.Module):
    """Parallel Conv1D branches over time, concatenated along channels.

    Branch ``b`` stacks ``n_layers`` blocks ``Conv1d(kernel_sizes[b]) → norm
    → ReLU [→ Dropout]`` with ``widths[b]`` channels and "same" padding, so
    short kernels follow fast changes and long ones see context; the
    branches' outputs are concatenated.

    Parameters
    ----------
    in_channels : int
        Input channels (e.g. frequency bins).
    kernel_sizes : tuple of int, default=(3, 9, 27)
        Kernel length of each branch, in frames.
    widths : int or tuple of int, default=64
        Channels of every branch, or one count per branch.
    n_layers : int, default=2
        Blocks per branch.
    norm : {"batch", "group", "instance", "layer", "none"}, default="batch"
        Normalisation after each convolution.
    dropout : float, default=0.0
        Dropout probability after each block (in training only); 0: no
        dropout layer.

    Attributes
    ----------
    out_channels : int
        Sum of the branches' widths.

    Examples
    --------
    >>> net = MultiBranchConv1d(65, kernel_sizes=(3, 7), widths=(16, 8))
    >>> net(torch.randn(2, 65, 40)).shape
    torch.Size([2, 24, 40])
    """

    def __init__(
        self,
        in_channels,
        *,
        kernel_sizes=(3, 9, 27),
        widths=64,
        n_layers=2,
        norm="batch",
        dropout=0.0,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.kernel_sizes = kernel_sizes
        self.widths = widths
        self.n_layers = n_layers
        self.norm = norm
        self.dropout = dropout
        kernel_sizes = positive_counts(kernel_sizes, "kernel_sizes")
        if not isinstance(widths, tuple | list):
            widths = (widths,) * len(kernel_sizes)
        widths = positive_counts(
            widths, "widths", len(kernel_sizes), "branches (kernel_sizes)"
        )
        self.branches = nn.ModuleList()
        for kernel_size, width in zip(kernel_sizes, widths, strict=True):
            layers = []
            previous = in_channels
            for _ in range(n_layers):
                layers += [
                    nn.Conv1d(previous, width, kernel_size, padding="same"),
                    norm_layer(norm, width, 1),
                    nn.ReLU(),
                ]
                if dropout > 0:
                    layers.append(Dropout(dropout))
                previous = width
            self.branches.append(nn.Sequential(*layers))
        self.out_channels = sum(widths)

    def forward(self, x):
        """Run the branches and concatenate them.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_frames)

        Returns
        -------
        y : Tensor of shape (batch, out_channels, n_frames)
        """
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class MaskSeparator(nn.Module):
    """Separate a mono mixture into sources by masking its STFT.

    The log-magnitude spectrogram of the mixture, standardised per example
    (``input_norm``), goes through a :class:`MultiBranchConv1d` over frames
    (frequency bins as channels); a 1x1 convolution gives one mask per source
    and frequency bin.
    Each source is the masked mixture spectrogram, the mixture's phase kept,
    turned back into a waveform.

    Parameters
    ----------
    n_sources : int, default=2
        Sources to separate.
    n_fft : int, default=256
        STFT frame length.
    hop_length : int, default=64
        STFT hop.
    kernel_sizes : tuple of int, default=(3, 9, 27)
        Kernel length of each branch, in frames.
    widths : int or tuple of int, default=128
        Channels of every branch, or one count per branch.
    n_layers : int, default=2
        Blocks per branch.
    norm : {"batch", "group", "instance", "layer", "none"}, default="batch"
        Normalisation in the branches.
    mask : {"softmax", "sigmoid"}, default="softmax"
        ``"softmax"``: the masks sum to one in every bin (the sources share
        out the mixture); ``"sigmoid"``: each mask in [0, 1] on its own.
    dropout : float, default=0.0
        Dropout probability after each block of the branches (training only).
    input_norm : {"sample", "frequency"}, default="sample"
        Standardisation of each mixture's log-magnitude spectrogram before
        the branches: ``"sample"``, by its mean and standard deviation over
        all bins and frames; ``"frequency"``, each frequency bin by its own
        over the frames (removes the mixture's average spectrum, e.g. the
        voices' long-term colouring).

    Examples
    --------
    >>> net = MaskSeparator(n_fft=64, hop_length=16, widths=8)
    >>> net(torch.randn(3, 1, 800)).shape
    torch.Size([3, 2, 800])
    """

    def __init__(
        self,
        n_sources=2,
        *,
        n_fft=256,
        hop_length=64,
        kernel_sizes=(3, 9, 27),
        widths=128,
        n_layers=2,
        norm="batch",
        mask="softmax",
        dropout=0.0,
        input_norm="sample",
    ):
        super().__init__()
        if input_norm not in ("sample", "frequency"):
            raise ValueError(
                f"input_norm must be 'sample' or 'frequency', got {input_norm!r}."
            )
        if mask not in ("softmax", "sigmoid"):
            raise ValueError(f"mask must be 'softmax' or 'sigmoid', got {mask!r}.")
        self.n_sources = n_sources
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.kernel_sizes = kernel_sizes
        self.widths = widths
        self.n_layers = n_layers
        self.norm = norm
        self.mask = mask
        self.dropout = dropout
        self.input_norm = input_norm
        self.stft = STFT(n_fft, hop_length)
        self.standardize = Standardize(input_norm)
        self.branches = MultiBranchConv1d(
            self.stft.n_freqs,
            kernel_sizes=kernel_sizes,
            widths=widths,
            n_layers=n_layers,
            norm=norm,
            dropout=dropout,
        )
        self.to_masks = nn.Conv1d(
            self.branches.out_channels, n_sources * self.stft.n_freqs, 1
        )

    def masks(self, mixture_spec):
        """Masks of the sources for a mixture spectrogram.

        Parameters
        ----------
        mixture_spec : complex Tensor of shape (batch, n_freqs, n_frames)

        Returns
        -------
        masks : Tensor of shape (batch, n_sources, n_freqs, n_frames)
            Values in [0, 1].
        """
        features = self.standardize(torch.log(mixture_spec.abs() + 1e-6))
        logits = self.to_masks(self.branches(features))
        logits = logits.reshape(
            logits.shape[0], self.n_sources, self.stft.n_freqs, logits.shape[-1]
        )
        if self.mask == "softmax":
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits)

    def source_spectrograms(self, x):
        """Complex spectrograms of the sources: masks times the mixture's STFT.

        Parameters
        ----------
        x : Tensor of shape (batch, 1, n_times)
            Mixtures.

        Returns
        -------
        specs : complex Tensor of shape (batch, n_sources, n_freqs, n_frames)
            Each source's masked mixture spectrogram (the mixture's phase).
        """
        spec = self.stft(x[:, 0])
        return self.masks(spec) * spec.unsqueeze(1)

    def forward(self, x):
        """Separate.

        Parameters
        ----------
        x : Tensor of shape (batch, 1, n_times)
            Mixtures.

        Returns
        -------
        sources : Tensor of shape (batch, n_sources, n_times)
            Estimated source waveforms.
        """
        return self.stft.inverse(self.source_spectrograms(x), x.shape[-1])
