"""The spectrogram classifier: 2D CNNs on spectrogram images."""

import os
from numbers import Integral, Real

from .._compat import Interval, StrOptions
from .._docstring import (
    CLASSIFIER_TRAINING_OPTIONS,
    LABEL_ATTRIBUTES,
    NETWORK_ATTRIBUTES,
    Substitution,
)
from ..presets import SPECTROGRAM_PRESETS, spectrogram_preset
from ._base import NORM_OPTIONS, _AudioCNNClassifier

__all__ = ["SpectrogramCNNClassifier"]


@Substitution(
    training_options=CLASSIFIER_TRAINING_OPTIONS,
    label_attributes=LABEL_ATTRIBUTES,
    network_attributes=NETWORK_ATTRIBUTES,
)
class SpectrogramCNNClassifier(_AudioCNNClassifier):
    """2D CNN classifier on spectrogram images.

    ``X`` holds spectrograms of shape ``(n_samples, n_channels, n_freqs,
    n_frames)`` (or ``(n_samples, n_freqs, n_frames)``), typically from
    :class:`~skaudio.features.MelTransformer`. The networks standardise each
    example themselves (``input_norm``), so dB features can be passed as they
    are, and end in global pooling, so any feature size works.

    ``architecture`` picks the network: ``"vgg"`` (the default, a VGG-like
    :class:`~skaudio.nn.spectrogram.SpectrogramCNN` with group normalisation
    and dropout), ``"simple"`` (the minimal two-convolution CNN of the
    source material), ``"bcresnet"`` (a broadcasted residual network from
    keyword spotting, :class:`~skaudio.nn.bcresnet.BCResNet`, 24k
    parameters, per-band input normalisation), or a torchvision backbone,
    ``"resnet18"`` or ``"efficientnet_b0"``
    (:class:`~skaudio.nn.spectrogram.VisionBackbone`, needs the ``vision``
    extra), optionally from a local ImageNet ``weights`` file. The
    hyperparameters left at ``None`` keep the architecture's value.

    Parameters
    ----------
    architecture : {"vgg", "simple", "bcresnet", "resnet18", "efficientnet_b0"} \
or nn.Module class, default="vgg"
        The network; a class must take ``in_channels`` and ``n_classes`` (and
        the hyperparameters below that are not ``None``) and return logits.
    n_blocks : int, default=None
        Convolution blocks (4 for ``"vgg"``, 2 for ``"simple"``).
    filters : int or tuple of int, default=None
        Filters of the first block, multiplied by ``filter_growth`` at each
        following block; or one count per block.
    filter_growth : int, default=None
        Factor between the filters of consecutive blocks when ``filters`` is
        an int (2, doubling, for ``"vgg"`` and ``"simple"``).
    convs_per_block : int, default=None
        Convolutions per block.
    kernel_size : int or tuple of (int, int), default=None
        ``(frequency, time)`` kernel size, e.g. ``(7, 3)``.
    pool : int or tuple of (int, int), default=None
        ``(frequency, time)`` pooling between blocks; ``(1, 2)`` keeps the
        frequency resolution (classes told apart by spectral position).
    norm : {"batch", "group", "instance", "layer", "none"}, default=None
        Normalisation after each convolution.
    dropout : float, default=None
        Dropout probability.
    global_pool : {"avg", "max", "avgmax"}, default=None
        Final pooling over frequency and time.
    input_norm : {"sample", "frequency", "none"}, default=None
        Standardisation of each input example.
    freq_mask : int, default=None
        Training-only SpecAugment: widest random frequency band masked, in
        bins (``augment=[SpecAugment(...)]`` takes fractions instead).
    time_mask : int, default=None
        Training-only SpecAugment: longest random time span masked, in
        frames.
    freq_coordinate : bool, default=None
        Append an input channel of the frequency position ("CoordConv"),
        so that the network knows where in the spectrum a pattern is.
    weights : str or path-like, default=None
        Local ImageNet weights file for a torchvision backbone.
    {training_options}

    Attributes
    ----------
    {label_attributes}
    input_shape_ : tuple of (int, int, int)
        ``(n_channels, n_freqs, n_frames)`` of the training spectrograms.
    {network_attributes}

    See Also
    --------
    SequenceCNNClassifier : Conv1D over feature sequences.
    skaudio.nn.spectrogram.SpectrogramCNN : The network behind the presets.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skaudio.datasets import make_tones
    >>> from skaudio.features import MelTransformer
    >>> X, y = make_tones(30, n_classes=3, duration=0.25, random_state=0)
    >>> clf = make_pipeline(
    ...     MelTransformer(sample_rate=8000, n_fft=256, hop_length=64, n_mels=32),
    ...     SpectrogramCNNClassifier(architecture="simple", max_epochs=2,
    ...                              random_state=0),
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _input_ndim = 2
    _preset_params = ("architecture",)
    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "architecture": [StrOptions(set(SPECTROGRAM_PRESETS)), callable],
        "n_blocks": [Interval(Integral, 1, None, closed="left"), None],
        "filters": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "filter_growth": [Interval(Integral, 1, None, closed="left"), None],
        "convs_per_block": [Interval(Integral, 1, None, closed="left"), None],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, None],
        "pool": [Interval(Integral, 1, None, closed="left"), tuple, None],
        "norm": [StrOptions(NORM_OPTIONS), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
        "global_pool": [StrOptions({"avg", "max", "avgmax"}), None],
        "input_norm": [StrOptions({"sample", "frequency", "none"}), None],
        "freq_mask": [Interval(Integral, 0, None, closed="left"), None],
        "time_mask": [Interval(Integral, 0, None, closed="left"), None],
        "freq_coordinate": ["boolean", None],
        "weights": [str, os.PathLike, None],
    }

    def __init__(
        self,
        *,
        architecture="vgg",
        n_blocks=None,
        filters=None,
        filter_growth=None,
        convs_per_block=None,
        kernel_size=None,
        pool=None,
        norm=None,
        dropout=None,
        global_pool=None,
        input_norm=None,
        freq_mask=None,
        time_mask=None,
        freq_coordinate=None,
        weights=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.n_blocks = n_blocks
        self.filters = filters
        self.filter_growth = filter_growth
        self.convs_per_block = convs_per_block
        self.kernel_size = kernel_size
        self.pool = pool
        self.norm = norm
        self.dropout = dropout
        self.global_pool = global_pool
        self.input_norm = input_norm
        self.freq_mask = freq_mask
        self.time_mask = time_mask
        self.freq_coordinate = freq_coordinate
        self.weights = weights

    def _network(self):
        """Return the preset named by ``architecture``, or the given class."""
        if callable(self.architecture):
            return self.architecture, {}
        return spectrogram_preset(self.architecture)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Spectrograms are 3-D or 4-D; scikit-learn's common checks only feed
        # 2-D arrays, so tests/test_spectrogram_classifiers.py checks it by hand.
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True  # (n_samples, n_freqs, n_frames)
        return tags
