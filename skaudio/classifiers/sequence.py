"""The sequence classifier: Conv1D over feature sequences."""

from numbers import Integral, Real

from .._compat import Interval, StrOptions
from .._docstring import (
    CLASSIFIER_TRAINING_OPTIONS,
    LABEL_ATTRIBUTES,
    NETWORK_ATTRIBUTES,
    Substitution,
)
from ..nn.sequence import SequenceCNN
from ._base import NORM_OPTIONS, _AudioCNNClassifier

__all__ = ["SequenceCNNClassifier"]


@Substitution(
    training_options=CLASSIFIER_TRAINING_OPTIONS,
    label_attributes=LABEL_ATTRIBUTES,
    network_attributes=NETWORK_ATTRIBUTES,
)
class SequenceCNNClassifier(_AudioCNNClassifier):
    """Conv1D classifier over feature sequences, features as channels.

    ``X`` holds sequences of shape ``(n_samples, n_features, n_frames)``,
    e.g. from ``MFCCTransformer(layout="sequence")``, or the default image
    layout ``(n_samples, 1, n_features, n_frames)`` of
    :class:`~skaudio.features.MFCCTransformer` and
    :class:`~skaudio.features.MelTransformer`; a 2-D ``X`` is read as one
    feature over ``n_frames``. The network,
    :class:`~skaudio.nn.sequence.SequenceCNN`, runs ``Conv1d → norm → ReLU →
    MaxPool → Dropout`` blocks over time and ends in global pooling or an
    LSTM/GRU head. With two classes it is an event detector ("is the event
    present?"): ``predict_proba(X)[:, 1]`` is the event's probability.

    Parameters
    ----------
    n_blocks : int, default=2
        Convolution blocks.
    filters : int or tuple of int, default=64
        Filters of the first block, multiplied by ``filter_growth`` at each
        following block; or one count per block.
    filter_growth : int, default=1
        Factor between the filters of consecutive blocks when ``filters`` is
        an int (``1``: every block has ``filters``).
    kernel_size : int, default=5
        Convolution length in frames.
    pool : int, default=2
        Max-pooling length after each block.
    norm : {"batch", "group", "instance", "layer", "none"}, default="group"
        Normalisation after each convolution (``"group"`` evaluates exactly as
        it trains; ``"batch"`` depends on running statistics).
    dropout : float, default=0.25
        Dropout probability.
    head : {"avg", "max", "avgmax", "lstm", "gru"}, default="avgmax"
        Global pooling over time, or a recurrent layer over the remaining
        frames.
    hidden_size : int, default=64
        Units of the recurrent head.
    bidirectional : bool, default=False
        Run the recurrent head both ways.
    input_norm : {"sample", "frequency", "none"}, default="frequency"
        Standardisation of each input example; ``"frequency"`` is cepstral
        mean and variance normalisation.
    freq_mask : int, default=0
        Training-only augmentation: widest random band of features masked
        (``augment=[SpecAugment(...)]`` takes fractions instead).
    time_mask : int, default=0
        Training-only augmentation: longest random span of frames masked.
    {training_options}

    Attributes
    ----------
    {label_attributes}
    input_shape_ : tuple of (int, int)
        ``(n_features, n_frames)`` of the training sequences.
    {network_attributes}

    See Also
    --------
    SpectrogramCNNClassifier : 2D CNNs on spectrogram images.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 13, 16)).astype("float32")
    >>> y = np.array(["noise", "event"] * 10)
    >>> clf = SequenceCNNClassifier(head="gru", max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _module_factory = staticmethod(SequenceCNN)
    _input_ndim = 1

    def _add_channel_axis(self, X, reset):
        if X.ndim == 4 and X.shape[1] == 1:
            # The image layout (n, 1, n_features, n_frames) that MelTransformer
            # and MFCCTransformer give by default: the features are the channels.
            X = X[:, 0]
        return super()._add_channel_axis(X, reset)

    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "filters": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "filter_growth": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool": [Interval(Integral, 1, None, closed="left")],
        "norm": [StrOptions(NORM_OPTIONS)],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "head": [StrOptions({"avg", "max", "avgmax", "lstm", "gru"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "input_norm": [StrOptions({"sample", "frequency", "none"})],
        "freq_mask": [Interval(Integral, 0, None, closed="left")],
        "time_mask": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
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
        input_norm="frequency",
        freq_mask=0,
        time_mask=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
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
        self.input_norm = input_norm
        self.freq_mask = freq_mask
        self.time_mask = time_mask
