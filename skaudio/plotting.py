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

    The figure grows with the number of classes and the length of the labels;
    labels longer than three characters are slanted, and the values are
    written in the cells up to 20 classes.

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

    Examples
    --------
    >>> from sklearn.metrics import confusion_matrix
    >>> y_true, y_pred = ["no", "no", "yes", "yes"], ["no", "yes", "yes", "yes"]
    >>> ax = plot_confusion_matrix(confusion_matrix(y_true, y_pred), ["no", "yes"])
    >>> ax.get_ylabel()
    'True label'
    """
    confusion = np.asarray(confusion, dtype=float)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(
            f"confusion must be a square matrix, got shape {confusion.shape}."
        )
    if len(labels) != len(confusion):
        raise ValueError(
            f"labels has {len(labels)} entries for a confusion matrix of "
            f"{len(confusion)} classes."
        )
    if normalize:
        confusion = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    # Room for every class and for long labels, which are written slanted.
    n_classes = len(labels)
    longest = max(len(str(label)) for label in labels)
    side = max(4.5, 0.45 * n_classes + 0.08 * longest)
    ax = _axes(ax, (side + 0.5, side))
    ConfusionMatrixDisplay(confusion, display_labels=labels).plot(
        ax=ax,
        values_format=".2f" if normalize else "d",
        colorbar=False,
        xticks_rotation=45 if longest > 3 else "horizontal",
        include_values=n_classes <= 20,
    )
    if longest > 3:
        plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
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

    Examples
    --------
    >>> from skaudio import MelTransformer
    >>> from skaudio.datasets import make_tones
    >>> X, _ = make_tones(1, duration=0.5, random_state=0)  # (1, 4000) at 8 kHz
    >>> mel = MelTransformer(sample_rate=8000, n_fft=512, hop_length=256)
    >>> S = mel.fit_transform(X)
    >>> S.shape
    (1, 1, 64, 16)
    >>> ax = plot_spectrogram(S[0, 0], sample_rate=8000, hop_length=256)
    >>> ax.get_xlabel()
    'time (s)'
    """
    spectrogram = np.asarray(spectrogram)
    if spectrogram.ndim != 2:
        raise ValueError(
            f"spectrogram must be one 2-D (n_bins, n_frames) array, got shape "
            f"{spectrogram.shape}; pick one, e.g. S[0, 0] of MelTransformer's "
            "(n_clips, n_channels, n_bins, n_frames) output."
        )
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

    The loss is the training criterion: cross-entropy for the classifiers;
    for the regressors, the one their ``loss`` names (MSE, or minus SI-SDR).

    Parameters
    ----------
    history : skorch.history.History
        ``history_`` of a fitted classifier or regressor.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skaudio import WaveformCNNClassifier
    >>> from skaudio.datasets import make_tones
    >>> X, y = make_tones(20, n_classes=2, duration=0.25, random_state=0)
    >>> clf = WaveformCNNClassifier(
    ...     architecture="simple", sample_rate=8000, max_epochs=3,
    ...     early_stopping=True, validation_fraction=0.2, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_history(clf.history_)
    >>> [line.get_label() for line in ax.lines]
    ['train loss', 'valid loss']
    """
    if not len(history):
        raise ValueError(
            "history has no epochs to draw (was the estimator fitted with "
            "max_epochs=0?)."
        )
    ax = _axes(ax, (5, 3))
    epochs = history[:, "epoch"]
    for key in ("train_loss", "valid_loss"):
        if key in history[-1]:
            ax.plot(epochs, history[:, key], marker=".", label=key.replace("_", " "))
    ax.set(xlabel="epoch", ylabel="loss")
    ax.legend()
    return ax


def plot_sinc_filters(layer, *, n_fft=1024, ax=None):
    """Draw the magnitude responses of a :class:`~skaudio.nn.SincConv1d` layer.

    Parameters
    ----------
    layer : skaudio.nn.SincConv1d
        E.g. ``clf.module_.blocks[0].conv`` of a fitted SincNet classifier.
    n_fft : int, default=1024
        FFT size of the responses.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    The filters as initialised (Mel-spaced bands); after training, pass the
    fitted network's layer instead.

    >>> from skaudio.nn import SincConv1d
    >>> layer = SincConv1d(8, 101, sample_rate=8000)
    >>> ax = plot_sinc_filters(layer)
    >>> len(ax.lines)  # one response per filter
    8
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
