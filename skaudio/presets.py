"""Named networks: one registry of presets per network family.

A preset is a network class of :mod:`skaudio.nn` and its arguments, without
the sizes that come from the data (``in_channels``, ``n_classes``). The
classifiers' ``architecture`` parameter names a preset and their other
hyperparameters replace its values.

- ``WAVEFORM_PRESETS`` (:class:`~skaudio.WaveformCNNClassifier`): the
  eight waveform models of Vrysis et al. (2020) and a minimal CNN;
  :func:`waveform_preset` adapts one to a sample rate, and
  :func:`stride_pool_grid` gives the paper's stride/pool pairs as a
  ``GridSearchCV`` parameter grid.
- ``SPECTROGRAM_PRESETS`` (:class:`~skaudio.SpectrogramCNNClassifier`):
  the VGG-like CNN, the minimal two-convolution CNN, the broadcasted
  residual network and the torchvision backbones; :func:`spectrogram_preset`
  looks one up.

The registries hold network classes, so they import torch; they are built on
first use, and the names alone (``WAVEFORM_MODELS``, ``PAPER_MODELS``) do not
import it, so the command line lists the models without importing torch.
"""

__all__ = [
    "PAPER_MODELS",
    "PAPER_SAMPLE_RATE",
    "SPECTROGRAM_PRESETS",  # noqa: F822 (built on first use, see __getattr__)
    "WAVEFORM_MODELS",
    "WAVEFORM_PRESETS",  # noqa: F822 (built on first use, see __getattr__)
    "spectrogram_preset",
    "stride_pool_grid",
    "stride_pool_pairs",
    "waveform_preset",
]

#: Sampling rate (Hz) at which the paper's stride/pool values are given.
PAPER_SAMPLE_RATE = 22050

#: The eight models of the paper's Table 1, in its order.
PAPER_MODELS = (
    "lv-18",
    "lv-24",
    "lv-42",
    "lv-81",
    "earlymix",
    "latemix",
    "rollmix",
    "sincnet",
)

#: The names of ``WAVEFORM_PRESETS``, in its order.
WAVEFORM_MODELS = (*PAPER_MODELS, "simple")


def _waveform_presets():
    """name: (network, arguments at PAPER_SAMPLE_RATE)."""
    from .nn.waveform import (
        PAPER_BRANCHES,
        EarlyMix,
        LateMix,
        LVFlat,
        RollMix,
        SimpleWaveformCNN,
        SincNet,
    )

    return {
        "lv-18": (LVFlat, {"stride": 1, "pool": 8}),
        "lv-24": (LVFlat, {"stride": 2, "pool": 4}),
        "lv-42": (LVFlat, {"stride": 4, "pool": 2}),
        "lv-81": (LVFlat, {"stride": 8, "pool": 1}),
        "earlymix": (EarlyMix, {"branches": PAPER_BRANCHES, "stride": 2, "pool": 4}),
        "latemix": (LateMix, {"branches": PAPER_BRANCHES}),
        "rollmix": (RollMix, {"stride": 2, "pool": 4, "n_rolls": 4}),
        "sincnet": (SincNet, {"stride": 2, "pool": 4}),
        "simple": (SimpleWaveformCNN, {}),
    }


def _spectrogram_presets():
    """name: (network, arguments)."""
    from .nn.bcresnet import BCResNet
    from .nn.spectrogram import (
        SIMPLE_SPECTROGRAM_CNN,
        SpectrogramCNN,
        VisionBackbone,
    )

    return {
        "vgg": (SpectrogramCNN, {}),
        "simple": (SpectrogramCNN, SIMPLE_SPECTROGRAM_CNN),
        "bcresnet": (BCResNet, {}),
        **{
            name: (VisionBackbone, {"architecture": name})
            for name in VisionBackbone.architectures
        },
    }


_REGISTRIES = {
    "WAVEFORM_PRESETS": _waveform_presets,
    "SPECTROGRAM_PRESETS": _spectrogram_presets,
}


def _registry(name):
    """Return a registry, built (and its networks imported) on first use."""
    if name not in globals():
        globals()[name] = _REGISTRIES[name]()
    return globals()[name]


def __getattr__(name):
    # PEP 562: ``presets.WAVEFORM_PRESETS`` and ``from .presets import ...``.
    if name not in _REGISTRIES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _registry(name)


def __dir__():
    return sorted(set(globals()) | set(_REGISTRIES))


def _halves_pool(sample_rate):
    # The paper halves the pool at 8 kHz (FSDD); we apply that to every rate
    # up to half of its 22,050 Hz.
    return sample_rate <= PAPER_SAMPLE_RATE / 2


