"""Figures for results and models; needs matplotlib (the ``plot`` extra)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

__all__ = [
    "plot_confusion_matrix",
    "plot_history",
    "plot_sinc_filters",
    "plot_spectrogram",
]


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_confusion_matrix(confusion, labels, *, normalize=True, ax=None):
    """Draw a confusion matrix, rows normalised to recall by default.

    Parameters
    ----------
    confusion : array-like of shape (n_classes, n_classes)
        Counts, true labels along the rows.
    labels : list
        Class labels in the order of the rows.
    normalize : bool, default=True
        Divide each row by its sum.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes
    """
    confusion = np.asarray(confusion, dtype=float)
    if normalize:
        confusion = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    ax = _axes(ax, (5, 4.5))
    ConfusionMatrixDisplay(confusion, display_labels=labels).plot(
        ax=ax, values_format=".2f" if normalize else "d", colorbar=False
    )
    return ax


def plot_spectrogram(spectrogram, *, sample_rate, hop_length, ax=None, label="dB"):
    """Draw one (Mel) spectrogram with time in seconds.

    Parameters
    ----------
    spectrogram : array-like of shape (n_bins, n_frames)
        E.g. one channel of :class:`~skaudio.MelTransformer` output.
    sample_rate : int
        Rate of the waveform, for the time axis.
    hop_length : int
        Samples between frames, for the time axis.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.
    label : str, default="dB"
        Colour bar label.

    Returns
    -------
    ax : matplotlib Axes
    """
    spectrogram = np.asarray(spectrogram)
    ax = _axes(ax, (5, 3))
    seconds = spectrogram.shape[1] * hop_length / sample_rate
    image = ax.imshow(
        spectrogram,
        origin="lower",
        aspect="auto",
        extent=(0, seconds, 0, spectrogram.shape[0]),
    )
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set(xlabel="time (s)", ylabel="bin")
    return ax


def plot_history(history, *, ax=None):
    """Draw the per-epoch training (and validation) loss of a skorch history.

    Parameters
    ----------
    history : skorch.history.History
        ``clf.history_`` of a fitted classifier.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = _axes(ax, (5, 3))
    epochs = history[:, "epoch"]
    for key in ("train_loss", "valid_loss"):
        if key in history[-1]:
            ax.plot(epochs, history[:, key], marker=".", label=key.replace("_", " "))
    ax.set(xlabel="epoch", ylabel="cross-entropy")
    ax.legend()
    return ax


def plot_sinc_filters(layer, *, n_fft=1024, ax=None):
    """Draw the magnitude responses of a :class:`~skaudio.nn.SincConv1d` layer.

    Parameters
    ----------
    layer : skaudio.nn.SincConv1d
        E.g. ``clf.module_.sinc`` of a fitted SincNet classifier.
    n_fft : int, default=1024
        FFT size of the responses.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes
    """
    import torch

    with torch.no_grad():
        filters = layer.filters()[:, 0].cpu().numpy()
    response = np.abs(np.fft.rfft(filters, n=n_fft, axis=1))
    response_db = 20 * np.log10(response / response.max() + 1e-6)
    freqs = np.fft.rfftfreq(n_fft, d=1 / layer.sample_rate)
    ax = _axes(ax, (6, 3))
    ax.plot(freqs, response_db.T, linewidth=0.7)
    ax.set(xlabel="frequency (Hz)", ylabel="gain (dB)", ylim=(-60, 3))
    return ax
