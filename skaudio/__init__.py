"""skaudio: CNNs for audio classification, denoising and separation in scikit-learn."""

from .classifiers import (
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
)
from .features import MelTransformer, MFCCTransformer, SpectrogramTransformer
from .io import AudioLoadError, WaveformLoader, load_audio, scan_audio_files
from .preprocessing import FixedLength, PerSampleNormalizer, RandomRoll, fix_length
from .regressors import SpectrogramSeparator, WaveformDenoiser

__version__ = "0.1.0.dev0"

__all__ = [
    "AudioLoadError",
    "FixedLength",
    "MelTransformer",
    "MFCCTransformer",
    "PerSampleNormalizer",
    "RandomRoll",
    "SequenceCNNClassifier",
    "SpectrogramCNNClassifier",
    "SpectrogramSeparator",
    "SpectrogramTransformer",
    "WaveformCNNClassifier",
    "WaveformDenoiser",
    "WaveformLoader",
    "fix_length",
    "load_audio",
    "scan_audio_files",
]
