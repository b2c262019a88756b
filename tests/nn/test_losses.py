"""SI-SDR, the best permutation and the waveform loss."""

import itertools

import pytest
import torch

from skaudio.nn.losses import WaveformLoss, best_permutation, si_sdr


def test_si_sdr_and_losses():
    target = torch.randn(3, 2, 400)
    noise = torch.randn(3, 2, 400)
    assert si_sdr(target, target + noise).shape == (3, 2)
    assert WaveformLoss()(target + noise, target) == pytest.approx(
        float(((noise) ** 2).mean())
    )
    loss = WaveformLoss("si_sdr")(target + 0.1 * noise, target)
    assert loss == pytest.approx(-float(si_sdr(target, target + 0.1 * noise).mean()))
    pit = WaveformLoss(permutation_invariant=True)
    assert pit(target.flip(1) + noise, target) == pytest.approx(
        float(WaveformLoss()(target + noise.flip(1), target))
    )
    with pytest.raises(ValueError, match="kind must be"):
        WaveformLoss("l1")


def test_best_permutation_is_exhaustive():
    pairwise = torch.rand(5, 3, 3)
    cost, permutation = best_permutation(pairwise)
    for b in range(5):
        brute = min(
            sum(float(pairwise[b, i, p[i]]) for i in range(3)) / 3
            for p in itertools.permutations(range(3))
        )
        assert float(cost[b]) == pytest.approx(brute)
        assert float(pairwise[b, torch.arange(3), permutation[b]].mean()) == (
            pytest.approx(brute)
        )
