import matplotlib
import numpy as np
import pytest

from skaudio.plotting import plot_confusion_matrix, plot_history, plot_spectrogram

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


def test_bad_input_is_named_before_matplotlib_sees_it():
    import matplotlib.pyplot as plt
    from skorch.history import History

    try:
        with pytest.raises(ValueError, match="labels has 2 entries for a confusion"):
            plot_confusion_matrix(np.eye(3), ["a", "b"])
        with pytest.raises(ValueError, match=r"square matrix, got shape \(2, 3\)"):
            plot_confusion_matrix(np.ones((2, 3)), ["a", "b"])
        with pytest.raises(ValueError, match=r"got shape \(1, 64, 16\); pick one"):
            plot_spectrogram(np.zeros((1, 64, 16)), sample_rate=8000, hop_length=256)
        with pytest.raises(ValueError, match="history has no epochs"):
            plot_history(History())  # what max_epochs=0 leaves
    finally:
        plt.close("all")
