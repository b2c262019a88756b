"""skaudio: audio classification with convolutional networks for scikit-learn."""

from .io import AudioLoadError, WaveformLoader, load_audio, scan_audio_files
from .preprocessing import FixedLength, PerSampleNormalizer, RandomRoll, fix_length

__version__ = "0.1.0.dev0"

__all__ = [
    "AudioLoadError",
    "FixedLength",
    "PerSampleNormalizer",
    "RandomRoll",
    "WaveformLoader",
    "fix_length",
    "load_audio",
    "scan_audio_files",
]
