"""skaudio: CNNs for audio classification, denoising and separation in scikit-learn."""

from .classifiers import (
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
)
from .export import export_onnx
from .features import MelTransformer, MFCCTransformer, SpectrogramTransformer
from .io import (
    AudioLoadError,
    WaveformLoader,
    Waveforms,
    audio_info,
    load_audio,
    scan_audio_files,
)
from .persistence import ModelFileError, load, save
from .preprocessing import FixedLength, PerSampleNormalizer, RandomRoll, fix_length
from .regressors import SpectrogramSeparator, WaveformDenoiser

__version__ = "0.1.0.dev0"

__all__ = [
    "AudioLoadError",
    "FixedLength",
    "MelTransformer",
    "MFCCTransformer",
    "ModelFileError",
    "PerSampleNormalizer",
    "RandomRoll",
    "SequenceCNNClassifier",
    "SpectrogramCNNClassifier",
    "SpectrogramSeparator",
    "SpectrogramTransformer",
    "WaveformCNNClassifier",
    "WaveformDenoiser",
    "WaveformLoader",
    "Waveforms",
    "audio_info",
    "export_onnx",
    "fix_length",
    "load",
    "load_audio",
    "save",
    "scan_audio_files",
]