def _pool_at(pool, sample_rate):
    return max(1, pool // 2) if _halves_pool(sample_rate) else pool


def stride_pool_pairs(sample_rate=PAPER_SAMPLE_RATE):
    """Return the (stride, pool) pairs of LV-18, LV-24, LV-42 and LV-81.

    Parameters
    ----------
    sample_rate : float, default=22050
        Sampling rate of the waveforms. At or below 11,025 Hz the pool is
        halved (the paper's rule for 8 kHz), never below 1.

    Returns
    -------
    pairs : list of (int, int)
        ``[(1, 8), (2, 4), (4, 2), (8, 1)]`` at 22,050 Hz,
        ``[(1, 4), (2, 2), (4, 1), (8, 1)]`` at 8 kHz.

    Examples
    --------
    >>> stride_pool_pairs(8000)
    [(1, 4), (2, 2), (4, 1), (8, 1)]
    """
    return [
        (kwargs["stride"], _pool_at(kwargs["pool"], sample_rate))
        for name, (_, kwargs) in _registry("WAVEFORM_PRESETS").items()
        if name.startswith("lv-")
    ]


def stride_pool_grid(sample_rate=PAPER_SAMPLE_RATE, *, prefix="", exclude=()):
    """Return the paper's stride/pool pairs as a ``GridSearchCV`` parameter grid.

    Stride and pool must vary together, so the grid is a list of one-point
    grids, one per pair.

    Parameters
    ----------
    sample_rate : float, default=22050
        Sampling rate, see :func:`stride_pool_pairs`.
    prefix : str, default=""
        Prepended to ``"stride"`` and ``"pool"``, e.g. ``"cnn__"`` for a
        pipeline step named ``cnn``.
    exclude : iterable of (int, int), default=()
        Pairs to leave out (e.g. ``[(8, 1)]``, which the paper skipped on FSDD).

    Returns
    -------
    param_grid : list of dict
        ``[{prefix + "stride": [s], prefix + "pool": [p]}, ...]``.

    Examples
    --------
    >>> stride_pool_grid(8000, prefix="cnn__")[1]
    {'cnn__stride': [2], 'cnn__pool': [2]}
    """
    exclude = {tuple(pair) for pair in exclude}
    return [
        {f"{prefix}stride": [stride], f"{prefix}pool": [pool]}
        for stride, pool in stride_pool_pairs(sample_rate)
        if (stride, pool) not in exclude
    ]


def waveform_preset(name, sample_rate=PAPER_SAMPLE_RATE):
    """Return the network and arguments of a named waveform model.

    Parameters
    ----------
    name : str
        One of ``PAPER_MODELS`` (``"lv-18"``, ``"lv-24"``, ``"lv-42"``,
        ``"lv-81"``, ``"earlymix"``, ``"latemix"``, ``"rollmix"``,
        ``"sincnet"``) or ``"simple"`` (the minimal two-layer CNN).
    sample_rate : float, default=22050
        Sampling rate of the waveforms. At or below 11,025 Hz every pool
        (including those of the Mix branches) is halved, as the paper does at
        8 kHz; SincNet also receives it to place its cut-offs.

    Returns
    -------
    network : type
        The ``nn.Module`` class.
    kwargs : dict
        Its arguments, without ``in_channels`` and ``n_classes``.

    Examples
    --------
    >>> network, kwargs = waveform_preset("lv-24", sample_rate=8000)
    >>> network.__name__, kwargs
    ('LVFlat', {'stride': 2, 'pool': 2})
    """
    if name not in WAVEFORM_MODELS:
        raise ValueError(
            f"Unknown waveform model {name!r}; choose one of {sorted(WAVEFORM_MODELS)}."
        )
    network, kwargs = _registry("WAVEFORM_PRESETS")[name]
    kwargs = dict(kwargs)
    if "pool" in kwargs:
        kwargs["pool"] = _pool_at(kwargs["pool"], sample_rate)
    if "branches" in kwargs:
        kwargs["branches"] = tuple(
            (stride, _pool_at(pool, sample_rate)) for stride, pool in kwargs["branches"]
        )
    from .nn.waveform import SincNet

    if network is SincNet:
        kwargs["sample_rate"] = sample_rate
    return network, kwargs


def spectrogram_preset(name):
    """Return the network and arguments of a named spectrogram model.

    Parameters
    ----------
    name : str
        ``"vgg"`` (:class:`~skaudio.nn.SpectrogramCNN` with its defaults),
        ``"simple"`` (the minimal two-convolution CNN, see
        :func:`~skaudio.nn.simple_spectrogram_cnn`), ``"bcresnet"``
        (:class:`~skaudio.nn.BCResNet`, a broadcasted residual network), or a
        torchvision backbone, ``"resnet18"`` or ``"efficientnet_b0"``
        (:class:`~skaudio.nn.VisionBackbone`).

    Returns
    -------
    network : type
        The ``nn.Module`` class.
    kwargs : dict
        Its arguments, without ``in_channels`` and ``n_classes``.

    Examples
    --------
    >>> network, kwargs = spectrogram_preset("simple")
    >>> network.__name__, kwargs["n_blocks"]
    ('SpectrogramCNN', 2)
    """
    registry = _registry("SPECTROGRAM_PRESETS")
    try:
        network, kwargs = registry[name]
    except KeyError:
        raise ValueError(
            f"Unknown spectrogram model {name!r}; choose one of {sorted(registry)}."
        ) from None
    return network, dict(kwargs)
