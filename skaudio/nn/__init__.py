"""PyTorch networks of skaudio (torch only; no scikit-learn here).

Every network takes ``(batch, channels, ...)`` float tensors; the classifiers'
networks return ``(batch, n_classes)`` logits, the denoiser and the separator
return waveforms. Sizes are constructor arguments.
"""

from .bcresnet import BCResNet
from .blocks import CPDBlock, DenseHead, Roll, SincConv1d
from .denoise import ConvDenoiser, MaskingDenoiser
from .frontend import AugmentedNetwork
from .losses import WaveformLoss, si_sdr
from .separation import STFT, MaskSeparator, MultiBranchConv1d
from .sequence import SequenceCNN
from .spectrogram import SpectrogramCNN, VisionBackbone, simple_spectrogram_cnn
from .waveform import EarlyMix, LateMix, LVFlat, RollMix, SimpleWaveformCNN, SincNet

__all__ = [
    "AugmentedNetwork",
    "BCResNet",
    "CPDBlock",
    "ConvDenoiser",
    "DenseHead",
    "EarlyMix",
    "LVFlat",
    "LateMix",
    "MaskSeparator",
    "MaskingDenoiser",
    "MultiBranchConv1d",
    "Roll",
    "RollMix",
    "STFT",
    "SequenceCNN",
    "SimpleWaveformCNN",
    "SincConv1d",
    "SincNet",
    "SpectrogramCNN",
    "VisionBackbone",
    "WaveformLoss",
    "si_sdr",
    "simple_spectrogram_cnn",
]
