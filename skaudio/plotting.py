"""Figures for results and models; needs matplotlib (the ``plot`` extra)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

__all__ = ["plot_confusion_matrix"]


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
