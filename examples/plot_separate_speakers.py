"""
Separating two speakers with a multi-branch Conv1D
==================================================

:class:`~skaudio.SpectrogramSeparator` reads the mixture's spectrogram with
parallel Conv1D branches of different kernel sizes, predicts one mask per
speaker and rebuilds each voice with the mixture's phase. It trains with a
permutation-invariant mean squared error, since the two voices have no order.
:func:`~skaudio.datasets.make_speaker_mixtures` mixes recordings of different
FSDD speakers; training and test speakers are disjoint.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from skaudio import SpectrogramSeparator, SpectrogramTransformer
from skaudio.datasets import fetch_fsdd, make_speaker_mixtures
from skaudio.metrics import si_sdr, si_sdr_improvement
from skaudio.plotting import plot_spectrogram

torch.set_num_threads(1)
fetch_fsdd()
train = make_speaker_mixtures(
    1000, speakers=["george", "jackson", "lucas", "nicolas"], random_state=0
)
test = make_speaker_mixtures(200, speakers=["theo", "yweweler"], random_state=1)
print(train.mixture.shape, "->", train.sources.shape)

# %%
# Three branches see 3, 9 and 27 frames (24 ms to 220 ms at a 64-sample hop).
separator = SpectrogramSeparator(
    n_fft=256,
    hop_length=64,
    kernel_sizes=(3, 9, 27),
    widths=64,
    max_epochs=8,
    random_state=0,
    verbose=1,
)
start = time.perf_counter()
separator.fit(train.mixture, train.sources)
print(f"trained in {time.perf_counter() - start:.0f} s")

# %%
# SI-SDR improvement on the held-out speakers, each estimate matched to the
# reference it fits best.
estimates = separator.predict(test.mixture)
improvement = si_sdr_improvement(
    test.sources, estimates, test.mixture, permutation_invariant=True
)
print(f"SI-SDR improvement: {improvement.mean():.1f} dB")

# %%
# One mixture, its two estimated voices and the references, as spectrograms.
i = int(np.argsort(improvement.mean(axis=1))[len(improvement) // 2])
pairs = si_sdr(test.sources[i : i + 1], estimates[i : i + 1, ::-1])
if pairs.mean() > si_sdr(test.sources[i : i + 1], estimates[i : i + 1]).mean():
    estimates[i] = estimates[i, ::-1]  # show each estimate under its reference
waves = [test.mixture[i], *estimates[i], *test.sources[i]]
titles = [
    "mixture",
    *[f"estimate {k}" for k in (1, 2)],
    *[f"{s} (reference)" for s in test.speakers[i]],
]
images = SpectrogramTransformer(n_fft=256, hop_length=64).fit_transform(np.stack(waves))
fig, axes = plt.subplots(1, 5, figsize=(16, 3))
for ax, image, title in zip(axes, images, titles, strict=True):
    plot_spectrogram(image[0], sample_rate=8000, hop_length=64, ax=ax)
    ax.set_title(title)
fig.tight_layout()

t = np.arange(test.mixture.shape[1]) / 8000
fig, axes = plt.subplots(3, 1, figsize=(9, 5), sharex=True, sharey=True)
axes[0].plot(t, test.mixture[i], lw=0.5)
axes[0].set_title("mixture")
for k in (0, 1):
    axes[k + 1].plot(t, test.sources[i, k], lw=0.5, label="reference")
    axes[k + 1].plot(t, estimates[i, k], lw=0.5, label="estimate")
    axes[k + 1].set_title(test.speakers[i][k])
axes[1].legend(loc="upper right")
axes[-1].set_xlabel("time (s)")
fig.tight_layout()
plt.show()
