"""PyTorch networks of skaudio (torch only; no scikit-learn here).

Every network takes ``(batch, channels, ...)`` float tensors and returns
``(batch, n_classes)`` logits; its sizes are constructor arguments.
"""

from .blocks import CPDBlock, DenseHead, Roll, SincConv1d
from .sequence import SequenceCNN
from .spectrogram import SpectrogramCNN, VisionBackbone, simple_spectrogram_cnn
from .waveform import EarlyMix, LateMix, LVFlat, RollMix, SimpleWaveformCNN, SincNet

__all__ = [
    "CPDBlock",
    "DenseHead",
    "EarlyMix",
    "LVFlat",
    "LateMix",
    "Roll",
    "RollMix",
    "SequenceCNN",
    "SimpleWaveformCNN",
    "SincConv1d",
    "SincNet",
    "SpectrogramCNN",
    "VisionBackbone",
    "simple_spectrogram_cnn",
]
