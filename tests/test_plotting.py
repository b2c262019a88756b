import matplotlib
import numpy as np
import pytest

from skaudio.plotting import plot_confusion_matrix

matplotlib.use("Agg")


def test_confusion_matrix_makes_room_for_long_labels():
    import matplotlib.pyplot as plt

    short = plot_confusion_matrix(np.eye(3), ["0", "1", "2"])
    labels = [f"environmental sound class {i}" for i in range(50)]
    long = plot_confusion_matrix(np.eye(50), labels)
    try:
        assert short.get_xticklabels()[0].get_rotation() == 0
        assert long.get_xticklabels()[0].get_rotation() == pytest.approx(45)
        width, height = long.figure.get_size_inches()
        assert height > 20 and width > short.figure.get_size_inches()[0]
        assert not long.texts  # 50 classes: no values written in the cells
    finally:
        plt.close("all")
