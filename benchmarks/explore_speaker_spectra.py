"""Long-term average spectrum of each FSDD speaker, in octave-like bands.

Why the waveform networks fail on george (``results/accuracy.md``): each
clip is scaled to unit RMS, cut into 64 ms Hann frames (hop 32 ms), and
the frames' power spectra are averaged per speaker; the table gives each
band's share of that power in per cent, and the clips' mean length.

Usage::

    SKAUDIO_DATA=... python benchmarks/explore_speaker_spectra.py
"""

import itertools

import numpy as np
import soundfile as sf

from skaudio.datasets import load_fsdd

BANDS_HZ = [0, 100, 250, 500, 1000, 2000, 3000, 4001]
N_FFT = 512


def mean_power_spectrum(clips):
    """Average power spectrum of unit-RMS clips, shape (N_FFT // 2 + 1,)."""
    total = np.zeros(N_FFT // 2 + 1)
    for clip in clips:
        clip = np.pad(clip / clip.std(), (0, max(0, N_FFT - len(clip))))
        frames = np.lib.stride_tricks.sliding_window_view(clip, N_FFT)[:: N_FFT // 2]
        spectra = np.fft.rfft(frames * np.hanning(N_FFT), axis=1)
        total += (np.abs(spectra) ** 2).mean(axis=0)
    return total / total.sum()


def main():
    data = load_fsdd()
    freqs = np.fft.rfftfreq(N_FFT, 1 / 8000)
    bands = list(itertools.pairwise(BANDS_HZ))
    print(
        "| speaker | mean length s | "
        + " | ".join(f"{low}-{min(high, 4000)} Hz %" for low, high in bands)
        + " |"
    )
    print("|---" * (len(bands) + 2) + "|")
    for speaker in np.unique(data.groups):
        files = data.filenames[data.groups == speaker]
        clips = [sf.read(f, dtype="float64")[0] for f in files]
        power = mean_power_spectrum(clips)
        shares = [100 * power[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in bands]
        length = np.mean([len(c) for c in clips]) / 8000
        print(
            f"| {speaker} | {length:.2f} | "
            + " | ".join(f"{s:.1f}" for s in shares)
            + " |"
        )


if __name__ == "__main__":
    main()
