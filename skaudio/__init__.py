"""skaudio: CNNs for audio classification, denoising and separation in scikit-learn."""

import importlib

__version__ = "0.1.0.dev0"

# Public name -> the module that defines it. The modules are imported on first
# use (PEP 562), so that `skaudio --help` and `import skaudio.datasets` do not
# import torch; `from skaudio import X` works as before.
_EXPORTS = {
    "AudioLoadError": "io",
    "CroppedAudioWarning": "io",
    "FixedLength": "preprocessing",
    "MelTransformer": "features",
    "MFCCTransformer": "features",
    "ModelFileError": "persistence",
    "PerSampleNormalizer": "preprocessing",
    "RandomRoll": "preprocessing",
    "SequenceCNNClassifier": "classifiers",
    "SpectrogramCNNClassifier": "classifiers",
    "SpectrogramSeparator": "regressors",
    "SpectrogramTransformer": "features",
    "WaveformCNNClassifier": "classifiers",
    "WaveformDenoiser": "regressors",
    "WaveformLoader": "io",
    "Waveforms": "io",
    "audio_info": "io",
    "export_onnx": "export",
    "fix_length": "preprocessing",
    "keep_freed_memory": "_memory",
    "load": "persistence",
    "load_audio": "io",
    "save": "persistence",
    "scan_audio_files": "io",
}

__all__ = sorted(_EXPORTS, key=str.lower)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
