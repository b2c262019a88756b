"""2D convolutional networks over spectrogram images.

Input is ``(batch, in_channels, n_freqs, n_frames)`` — e.g. a log-Mel
spectrogram from :class:`skaudio.MelTransformer` — and output is logits of
shape ``(batch, n_classes)``. Every network ends in global pooling, so any
input size works.

Frequency is not translation-invariant the way image axes are: a pattern one
octave up is a different sound. Two options of :class:`SpectrogramCNN` account
for that:

- anisotropic kernels, ``kernel_size=(n_freq, n_time)``: tall kernels
  (e.g. ``(7, 3)``) see harmonics and formants together, long ones
  (e.g. ``(3, 7)``) follow the temporal envelope;
- pooling restricted along frequency, ``pool=(1, 2)`` or ``(2, 4)``:
  keeps frequency resolution (where a sound is in the spectrum) while
  shrinking time (when it happens), for classes told apart by pitch or
  spectral position rather than by shape.

Square kernels and pools (the defaults) suit speech-like classes whose
patterns move in frequency between speakers.
"""

import torch
from torch import nn

from ._layers import (
    Dropout,
    FrequencyCoordinate,
    RandomMasking,
    Standardize,
    as_pair,
    block_widths,
    global_pool,
    norm_layer,
)

__all__ = [
    "SIMPLE_SPECTROGRAM_CNN",
    "SpectrogramCNN",
    "VisionBackbone",
    "simple_spectrogram_cnn",
]


