"""
Denoising speech with a Conv1D autoencoder
==========================================

:class:`~skaudio.WaveformDenoiser` maps noisy waveforms to clean ones with
same-padded Conv1D layers and batch normalisation, trained with the mean
squared error. :func:`~skaudio.datasets.make_noisy_speech` mixes FSDD
recordings with white, coloured or babble noise at chosen SNRs; here the
denoiser trains on two speakers and is evaluated on a third it never heard,
with the SI-SDR improvement of ``skaudio.metrics``.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from skaudio import SpectrogramTransformer, WaveformDenoiser
from skaudio.datasets import fetch_fsdd, make_noisy_speech
from skaudio.metrics import si_sdr_improvement
from skaudio.plotting import plot_spectrogram

torch.set_num_threads(1)
fetch_fsdd()  # the recordings, downloaded once
train = make_noisy_speech(
    speakers=["george", "jackson"],
    snr=(0.0, 5.0, 10.0),
    noise=("white", "babble"),
    random_state=0,
)
test = make_noisy_speech(
    speakers=["theo", "nicolas"], snr=0.0, noise="white", random_state=1
)
print(train.noisy.shape, "training clips;", test.noisy.shape, "test clips")

# %%
# A small network and a few epochs, to run in about a minute; see
# ``benchmarks/results/regression.md`` for a longer training.
denoiser = WaveformDenoiser(
    n_layers=4,
    filters=16,
    kernel_size=9,
    dilation_growth=2,
    max_epochs=4,
    random_state=0,
    verbose=1,
)
start = time.perf_counter()
denoiser.fit(train.noisy, train.clean)
print(f"trained in {time.perf_counter() - start:.0f} s")

# %%
# SI-SDR improvement at 0 dB white noise, on speakers held out of training.
# Only the test speakers ``theo`` and ``nicolas`` are scored.
denoised = denoiser.predict(test.noisy)
improvement = si_sdr_improvement(test.clean, denoised, test.noisy)
print(
    f"SI-SDR improvement: {improvement.mean():.1f} dB (median "
    f"{np.median(improvement):.1f} dB)"
)

# %%
# One clip before and after: waveforms, then spectrograms.
i = int(np.argsort(improvement)[len(improvement) // 2])  # a typical clip
t = np.arange(test.noisy.shape[1]) / test.sample_rate
fig, axes = plt.subplots(3, 1, figsize=(9, 5), sharex=True, sharey=True)
for ax, wave, title in zip(
    axes,
    [test.noisy[i], denoised[i], test.clean[i]],
    ["noisy (0 dB white noise)", "denoised", "clean"],
    strict=True,
):
    ax.plot(t, wave, lw=0.5)
    ax.set_title(title)
axes[-1].set_xlabel("time (s)")
fig.tight_layout()

spectrogram = SpectrogramTransformer(n_fft=256, hop_length=64)
images = spectrogram.fit_transform(
    np.stack([test.noisy[i], denoised[i], test.clean[i]])
)
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, image, title in zip(axes, images, ["noisy", "denoised", "clean"], strict=True):
    plot_spectrogram(image[0], sample_rate=8000, hop_length=64, ax=ax)
    ax.set_title(title)
fig.tight_layout()
plt.show()
