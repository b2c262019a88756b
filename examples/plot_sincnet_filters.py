"""
SincNet's learned filters
=========================

SincNet replaces the first convolution of LV-Flat with 32 band-pass filters
whose two cut-offs are the only parameters (Ravanelli & Bengio, 2018). Their
cut-offs start evenly spaced on the Mel scale; after a few epochs on FSDD we
draw how they moved.
"""

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np

from skaudio import PerSampleNormalizer, WaveformCNNClassifier, WaveformLoader
from skaudio.datasets import fetch_fsdd
from skaudio.plotting import plot_sinc_filters

fsdd = fetch_fsdd()
train = fsdd.take >= 45  # 300 clips keep this example near a minute
X = PerSampleNormalizer().fit_transform(
    WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames[train])
)
y = fsdd.target[train]

# ``max_epochs=0`` builds the network without training it; ``partial_fit``
# then trains that same network.
clf = WaveformCNNClassifier(
    architecture="sincnet", sample_rate=8000, max_epochs=0, random_state=0
).fit(X, y)
initial = copy.deepcopy(clf.module_.blocks[0].conv)
clf.set_params(max_epochs=3).partial_fit(X, y)

# %%
# Magnitude responses before and after training.
fig, axes = plt.subplots(1, 2, figsize=(11, 3), sharey=True)
plot_sinc_filters(initial, ax=axes[0])
axes[0].set_title("initial (Mel-spaced)")
plot_sinc_filters(clf.module_.blocks[0].conv, ax=axes[1])
axes[1].set_title(f"after {clf.max_epochs} epochs")
fig.tight_layout()

# %%
# The cut-offs themselves: each filter's band as a line.
fig, ax = plt.subplots(figsize=(6, 3))
for layer, color, label in [
    (initial, "0.6", "initial"),
    (clf.module_.blocks[0].conv, "C1", "trained"),
]:
    low, high = (t.detach().numpy() for t in layer.cutoffs())
    order = np.argsort(low)
    ax.vlines(np.arange(len(low)), low[order], high[order], color=color, label=label)
ax.set(xlabel="filter (sorted by low cut-off)", ylabel="Hz")
ax.legend()
plt.show()
