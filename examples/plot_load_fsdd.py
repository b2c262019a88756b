"""
Loading the Free Spoken Digit Dataset
=====================================

Turn the 3,000 FSDD recordings into fixed-length, per-clip normalised
waveforms, and look at how long the clips are and who speaks them.
"""

# %%
# The data set comes as file paths with the digit as target and the speaker
# as group, ready for leave-one-speaker-out cross-validation.
import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf
from sklearn.pipeline import make_pipeline

from skaudio import PerSampleNormalizer, WaveformLoader
from skaudio.datasets import fetch_fsdd

fsdd = fetch_fsdd()
print(fsdd.filenames.shape, np.unique(fsdd.groups))

# %%
# Clip lengths: 1 s at 8 kHz (8,000 samples) holds almost every clip, so the
# loader pads the short ones with zeros and crops the few long ones.
seconds = np.array([sf.info(f).duration for f in fsdd.filenames])
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(seconds, bins=60)
ax.axvline(1.0, color="k", linestyle="--", label="1 s")
ax.set(xlabel="clip duration (s)", ylabel="clips", title="FSDD clip lengths")
ax.legend()
print(f"{np.mean(seconds <= 1.0):.1%} of the clips last at most 1 s")

# %%
# Load and normalise in one pipeline; every clip gets zero mean and unit
# variance, as in Vrysis et al. (2020).
pipe = make_pipeline(
    WaveformLoader(sample_rate=8000, duration=1.0), PerSampleNormalizer()
)
X = pipe.fit_transform(fsdd.filenames)
print(X.shape, X.dtype)

# %%
# The same digit from each speaker.
fig, axes = plt.subplots(6, 1, figsize=(6, 8), sharex=True)
t = np.arange(X.shape[1]) / 8000
for ax, speaker in zip(axes, np.unique(fsdd.groups), strict=True):
    i = np.flatnonzero((fsdd.groups == speaker) & (fsdd.target == 7))[0]
    ax.plot(t, X[i], linewidth=0.5)
    ax.set_ylabel(speaker, rotation=0, ha="right")
axes[-1].set_xlabel("time (s)")
fig.suptitle("'seven', normalised, by speaker")
plt.show()