class SpectrogramCNN(nn.Module):
    """VGG-like 2D CNN: blocks of convolutions, then global pooling.

    Block ``b`` has ``convs_per_block`` convolutions (same padding), each
    followed by normalisation and ReLU; blocks are separated by max pooling
    (``ceil_mode``, so a 1-bin axis never vanishes) and dropout. The last
    block is pooled globally and a linear layer gives the logits. The ReLU
    before each pooling runs after it, on fewer values; ReLU is
    non-decreasing, so the two commute and the values are the same.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of outputs.
    input_norm : {"sample", "frequency"} or None, default="sample"
        Standardisation of each input example (see
        ``Standardize``): the network then takes dB
        features as they are. ``"frequency"`` normalises each band over time,
        removing a fixed channel colouring.
    n_blocks : int, default=4
        Number of convolution blocks.
    filters : int or tuple of int, default=16
        Filters of the first block, multiplied by ``filter_growth`` at each
        following block; or one count per block.
    filter_growth : int, default=2
        Factor between the filters of consecutive blocks when ``filters`` is
        an int (the default doubles them per block).
    convs_per_block : int, default=1
        Convolutions per block; 2 is the classic VGG block, at about twice
        the computation.
    kernel_size : int or tuple of (int, int), default=3
        ``(frequency, time)`` kernel size; see the module docstring.
    pool : int or tuple of (int, int), default=2
        ``(frequency, time)`` max-pooling between blocks; ``(1, k)`` pools
        time only.
    norm : {"batch", "group", "instance", "layer"} or None, default="group"
        Normalisation after each convolution. ``"group"`` has no running
        statistics, so evaluation computes exactly what training did;
        ``"batch"`` is usually as accurate at the end but its running
        statistics make the evaluated accuracy jump between epochs.
    dropout : float, default=0.2
        Dropout after each pooling and before the linear layer.
    global_pool : {"avg", "max", "avgmax"}, default="avgmax"
        Pooling over frequency and time at the end.
    freq_mask : int, default=0
        Training-only augmentation: widest random frequency band masked in
        each example (``RandomMasking``).
    time_mask : int, default=0
        Training-only augmentation: longest random time span masked.
    freq_coordinate : bool, default=False
        Append an input channel holding each bin's position along frequency
        (``-1`` at the lowest band, ``1`` at the highest), so that the
        convolutions and the global pooling can use where a pattern is in the
        spectrum, not only its shape (a "CoordConv" input).

    Attributes
    ----------
    features : nn.Sequential
        The convolution blocks.
    classifier : nn.Linear
        The output layer.

    See Also
    --------
    simple_spectrogram_cnn : The minimal two-convolution network.
    VisionBackbone : ResNet / EfficientNet from torchvision.

    Examples
    --------
    >>> net = SpectrogramCNN(n_classes=10, n_blocks=3)
    >>> net(torch.zeros(2, 1, 64, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels=1,
        n_classes=10,
        input_norm="sample",
        n_blocks=4,
        filters=16,
        filter_growth=2,
        convs_per_block=1,
        kernel_size=3,
        pool=2,
        norm="group",
        dropout=0.2,
        global_pool="avgmax",
        freq_mask=0,
        time_mask=0,
        freq_coordinate=False,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.input_norm = input_norm
        self.n_blocks = n_blocks
        self.filters = filters
        self.filter_growth = filter_growth
        self.convs_per_block = convs_per_block
        self.kernel_size = kernel_size
        self.pool = pool
        self.norm = norm
        self.dropout = dropout
        self.global_pool = global_pool
        self.freq_mask = freq_mask
        self.time_mask = time_mask
        self.freq_coordinate = freq_coordinate

        widths = block_widths(filters, n_blocks, filter_growth)
        kernel = as_pair(kernel_size)
        padding = (kernel[0] // 2, kernel[1] // 2)
        layers = [Standardize(input_norm), RandomMasking(freq_mask, time_mask)]
        if freq_coordinate:
            layers.append(FrequencyCoordinate())
            in_channels += 1
        for b, width in enumerate(widths):
            if b:
                # The previous block's last ReLU goes after the pooling: ReLU
                # is non-decreasing, so they commute, and it runs on fewer values.
                relu = layers.pop()
                layers += [nn.MaxPool2d(as_pair(pool), ceil_mode=True), relu]
                layers += [Dropout(dropout)] if dropout else []
            for _ in range(convs_per_block):
                layers += [
                    nn.Conv2d(
                        in_channels,
                        width,
                        kernel,
                        padding=padding,
                        bias=norm in (None, "none"),
                    ),
                    norm_layer(norm, width, ndim=2),
                    nn.ReLU(inplace=True),
                ]
                in_channels = width
        # oneDNN's CPU convolutions run up to 2.6 times as fast on channels-last
        # weights and inputs (benchmarks/results/efficiency.md), with the same
        # results to float rounding: the weights are stored so, and forward
        # converts its input once.
        self.features = nn.Sequential(*layers).to(memory_format=torch.channels_last)
        self.head_dropout = Dropout(dropout)
        self.classifier = nn.Linear(in_channels, n_classes)

    def forward(self, x):
        """Compute logits.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_freqs, n_frames)
            Spectrograms; a 3D tensor ``(batch, n_freqs, n_frames)`` is
            treated as one channel.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        if x.ndim == 3:
            x = x.unsqueeze(1)
        x = x.contiguous(memory_format=torch.channels_last)
        x = global_pool(self.features(x), (2, 3), self.global_pool)
        return self.classifier(self.head_dropout(x))


#: Arguments of :class:`SpectrogramCNN` that make the minimal CNN of
#: :func:`simple_spectrogram_cnn` (the ``"simple"`` preset of
#: :mod:`skaudio.presets`).
SIMPLE_SPECTROGRAM_CNN = {
    "n_blocks": 2,
    "filters": 16,
    "convs_per_block": 1,
    "norm": None,
    "dropout": 0.0,
    "global_pool": "avg",
}


def simple_spectrogram_cnn(**kwargs):
    """Make the minimal 2D CNN of the source material.

    ``Conv2d(in_channels→16, 3×3) → ReLU → MaxPool(2) → Conv2d(16→32, 3×3) →
    ReLU → global average pool → Linear``, with same padding so that any
    input size works, after the per-spectrogram standardisation of the seed
    pipeline (``input_norm="sample"``). 5,130 parameters for 10 classes.

    Parameters
    ----------
    **kwargs : dict
        Arguments of :class:`SpectrogramCNN` (``in_channels``, ``n_classes``,
        ...), replacing those of ``SIMPLE_SPECTROGRAM_CNN``.

    Returns
    -------
    net : SpectrogramCNN

    Examples
    --------
    >>> net = simple_spectrogram_cnn(n_classes=10)
    >>> sum(p.numel() for p in net.parameters())
    5130
    """
    return SpectrogramCNN(**{**SIMPLE_SPECTROGRAM_CNN, **kwargs})


