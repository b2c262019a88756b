"""Losses and measures between waveforms (torch only).

:func:`si_sdr` is the one implementation of the scale-invariant
signal-to-distortion ratio in skaudio: :mod:`skaudio.metrics` evaluates it on
numpy arrays, :class:`WaveformLoss` trains with it.
"""

import itertools

import torch
from torch import nn

__all__ = ["WaveformLoss", "best_permutation", "si_sdr"]


def si_sdr(reference, estimate, *, eps=1e-8):
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., 2019).

    Both signals are made zero-mean; the reference is scaled to best fit the
    estimate, and the ratio is that scaled reference's energy over the energy
    of what remains of the estimate.

    Parameters
    ----------
    reference : Tensor of shape (..., n_times)
        Clean signals.
    estimate : Tensor of shape (..., n_times)
        Estimates of them.
    eps : float, default=1e-8
        Keeps silent signals finite: a silent (or constant) estimate scores
        0 dB.

    Returns
    -------
    si_sdr : Tensor of shape (...)
        One value in dB per signal.

    Examples
    --------
    >>> ref = torch.sin(torch.linspace(0, 20, 400))
    >>> float(si_sdr(ref, 0.5 * ref)) > 60
    True
    """
    reference = reference - reference.mean(dim=-1, keepdim=True)
    estimate = estimate - estimate.mean(dim=-1, keepdim=True)
    energy = (reference**2).sum(dim=-1, keepdim=True)
    scale = (estimate * reference).sum(dim=-1, keepdim=True) / (energy + eps)
    target = scale * reference
    residual = estimate - target
    ratio = ((target**2).sum(dim=-1) + eps) / ((residual**2).sum(dim=-1) + eps)
    return 10 * torch.log10(ratio)


def best_permutation(pairwise):
    """Find the assignment of estimates to references of lowest pairwise cost.

    Parameters
    ----------
    pairwise : Tensor of shape (batch, n_sources, n_sources)
        ``pairwise[b, i, j]``: cost of estimate ``j`` for reference ``i``.

    Returns
    -------
    cost : Tensor of shape (batch,)
        Mean cost over the sources of the best assignment.
    permutation : LongTensor of shape (batch, n_sources)
        For each reference, the index of its estimate.
    """
    n_sources = pairwise.shape[-1]
    permutations = torch.tensor(
        list(itertools.permutations(range(n_sources))), device=pairwise.device
    )
    references = torch.arange(n_sources, device=pairwise.device)
    # costs[b, p] = mean over i of pairwise[b, i, permutations[p, i]]
    costs = pairwise[:, references, permutations].mean(dim=-1)
    cost, index = costs.min(dim=1)
    return cost, permutations[index]


class WaveformLoss(nn.Module):
    """Mean squared error or negative SI-SDR between waveforms.

    Parameters
    ----------
    kind : {"mse", "si_sdr"}, default="mse"
        ``"mse"``: mean squared error; ``"si_sdr"``: minus the mean
        :func:`si_sdr`.
    permutation_invariant : bool, default=False
        Sources have no order (separation): score each example under the
        assignment of estimated to reference sources that gives the lowest
        loss (permutation-invariant training).

    Examples
    --------
    >>> target = torch.randn(4, 2, 100)
    >>> loss = WaveformLoss(permutation_invariant=True)
    >>> float(loss(target.flip(1), target))
    0.0
    """

    def __init__(self, kind="mse", *, permutation_invariant=False):
        super().__init__()
        if kind not in ("mse", "si_sdr"):
            raise ValueError(f"kind must be 'mse' or 'si_sdr', got {kind!r}.")
        self.kind = kind
        self.permutation_invariant = permutation_invariant

    def _pointwise(self, target, estimate):
        if self.kind == "mse":
            return ((estimate - target) ** 2).mean(dim=-1)
        return -si_sdr(target, estimate)

    def forward(self, estimate, target):
        """Loss of a batch.

        Parameters
        ----------
        estimate : Tensor of shape (batch, n_channels, n_times)
            The network's output.
        target : Tensor of shape (batch, n_channels, n_times)
            Clean waveforms (channels or sources).

        Returns
        -------
        loss : Tensor of shape ()
        """
        if not self.permutation_invariant:
            return self._pointwise(target, estimate).mean()
        pairwise = self._pointwise(target.unsqueeze(2), estimate.unsqueeze(1))
        return best_permutation(pairwise)[0].mean()
