"""1D convolutional networks over feature sequences.

Input is ``(batch, n_features, n_frames)`` — e.g. MFCCs from
:class:`skaudio.MFCCTransformer` — with the features as channels and the
convolutions running over time. Output is logits ``(batch, n_classes)``.
"""

from torch import nn

from ._layers import (
    Dropout,
    MaxPool1d,
    RandomMasking,
    Standardize,
    block_widths,
    global_pool,
    norm_layer,
)

__all__ = ["SequenceCNN"]

HEADS = ("avg", "max", "avgmax", "lstm", "gru")


class SequenceCNN(nn.Module):
    """Conv1D blocks over time, then global pooling or a recurrent head.

    Each block is ``Conv1d (same padding) → norm → ReLU → MaxPool1d →
    Dropout``; pooling uses ``ceil_mode`` so short sequences never vanish.
    (The ReLU runs after the pooling, on fewer values: the two commute.)
    The head either pools the remaining time steps (``"avg"``, ``"max"``,
    ``"avgmax"``) or runs an LSTM/GRU over them and keeps its last hidden
    state (both directions' if ``bidirectional``), then a linear layer gives
    the logits. Two classes make it an event detector ("is the event
    present?").

    Parameters
    ----------
    in_channels : int, default=20
        Features per frame (the input's channels).
    n_classes : int, default=2
        Number of outputs.
    input_norm : {"sample", "frequency"} or None, default="frequency"
        Standardisation of each input example (see
        ``Standardize``); ``"frequency"`` normalises
        each feature over time (cepstral mean and variance normalisation).
    n_blocks : int, default=2
        Number of convolution blocks.
    filters : int or tuple of int, default=64
        Filters of the first block, multiplied by ``filter_growth`` at each
        following block; or one count per block.
    filter_growth : int, default=1
        Factor between the filters of consecutive blocks when ``filters`` is
        an int (the default keeps every block at ``filters``).
    kernel_size : int, default=5
        Convolution length in frames.
    pool : int, default=2
        Max-pooling length after each block.
    norm : {"batch", "group", "instance", "layer"} or None, default="group"
        Normalisation after each convolution; see
        :class:`~skaudio.nn.SpectrogramCNN` for the choice.
    dropout : float, default=0.25
        Dropout after each block and before the linear layer.
    head : {"avg", "max", "avgmax", "lstm", "gru"}, default="avgmax"
        Global pooling over time, or a recurrent layer.
    hidden_size : int, default=64
        Units of the recurrent head (per direction).
    bidirectional : bool, default=False
        Run the recurrent head in both directions.
    freq_mask : int, default=0
        Training-only augmentation: widest random band of consecutive
        features masked in each example.
    time_mask : int, default=0
        Training-only augmentation: longest random span of frames masked.

    Attributes
    ----------
    features : nn.Sequential
        The convolution blocks.
    rnn : nn.LSTM or nn.GRU or None
        The recurrent head.
    classifier : nn.Linear
        The output layer.

    Examples
    --------
    >>> import torch
    >>> net = SequenceCNN(in_channels=20, n_classes=2, head="gru")
    >>> net(torch.zeros(3, 20, 32)).shape
    torch.Size([3, 2])
    """

    def __init__(
        self,
        *,
        in_channels=20,
        n_classes=2,
        input_norm="frequency",
        n_blocks=2,
        filters=64,
        filter_growth=1,
        kernel_size=5,
        pool=2,
        norm="group",
        dropout=0.25,
        head="avgmax",
        hidden_size=64,
        bidirectional=False,
        freq_mask=0,
        time_mask=0,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes
        self.input_norm = input_norm
        self.n_blocks = n_blocks
        self.filters = filters
        self.filter_growth = filter_growth
        self.kernel_size = kernel_size
        self.pool = pool
        self.norm = norm
        self.dropout = dropout
        self.head = head
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.freq_mask = freq_mask
        self.time_mask = time_mask

        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}.")
        widths = block_widths(filters, n_blocks, filter_growth)
        layers = [Standardize(input_norm), RandomMasking(freq_mask, time_mask)]
        for width in widths:
            layers += [
                nn.Conv1d(
                    in_channels,
                    width,
                    kernel_size,
                    padding=kernel_size // 2,
                    bias=norm in (None, "none"),
                ),
                norm_layer(norm, width, ndim=1),
                MaxPool1d(pool, ceil_mode=True),
                nn.ReLU(inplace=True),
            ]
            layers += [Dropout(dropout)] if dropout else []
            in_channels = width
        self.features = nn.Sequential(*layers)
        if head in ("lstm", "gru"):
            rnn = nn.LSTM if head == "lstm" else nn.GRU
            self.rnn = rnn(
                in_channels,
                hidden_size,
                batch_first=True,
                bidirectional=bidirectional,
            )
            in_channels = hidden_size * (2 if bidirectional else 1)
        else:
            self.rnn = None
        self.head_dropout = Dropout(dropout)
        self.classifier = nn.Linear(in_channels, n_classes)

    def forward(self, x):
        """Compute logits.

        Parameters
        ----------
        x : Tensor of shape (batch, n_features, n_frames)
            Feature sequences; a 4D single-channel tensor
            ``(batch, 1, n_features, n_frames)`` is squeezed to that.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        if x.ndim == 4 and x.shape[1] == 1:
            x = x.squeeze(1)
        x = self.features(x)
        if self.rnn is None:
            x = global_pool(x, (2,), self.head)
        else:
            _, hidden = self.rnn(x.transpose(1, 2))
            if isinstance(hidden, tuple):  # LSTM: (h_n, c_n)
                hidden = hidden[0]
            # h_n is (directions, batch, hidden): put the directions side by side.
            x = hidden.transpose(0, 1).reshape(x.shape[0], -1)
        return self.classifier(self.head_dropout(x))
