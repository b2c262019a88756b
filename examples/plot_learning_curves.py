"""
Learning curves from the training history
=========================================

Every classifier keeps skorch's per-epoch history in ``history_``. With
``early_stopping=True`` a stratified tenth of the training data is held out,
its loss is tracked, training stops when it no longer improves, and the
weights of the best epoch are restored.
"""

# %%
import matplotlib.pyplot as plt

from skaudio import MelTransformer, SpectrogramCNNClassifier, WaveformLoader
from skaudio.datasets import fetch_fsdd
from skaudio.plotting import plot_history

fsdd = fetch_fsdd()
train = fsdd.take >= 30
X = MelTransformer(sample_rate=8000, n_fft=512, hop_length=256).fit_transform(
    WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames[train])
)
y = fsdd.target[train]

clf = SpectrogramCNNClassifier(
    max_epochs=20, early_stopping=True, n_iter_no_change=3, random_state=0
).fit(X, y)
print(f"stopped after {len(clf.history_)} epochs")

# %%
plot_history(clf.history_)
plt.title("log-Mel 2D CNN on FSDD (takes 30-49)")
plt.show()
