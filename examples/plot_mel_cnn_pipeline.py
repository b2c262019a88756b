"""
The canonical pipeline: log-Mel spectrograms into a 2D CNN
===========================================================

``Pipeline([("mel", MelTransformer()), ("cnn", SpectrogramCNNClassifier())])``
on FSDD's official split (takes 0-4 of every digit and speaker are the test
set). The classifier infers the input shape and the classes at fit, so the
feature settings can change freely.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.pipeline import Pipeline

from skaudio import MelTransformer, SpectrogramCNNClassifier, WaveformLoader
from skaudio.datasets import fetch_fsdd
from skaudio.plotting import plot_confusion_matrix

fsdd = fetch_fsdd()
X = WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames)
test = fsdd.take < 5

# 64 ms windows with a 32 ms hop at 8 kHz: 64 Mel bands x 32 frames per clip.
pipe = Pipeline(
    [
        ("mel", MelTransformer(sample_rate=8000, n_fft=512, hop_length=256)),
        ("cnn", SpectrogramCNNClassifier(max_epochs=8, random_state=0)),
    ]
)
pipe.fit(X[~test], fsdd.target[~test])
y_pred = pipe.predict(X[test])
print(f"official split accuracy: {accuracy_score(fsdd.target[test], y_pred):.1%}")
print("input shape seen by the CNN:", pipe["cnn"].input_shape_)

# %%
plot_confusion_matrix(confusion_matrix(fsdd.target[test], y_pred), pipe.classes_)
plt.title("FSDD official split, 8 epochs")
plt.show()
