"""A broadcasted residual network for spectrograms (BC-ResNet-like).

After Kim et al., "Broadcasted Residual Learning for Efficient Keyword
Spotting" (Interspeech 2021): each block runs a depthwise convolution along
frequency on the 2D features, then averages over frequency and runs a
depthwise temporal convolution and a pointwise convolution on the resulting
1D sequence, whose output is broadcast back over frequency and added to both
residual paths. Small (7.7k parameters for 10 classes at ``width=1``,
24k at 2, 50k at 3, 309k at 8) and indifferent to the number of bands and frames.
"""

import torch
from torch import nn

from ._layers import Dropout, Standardize, norm_layer

__all__ = ["BCResNet"]


class _BroadcastBlock(nn.Module):
    """One broadcasted residual block (``transition`` when channels change)."""

    def __init__(self, in_channels, out_channels, *, stride, dilation, norm, dropout):
        super().__init__()
        self.transition = in_channels != out_channels
        layers = []
        if self.transition:
            layers += [
                nn.Conv2d(in_channels, out_channels, 1, bias=False),
                norm_layer(norm, out_channels, 2),
                nn.ReLU(),
            ]
        layers += [
            nn.Conv2d(
                out_channels,
                out_channels,
                (3, 1),
                stride=(stride, 1),
                padding=(1, 0),
                groups=out_channels,
                bias=False,
            ),
            norm_layer(norm, out_channels, 2),
        ]
        self.frequency = nn.Sequential(*layers)
        self.temporal = nn.Sequential(
            nn.Conv1d(
                out_channels,
                out_channels,
                3,
                padding=dilation,
                dilation=dilation,
                groups=out_channels,
                bias=False,
            ),
            norm_layer(norm, out_channels, 1),
            nn.SiLU(),
            nn.Conv1d(out_channels, out_channels, 1, bias=False),
            Dropout(dropout),
        )

    def forward(self, x):
        shortcut = x
        x = self.frequency(x)
        broadcast = self.temporal(x.mean(dim=2)).unsqueeze(2)
        if self.transition:
            return torch.relu(x + broadcast)
        return torch.relu(shortcut + x + broadcast)


class BCResNet(nn.Module):
    """Broadcasted residual CNN on spectrograms, returning logits.

    ``5×5`` stem (stride 2 in frequency), four stages of broadcasted residual
    blocks (2, 2, 4, 4 blocks; 8, 12, 16, 20 channels times ``width``;
    frequency halved entering stages 2 and 3; temporal dilations 1, 2, 4, 8),
    a depthwise ``5×5`` and pointwise head, then average pooling over
    frequency and time.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of classes.
    width : int, default=2
        Width multiplier (BC-ResNet-``width``): 7.7k parameters for 10
        classes at 1, 24k at 2, 50k at 3, 309k at 8.
    norm : {"batch", "group", "instance", "layer", "none"}, default="group"
        Normalisation after each convolution; ``"group"`` behaves the same in
        training and evaluation (the original uses batch / sub-spectral
        normalisation).
    dropout : float, default=0.1
        Dropout after each block's temporal branch.
    input_norm : {"sample", "frequency", "none"}, default="frequency"
        Standardisation of each input example; ``"frequency"`` is
        per-utterance cepstral mean and variance normalisation (each band
        over time), which removes a fixed microphone or channel colouring.

    Examples
    --------
    >>> import torch
    >>> net = BCResNet(n_classes=10, width=1)
    >>> net(torch.randn(2, 1, 64, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        width=2,
        norm="group",
        dropout=0.1,
        input_norm="frequency",
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.width = width
        self.norm = norm
        self.dropout = dropout
        self.input_norm = input_norm
        channels = [8 * width, 12 * width, 16 * width, 20 * width]
        stem = 16 * width
        self.input_layer = Standardize(input_norm)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem, 5, stride=(2, 1), padding=2, bias=False),
            norm_layer(norm, stem, 2),
            nn.ReLU(),
        )
        blocks, previous = [], stem
        for stage, (n_blocks, out, dilation) in enumerate(
            zip((2, 2, 4, 4), channels, (1, 2, 4, 8), strict=True)
        ):
            for i in range(n_blocks):
                stride = 2 if i == 0 and stage in (1, 2) else 1
                blocks.append(
                    _BroadcastBlock(
                        previous,
                        out,
                        stride=stride,
                        dilation=dilation,
                        norm=norm,
                        dropout=dropout,
                    )
                )
                previous = out
        self.blocks = nn.Sequential(*blocks)
        head = 32 * width
        self.head = nn.Sequential(
            nn.Conv2d(previous, previous, 5, padding=2, groups=previous, bias=False),
            nn.Conv2d(previous, head, 1, bias=False),
            norm_layer(norm, head, 2),
            nn.ReLU(),
        )
        self.classifier = nn.Conv1d(head, n_classes, 1)

    def forward(self, x):
        """Compute logits.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_freqs, n_frames)
            Spectrograms (e.g. log-Mel in dB); a 3D tensor is one channel.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        if x.ndim == 3:
            x = x.unsqueeze(1)
        x = self.head(self.blocks(self.stem(self.input_layer(x))))
        return self.classifier(x.mean(dim=2)).mean(dim=2)