def _first_conv_path(architecture):
    """Attribute path of the first convolution of a torchvision network."""
    return ("conv1",) if architecture.startswith("resnet") else ("features", 0, 0)


def _classifier_path(architecture):
    """Attribute path of the final linear layer of a torchvision network."""
    return ("fc",) if architecture.startswith("resnet") else ("classifier", 1)


def _get(module, path):
    for step in path:
        module = module[step] if isinstance(step, int) else getattr(module, step)
    return module


def _set(module, path, value):
    parent = _get(module, path[:-1])
    if isinstance(path[-1], int):
        parent[path[-1]] = value
    else:
        setattr(parent, path[-1], value)


class VisionBackbone(nn.Module):
    """A torchvision image network adapted to spectrograms.

    The first convolution takes ``in_channels`` channels instead of RGB and the
    last linear layer gives ``n_classes`` outputs. With ``weights``, the
    network is first built as the 1000-class, 3-channel original, the state
    dict at that path is loaded into it (strictly), the first convolution's
    weights are averaged over the three colour channels (and repeated for
    each of ``in_channels``, divided by ``in_channels`` so that a constant input
    gives the same response) and the classifier is replaced by a new, randomly
    initialised one. Nothing is ever downloaded.

    These networks use BatchNorm internally; see ``norm`` of
    :class:`SpectrogramCNN` for why evaluation may fluctuate.

    Parameters
    ----------
    in_channels : int, default=1
        Input channels.
    n_classes : int, default=10
        Number of outputs.
    architecture : {"resnet18", "efficientnet_b0"}, default="resnet18"
        Torchvision constructor.
    weights : str or path-like, default=None
        Local file of ImageNet weights for ``architecture``, as saved by
        ``torch.save(model.state_dict(), path)`` (the format of torchvision's
        downloads). ``None``: random initialisation.

    Attributes
    ----------
    network : nn.Module
        The adapted torchvision model.

    Examples
    --------
    >>> net = VisionBackbone(n_classes=10)  # doctest: +SKIP
    >>> net(torch.zeros(2, 1, 64, 32)).shape  # doctest: +SKIP
    torch.Size([2, 10])
    """

    architectures = ("resnet18", "efficientnet_b0")

    def __init__(
        self, *, in_channels=1, n_classes=10, architecture="resnet18", weights=None
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.architecture = architecture
        self.weights = weights
        if architecture not in self.architectures:
            raise ValueError(
                f"architecture must be one of {self.architectures}, "
                f"got {architecture!r}."
            )
        # torchvision is an optional extra ("vision"): import it only here.
        import torchvision.models

        network = getattr(torchvision.models, architecture)(weights=None)
        if weights is not None:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            network.load_state_dict(state)
        conv_path = _first_conv_path(architecture)
        conv = _get(network, conv_path)
        new_conv = nn.Conv2d(
            in_channels,
            conv.out_channels,
            conv.kernel_size,
            stride=conv.stride,
            padding=conv.padding,
            bias=conv.bias is not None,
        )
        if weights is not None:
            with torch.no_grad():
                mean = conv.weight.mean(dim=1, keepdim=True)
                new_conv.weight.copy_(mean.repeat(1, in_channels, 1, 1) / in_channels)
                if conv.bias is not None:
                    new_conv.bias.copy_(conv.bias)
        _set(network, conv_path, new_conv)
        head_path = _classifier_path(architecture)
        head = _get(network, head_path)
        _set(network, head_path, nn.Linear(head.in_features, n_classes))
        self.network = network

    def forward(self, x):
        """Compute logits.

        Parameters
        ----------
        x : Tensor of shape (batch, in_channels, n_freqs, n_frames)
            Spectrograms; a 3D tensor is treated as one channel.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        if x.ndim == 3:
            x = x.unsqueeze(1)
        return self.network(x)
