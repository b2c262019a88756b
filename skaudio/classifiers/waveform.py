"""The waveform classifier: 1D CNNs on raw waveforms."""

import inspect
from numbers import Integral, Real

from .._compat import Interval, StrOptions
from .._docstring import (
    CLASSIFIER_TRAINING_OPTIONS,
    LABEL_ATTRIBUTES,
    NETWORK_ATTRIBUTES,
    Substitution,
)
from .._waveforms import DEFAULT_SAMPLE_RATE
from ..presets import WAVEFORM_PRESETS, waveform_preset
from ._base import _AudioCNNClassifier

__all__ = ["WaveformCNNClassifier"]


#: Most a waveform network may pad a clip to: 16 times its length, or 2**16
#: samples for short clips. The presets need at most 1,193 samples (SincNet
#: from 16 kHz); a pool or stride far too large needed millions.
_MAX_PADDING = 16
_PADDING_FLOOR = 2**16


@Substitution(
    training_options=CLASSIFIER_TRAINING_OPTIONS,
    label_attributes=LABEL_ATTRIBUTES,
    network_attributes=NETWORK_ATTRIBUTES,
)
class WaveformCNNClassifier(_AudioCNNClassifier):
    """1D CNN classifier on raw waveforms (Vrysis et al., 2020).

    ``X`` holds waveforms of shape ``(n_samples, n_times)`` (or
    ``(n_samples, n_channels, n_times)``), typically from
    :class:`~skaudio.io.WaveformLoader` and
    :class:`~skaudio.preprocessing.PerSampleNormalizer`. ``architecture``
    names one of the paper's models (a preset of the networks in
    ``skaudio.nn.waveform``, see
    :func:`~skaudio.presets.waveform_preset`); the hyperparameters
    left at ``None`` keep the preset's value and the others replace it, so a
    grid over ``stride`` and ``pool`` explores LV-Flat variants directly.
    Clips shorter than the network's minimum length are zero-padded at the
    end inside the network.

    Parameters
    ----------
    architecture : str or nn.Module class, default="lv-24"
        ``"lv-18"``, ``"lv-24"``, ``"lv-42"``, ``"lv-81"``, ``"earlymix"``,
        ``"latemix"``, ``"rollmix"``, ``"sincnet"`` or ``"simple"``; or a
        network class taking ``in_channels`` and ``n_classes`` (and the
        hyperparameters below that are not ``None``) and returning logits.
    stride : int, default=None
        Convolution stride (LV-Flat, RollMix, SincNet; the later blocks of
        EarlyMix; the first convolution of ``"simple"``).
    pool : int, default=None
        Max-pooling size, used as given (the preset's pool is halved at low
        sample rates, an explicit one is not).
    kernel_size : int, default=None
        Convolution kernel length (LV-Flat, the Mix models, RollMix, SincNet).
    kernel_sizes : tuple of (int, int), default=None
        Kernel lengths of the two convolutions of ``"simple"``, one per layer.
    filters : tuple of int, default=None
        Filters per block.
    dropout : float, default=None
        Dropout probability.
    dense_units : int, default=None
        Hidden units of the dense head.
    n_rolls : int, default=None
        Circular shifts of the RollMix front end.
    sample_rate : float, default=16000
        Sampling rate of the waveforms in Hz, by default the rate
        :class:`~skaudio.io.WaveformLoader` resamples to. At or below
        11,025 Hz the presets' pools are halved (the paper's rule at 8 kHz);
        SincNet uses it for its cut-offs. Set it to 8000 for FSDD at its own
        rate. Waveforms from the loader carry their rate, and a different one
        is an error that names both rates.
    {training_options}

    Attributes
    ----------
    {label_attributes}
    input_shape_ : tuple of (int, int)
        ``(n_channels, n_times)`` of the training waveforms.
    {network_attributes}

    See Also
    --------
    skaudio.presets.stride_pool_grid : The paper's stride/pool grid.
    skaudio.nn.LVFlat : The network behind the LV presets.

    Examples
    --------
    >>> from skaudio.datasets import make_tones
    >>> X, y = make_tones(30, n_classes=3, duration=0.25, random_state=0)
    >>> clf = WaveformCNNClassifier(
    ...     architecture="simple", sample_rate=8000, max_epochs=2, random_state=0
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _preset_params = ("architecture", "sample_rate")
    _takes_waveforms = True
    _parameter_constraints = {
        **_AudioCNNClassifier._parameter_constraints,
        "architecture": [StrOptions(set(WAVEFORM_PRESETS)), callable],
        "stride": [Interval(Integral, 1, None, closed="left"), None],
        "pool": [Interval(Integral, 1, None, closed="left"), None],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), None],
        "kernel_sizes": [tuple, list, None],
        "filters": [tuple, list, None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
        "dense_units": [Interval(Integral, 1, None, closed="left"), None],
        "n_rolls": [Interval(Integral, 1, None, closed="left"), None],
        "sample_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        architecture="lv-24",
        stride=None,
        pool=None,
        kernel_size=None,
        kernel_sizes=None,
        filters=None,
        dropout=None,
        dense_units=None,
        n_rolls=None,
        sample_rate=DEFAULT_SAMPLE_RATE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.stride = stride
        self.pool = pool
        self.kernel_size = kernel_size
        self.kernel_sizes = kernel_sizes
        self.filters = filters
        self.dropout = dropout
        self.dense_units = dense_units
        self.n_rolls = n_rolls
        self.sample_rate = sample_rate

    def initialize_module(self):
        """Build the network; refuse one that would pad the clips many times over.

        A network needs ``min_length`` samples (its strides and pools) and pads
        shorter clips with zeros. A ``pool`` or ``stride`` far too large for
        the clips made it pad each clip to millions of samples, which ran the
        machine out of memory in the first batch.

        Returns
        -------
        self : object
            The classifier.
        """
        super().initialize_module()
        network = getattr(self.module_, "network", self.module_)
        needed, n_times = getattr(network, "min_length", 0), self.input_shape_[-1]
        if needed > max(_MAX_PADDING * n_times, _PADDING_FLOOR):
            del self.module_  # a failed fit leaves the classifier unfitted
            raise ValueError(
                f"{type(self).__name__}'s network needs clips of {needed} samples "
                f"(its strides and pools: stride={self.stride}, pool={self.pool}), "
                f"and would pad each clip of {n_times} samples to it, more than "
                f"{_MAX_PADDING} times its length. Lower pool or stride, or give "
                "longer clips."
            )
        return self

    def _network(self):
        """Return the preset of ``architecture`` at ``sample_rate``, or the class."""
        if isinstance(self.architecture, str):
            network, kwargs = waveform_preset(self.architecture, self.sample_rate)
        else:
            network, kwargs = self.architecture, {}
        if "sample_rate" in inspect.signature(network).parameters:
            kwargs["sample_rate"] = self.sample_rate
        return network, kwargs
