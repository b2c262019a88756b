"""The feature backend: every use of torchaudio in skaudio goes through here.

torchaudio is in maintenance mode upstream. skaudio keeps it as the backend of
its spectrograms and resampling, but only this module imports it, so that a
change of backend (torch's own STFT, another library) touches one file;
``tests/test_backend.py`` checks that no other module imports torchaudio.
"""

import functools

import torchaudio
from torch import nn

__all__ = [
    "dct_matrix",
    "mel_filterbank",
    "mel_spectrogram",
    "resampler",
    "spectrogram",
]


#: torchaudio's settings for librosa's (resampy's) "kaiser_best" filter.
_KAISER_BEST = {
    "lowpass_filter_width": 64,
    "rolloff": 0.9475937167399596,
    "resampling_method": "sinc_interp_kaiser",
    "beta": 14.769656459379492,
}


@functools.lru_cache(maxsize=16)
def resampler(orig_freq, new_freq):
    """Return a module that resamples ``(..., time)`` tensors (kernel built once).

    Parameters
    ----------
    orig_freq : int
        Rate of the input (Hz).
    new_freq : int
        Rate of the output (Hz).

    Returns
    -------
    resample : torch.nn.Module
        A :class:`torchaudio.transforms.Resample`, shared between calls with
        the same rates, with the Kaiser-windowed sinc of torchaudio's
        resampling tutorial that matches librosa's ``"kaiser_best"``: a tone
        above the new Nyquist frequency comes out about 80 dB down or more
        (torchaudio's default filter let a 9 kHz tone through at -17 dB
        from 44.1 to 16 kHz), and one just below it intact.
    """
    return torchaudio.transforms.Resample(orig_freq, new_freq, **_KAISER_BEST)


class _ComplexPower(nn.Module):
    """``|X| ** power`` of a complex STFT, from ``X * conj(X)``.

    The same values as :class:`torchaudio.transforms.Spectrogram`'s
    ``abs().pow(power)`` to within float32 rounding, but torch's complex
    ``abs`` runs a slow scalar path on the CPU: this is 5 to 8 times faster
    for that step and makes a Mel spectrogram of one 1-s clip 1.3 times
    faster (``benchmarks/results/features.md``).
    """

    def __init__(self, power):
        super().__init__()
        self.power = power

    def forward(self, x):
        x = (x * x.conj()).real
        return x if self.power == 2 else x.pow(self.power / 2)


def spectrogram(*, power, **stft):
    """Return a module from ``(..., time)`` waveforms to ``(..., n_freqs, n_frames)``.

    Parameters
    ----------
    power : float
        Exponent of the magnitude: 1 for magnitude, 2 for power.
    **stft
        ``n_fft``, ``win_length``, ``hop_length``, ``center``, ``pad_mode``
        of :class:`torchaudio.transforms.Spectrogram` (periodic Hann window).

    Returns
    -------
    spectrogram : torch.nn.Module
        torchaudio's complex :class:`~torchaudio.transforms.Spectrogram`,
        then ``|X| ** power``.
    """
    return nn.Sequential(
        torchaudio.transforms.Spectrogram(power=None, **stft), _ComplexPower(power)
    )


def mel_spectrogram(*, sample_rate, f_min, f_max, n_mels, norm, mel_scale, **stft):
    """Return a module from ``(..., time)`` waveforms to ``(..., n_mels, n_frames)``.

    Parameters
    ----------
    sample_rate : int
        Rate of the waveforms (Hz).
    f_min, f_max : float or None
        Frequency range of the Mel filters (Hz); ``f_max=None`` is
        ``sample_rate / 2``.
    n_mels : int
        Number of Mel bands.
    norm : {None, "slaney"}
        Normalisation of the filters.
    mel_scale : {"htk", "slaney"}
        Mel scale.
    **stft
        The settings of :func:`spectrogram`.

    Returns
    -------
    mel_spectrogram : torch.nn.Module
        :func:`spectrogram`, then :class:`torchaudio.transforms.MelScale`:
        what :class:`torchaudio.transforms.MelSpectrogram` computes.
    """
    return nn.Sequential(
        spectrogram(**stft),
        torchaudio.transforms.MelScale(
            n_mels=n_mels,
            sample_rate=sample_rate,
            f_min=f_min,
            f_max=f_max,
            n_stft=stft["n_fft"] // 2 + 1,
            norm=norm,
            mel_scale=mel_scale,
        ),
    )


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale):
    """Return the triangular Mel filters of :func:`mel_spectrogram`.

    Parameters
    ----------
    n_freqs : int
        FFT bins, ``n_fft // 2 + 1``.
    f_min, f_max : float
        Frequency range (Hz).
    n_mels : int
        Number of filters.
    sample_rate : int
        Rate of the waveforms (Hz).
    norm : {None, "slaney"}
        Normalisation of the filters.
    mel_scale : {"htk", "slaney"}
        Mel scale.

    Returns
    -------
    filterbank : torch.Tensor of shape (n_freqs, n_mels)
    """
    return torchaudio.functional.melscale_fbanks(
        n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale
    )


def dct_matrix(n_mfcc, n_mels, norm):
    """Return the DCT-II matrix that turns ``n_mels`` log-Mel bands into MFCC.

    Parameters
    ----------
    n_mfcc : int
        Coefficients kept.
    n_mels : int
        Mel bands.
    norm : {None, "ortho"}
        Normalisation.

    Returns
    -------
    dct : torch.Tensor of shape (n_mels, n_mfcc)
    """
    return torchaudio.functional.create_dct(n_mfcc, n_mels, norm)
