"""SI-SDR metrics and scorers."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from skaudio import SpectrogramSeparator, WaveformDenoiser
from skaudio.metrics import (
    make_si_sdr_scorer,
    si_sdr,
    si_sdr_improvement,
    si_sdr_score,
)


@pytest.fixture
def signals():
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((4, 2, 500))
    noise = rng.standard_normal((4, 2, 500))
    return reference, noise


def test_si_sdr_matches_its_definition(signals):
    reference, noise = signals
    estimate = 3 * reference + 0.5 * noise
    ref = reference - reference.mean(-1, keepdims=True)
    est = estimate - estimate.mean(-1, keepdims=True)
    alpha = (est * ref).sum(-1, keepdims=True) / (ref**2).sum(-1, keepdims=True)
    expected = 10 * np.log10(
        ((alpha * ref) ** 2).sum(-1) / ((est - alpha * ref) ** 2).sum(-1)
    )
    np.testing.assert_allclose(si_sdr(reference, estimate), expected, rtol=1e-6)
    assert si_sdr(reference, estimate).shape == (4, 2)


def test_si_sdr_ignores_gain_and_offset(signals):
    reference, noise = signals
    estimate = reference + 0.3 * noise
    np.testing.assert_allclose(
        si_sdr(reference, 5 * estimate + 2), si_sdr(reference, estimate), rtol=1e-6
    )
    assert (si_sdr(reference, reference) > 80).all()


def test_known_snr_of_orthogonal_noise():
    t = np.arange(8000)
    reference = np.sin(2 * np.pi * t / 80)[np.newaxis]
    noise = np.cos(2 * np.pi * t / 80)[np.newaxis]  # orthogonal, same power
    assert si_sdr(reference, reference + noise)[0] == pytest.approx(0, abs=1e-6)
    assert si_sdr(reference, reference + 0.1 * noise)[0] == pytest.approx(20)


def test_silent_estimate_scores_0_db_as_documented(signals):
    reference, _ = signals
    for silent in (np.zeros_like(reference), np.full_like(reference, 0.5)):
        np.testing.assert_array_equal(si_sdr(reference, silent), 0)
        assert (si_sdr(silent, reference) < -90).all()
        np.testing.assert_array_equal(si_sdr(silent, silent), 0)


def test_permutation_invariance(signals):
    reference, noise = signals
    estimate = reference + 0.1 * noise
    swapped = estimate[:, ::-1]
    plain = si_sdr(reference, estimate)
    np.testing.assert_allclose(
        si_sdr(reference, swapped, permutation_invariant=True), plain
    )
    assert si_sdr(reference, swapped).max() < 0 < plain.min()
    assert si_sdr_score(
        reference, swapped, permutation_invariant=True
    ) == pytest.approx(plain.mean())


def test_improvement(signals):
    reference, noise = signals
    mixture = reference.sum(axis=1)
    estimate = reference + 0.1 * noise
    improvement = si_sdr_improvement(reference, estimate, mixture)
    np.testing.assert_allclose(
        improvement,
        si_sdr(reference, estimate)
        - si_sdr(reference, np.stack([mixture, mixture], axis=1)),
    )
    # the input given as (n, 1, n_times) is the same
    np.testing.assert_allclose(
        si_sdr_improvement(reference, estimate, mixture[:, np.newaxis]), improvement
    )
    np.testing.assert_allclose(
        si_sdr_improvement(reference, mixture[:, None].repeat(2, 1), mixture), 0
    )


def test_bad_input_is_named(signals):
    reference, _ = signals
    with pytest.raises(ValueError, match="same shape"):
        si_sdr(reference, reference[:, :1])
    with pytest.raises(ValueError, match="estimate must be a finite array"):
        si_sdr(reference, np.full_like(reference, np.nan))
    with pytest.raises(ValueError, match="reference must be a finite array"):
        si_sdr(np.zeros(10), np.zeros(10))
    with pytest.raises(ValueError, match="n_sources"):
        si_sdr(reference[:, 0], reference[:, 0], permutation_invariant=True)
    with pytest.raises(ValueError, match="mixture of shape"):
        si_sdr_improvement(reference, reference, reference[:, :, :10])


@pytest.fixture
def noisy_tones():
    rng = np.random.default_rng(0)
    t = np.arange(256) / 8000
    freq = rng.uniform(300, 900, (24, 1))
    clean = np.sin(2 * np.pi * freq * t).astype(np.float32)
    noisy = clean + 0.5 * rng.standard_normal(clean.shape).astype(np.float32)
    return noisy, clean


def test_scorers_in_cross_val_score_and_grid_search(noisy_tones):
    noisy, clean = noisy_tones
    denoiser = WaveformDenoiser(
        n_layers=2, filters=4, max_epochs=2, device="cpu", random_state=0
    )
    scorer = make_si_sdr_scorer()
    scores = cross_val_score(denoiser, noisy, clean, cv=2, scoring=scorer)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    denoiser.fit(noisy[:12], clean[:12])
    assert scorer(denoiser, noisy[12:], clean[12:]) == pytest.approx(
        si_sdr_score(clean[12:], denoiser.predict(noisy[12:]))
    )
    assert denoiser.score(noisy[12:], clean[12:]) == pytest.approx(
        scorer(denoiser, noisy[12:], clean[12:])
    )
    improvement = make_si_sdr_scorer(improvement=True)
    assert improvement(denoiser, noisy[12:], clean[12:]) == pytest.approx(
        si_sdr_improvement(clean[12:], denoiser.predict(noisy[12:]), noisy[12:]).mean()
    )
    search = GridSearchCV(
        denoiser, {"kernel_size": [3, 5]}, cv=2, scoring=improvement
    ).fit(noisy, clean)
    assert search.best_params_["kernel_size"] in (3, 5)
    assert "improvement=True" in repr(improvement)


def test_permutation_invariant_scorer_with_the_separator():
    rng = np.random.default_rng(0)
    sources = rng.standard_normal((8, 2, 256)).astype(np.float32)
    mixture = sources.sum(axis=1)
    separator = SpectrogramSeparator(
        n_fft=32, hop_length=8, widths=4, max_epochs=1, device="cpu", random_state=0
    ).fit(mixture, sources)
    estimate = separator.predict(mixture)
    expected = si_sdr_improvement(
        sources, estimate, mixture, permutation_invariant=True
    ).mean()
    # The default, "auto", follows the separator (or a pipeline ending in it).
    for scorer in (
        make_si_sdr_scorer(improvement=True, permutation_invariant=True),
        make_si_sdr_scorer(improvement=True),
    ):
        assert scorer(separator, mixture, sources) == pytest.approx(expected)
        assert scorer(make_pipeline(separator), mixture, sources) == pytest.approx(
            expected
        )
    in_order = si_sdr_improvement(sources, estimate, mixture).mean()
    fixed_order = make_si_sdr_scorer(improvement=True, permutation_invariant=False)
    assert fixed_order(separator, mixture, sources) == pytest.approx(in_order)
    assert separator.score(mixture, sources) == pytest.approx(
        make_si_sdr_scorer()(separator, mixture, sources)
    )
    assert separator.score(mixture, sources) == pytest.approx(
        si_sdr_score(sources, estimate, permutation_invariant=True)
    )
    with pytest.raises(ValueError, match="must be True, False or 'auto', got 'yes'"):
        make_si_sdr_scorer(permutation_invariant="yes")
