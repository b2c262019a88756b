"""scikit-learn classifiers built on skorch around the networks of :mod:`skaudio.nn`.

One module per classifier family over one small base (``_base``):

- :class:`WaveformCNNClassifier` (``waveform``): 1D CNNs on raw waveforms;
- :class:`SpectrogramCNNClassifier` (``spectrogram``): 2D CNNs on
  spectrograms;
- :class:`SequenceCNNClassifier` (``sequence``): Conv1D over feature
  sequences.

Each names its network (a preset of :mod:`skaudio.presets` or a class of
:mod:`skaudio.nn`) and its hyperparameters; the base does the rest (any
labels, ``random_state``, ``device="auto"``, parameter validation, clone,
pickle).
"""

from .sequence import SequenceCNNClassifier
from .spectrogram import SpectrogramCNNClassifier
from .waveform import WaveformCNNClassifier

__all__ = [
    "SequenceCNNClassifier",
    "SpectrogramCNNClassifier",
    "WaveformCNNClassifier",
]
