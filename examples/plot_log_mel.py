"""
Visualising log-Mel spectrograms
================================

:class:`~skaudio.MelTransformer` turns waveforms into log-Mel "images" for 2D
CNNs. Here: the same digit from three speakers, with and without ``top_db``
and per-clip standardisation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skaudio import MelTransformer, PerSampleNormalizer, WaveformLoader
from skaudio.datasets import fetch_fsdd
from skaudio.plotting import plot_spectrogram

fsdd = fetch_fsdd()
speakers = ["george", "jackson", "nicolas"]
files = [
    fsdd.filenames[(fsdd.groups == s) & (fsdd.target == 3) & (fsdd.take == 0)][0]
    for s in speakers
]
X = PerSampleNormalizer().fit_transform(
    WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(files)
)

# %%
# At 8 kHz, ``n_fft=256`` (32 ms) and ``hop_length=128`` give 63 frames per
# second; 40 Mel bands cover 0-4 kHz. ``top_db=80`` floors each clip 80 dB
# below its own peak, so the zero padding after a short clip does not become
# -100 dB.
mel = MelTransformer(sample_rate=8000, n_fft=256, hop_length=128, n_mels=40)
S = mel.fit_transform(X)
print(S.shape)  # (clips, channels, n_mels, n_frames)

fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, speaker, s in zip(axes, speakers, S, strict=True):
    plot_spectrogram(s[0], sample_rate=8000, hop_length=128, ax=ax)
    ax.set_title(f"'three', {speaker}")
fig.tight_layout()

# %%
# Without ``top_db`` the padding dominates the colour scale; per-clip
# standardisation (``standardize=True``) then centres every clip, which is
# what the 2D CNNs are fed.
raw = mel.set_params(top_db=None).fit_transform(X[:1])[0, 0]
std = mel.set_params(top_db=80.0, standardize=True).fit_transform(X[:1])[0, 0]
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
plot_spectrogram(raw, sample_rate=8000, hop_length=128, ax=axes[0])
axes[0].set_title("no top_db")
plot_spectrogram(std, sample_rate=8000, hop_length=128, ax=axes[1], label="z-score")
axes[1].set_title("top_db=80, standardised")
fig.tight_layout()
print(f"no top_db: min {raw.min():.0f} dB; standardised: mean {np.mean(std):.2f}")
plt.show()
