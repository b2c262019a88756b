"""Scale-invariant signal-to-distortion ratio (SI-SDR) as metrics and scorers.

SI-SDR (Le Roux et al., "SDR – half-baked or well done?", ICASSP 2019)
measures an estimated waveform against its reference in dB, ignoring the
estimate's gain; its improvement (SI-SDRi) is the gain over the unprocessed
input. The scorers plug into :func:`~sklearn.model_selection.cross_val_score`
and :class:`~sklearn.model_selection.GridSearchCV` with
:class:`~skaudio.WaveformDenoiser` and :class:`~skaudio.SpectrogramSeparator`.
"""

import numpy as np
import torch
from sklearn.pipeline import Pipeline

from .nn.losses import best_permutation
from .nn.losses import si_sdr as _si_sdr_torch

__all__ = [
    "make_si_sdr_scorer",
    "si_sdr",
    "si_sdr_improvement",
    "si_sdr_score",
]


def _as_tensor(x, name):
    x = np.array(x, dtype=np.float64)
    if x.ndim < 2 or not np.isfinite(x).all():
        raise ValueError(
            f"{name} must be a finite array of waveforms of shape (n_samples, "
            f"[n_sources,] n_times); got shape {x.shape}"
            + ("" if x.ndim < 2 else " with NaN or infinite values")
            + "."
        )
    return torch.from_numpy(np.ascontiguousarray(x))


def si_sdr(reference, estimate, *, permutation_invariant=False):
    """SI-SDR of each estimated waveform against its reference, in dB.

    Parameters
    ----------
    reference : array-like of shape (n_samples, [n_sources,] n_times)
        Clean waveforms.
    estimate : array-like of the same shape
        Estimated waveforms.
    permutation_invariant : bool, default=False
        The sources (axis 1) have no order: score each example under the
        assignment of estimates to references with the highest mean SI-SDR.

    Returns
    -------
    si_sdr : ndarray of shape (n_samples, [n_sources])
        float64 dB; with ``permutation_invariant``, ordered as ``reference``.

    Notes
    -----
    A silent estimate (all zeros, or any constant: both signals are made
    zero-mean) scores 0 dB, not minus infinity: there is no scale of the
    reference to fit, and the small constant that keeps silent signals
    finite makes both energies equal (``torchmetrics`` gives the same).
    0 dB is also the score of an estimate with as much distortion as
    signal, so a model that outputs silence is not ranked below one that
    outputs a mostly wrong signal: look at the estimates' energy too when
    scores are near 0 dB. A silent reference gives a very low score (about
    -80 dB for an estimate of unit energy) to any estimate but a silent
    one.

    Examples
    --------
    >>> t = np.linspace(0, 1, 800)
    >>> ref = np.stack([np.sin(40 * t), np.sin(90 * t)])[np.newaxis]
    >>> bool(si_sdr(ref, ref[:, ::-1], permutation_invariant=True).min() > 60)
    True
    """
    reference = _as_tensor(reference, "reference")
    estimate = _as_tensor(estimate, "estimate")
    if reference.shape != estimate.shape:
        raise ValueError(
            f"reference and estimate must have the same shape, got "
            f"{tuple(reference.shape)} and {tuple(estimate.shape)}."
        )
    if not permutation_invariant:
        return _si_sdr_torch(reference, estimate).numpy()
    if reference.ndim != 3:
        raise ValueError(
            "permutation_invariant=True needs waveforms of shape (n_samples, "
            f"n_sources, n_times); got shape {tuple(reference.shape)}."
        )
    pairwise = _si_sdr_torch(reference.unsqueeze(2), estimate.unsqueeze(1))
    _, permutation = best_permutation(-pairwise)
    return pairwise.gather(2, permutation.unsqueeze(-1)).squeeze(-1).numpy()


def si_sdr_score(y_true, y_pred, *, permutation_invariant=False):
    """Mean SI-SDR in dB over all waveforms (higher is better).

    Parameters
    ----------
    y_true : array-like of shape (n_samples, [n_sources,] n_times)
        Clean waveforms.
    y_pred : array-like of the same shape
        Estimated waveforms.
    permutation_invariant : bool, default=False
        See :func:`si_sdr`.

    Returns
    -------
    score : float
    """
    return float(
        np.mean(si_sdr(y_true, y_pred, permutation_invariant=permutation_invariant))
    )


def si_sdr_improvement(reference, estimate, mixture, *, permutation_invariant=False):
    """SI-SDR gained over the unprocessed input, in dB (SI-SDRi).

    ``si_sdr(reference, estimate) - si_sdr(reference, mixture)``, where the
    input is compared with every source of its example.

    Parameters
    ----------
    reference : array-like of shape (n_samples, [n_sources,] n_times)
        Clean waveforms.
    estimate : array-like of the same shape
        Estimated waveforms.
    mixture : array-like of shape (n_samples, [1,] n_times) or of the shape \
of ``reference``
        The input the estimates were computed from (noisy speech, mixture).
    permutation_invariant : bool, default=False
        See :func:`si_sdr`.

    Returns
    -------
    improvement : ndarray of shape (n_samples, [n_sources])
        float64 dB.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = rng.standard_normal((2, 1000))
    >>> noisy = clean + rng.standard_normal((2, 1000))
    >>> si_sdr_improvement(clean, clean + 0.1 * (noisy - clean), noisy).round()
    array([20., 20.])
    """
    reference = np.asarray(reference)
    mixture = np.asarray(mixture)
    if mixture.ndim == reference.ndim - 1:
        mixture = mixture[:, np.newaxis]
    try:
        mixture = np.broadcast_to(mixture, reference.shape)
    except ValueError:
        raise ValueError(
            f"mixture of shape {mixture.shape} does not match reference of "
            f"shape {reference.shape}: one input waveform per example expected."
        ) from None
    after = si_sdr(reference, estimate, permutation_invariant=permutation_invariant)
    return after - si_sdr(reference, mixture)


class _SISDRScorer:
    """Scorer ``(estimator, X, y) -> mean SI-SDR or SI-SDRi``.

    A callable rather than :func:`sklearn.metrics.make_scorer`'s scorer: the
    improvement needs ``X`` (the input), and ``"auto"`` asks the estimator
    whether its outputs have an order.
    """

    def __init__(self, improvement, permutation_invariant):
        self.improvement = improvement
        self.permutation_invariant = permutation_invariant

    def __call__(self, estimator, X, y):
        unordered = self.permutation_invariant
        if unordered == "auto":
            # A separator's outputs have no order; a pipeline's last step says.
            final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
            unordered = bool(getattr(final, "_permutation_invariant", False))
        estimate = estimator.predict(X)
        if not self.improvement:
            return si_sdr_score(y, estimate, permutation_invariant=unordered)
        improvement = si_sdr_improvement(
            y, estimate, X, permutation_invariant=unordered
        )
        return float(np.mean(improvement))

    def __repr__(self):
        return (
            f"make_si_sdr_scorer(improvement={self.improvement}, "
            f"permutation_invariant={self.permutation_invariant!r})"
        )


def make_si_sdr_scorer(*, improvement=False, permutation_invariant="auto"):
    """Make a scorer of the mean SI-SDR or SI-SDR improvement (higher is better).

    Parameters
    ----------
    improvement : bool, default=False
        Score the improvement over the input ``X`` (:func:`si_sdr_improvement`)
        rather than the SI-SDR of the predictions.
    permutation_invariant : bool or "auto", default="auto"
        The sources have no order (separation); see :func:`si_sdr`.
        ``"auto"`` follows the estimator scored (or a pipeline's last step):
        True for :class:`~skaudio.SpectrogramSeparator`, as its ``score``,
        False for :class:`~skaudio.WaveformDenoiser` and any other estimator.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, which scikit-learn accepts
        wherever it takes ``scoring``.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from skaudio import WaveformDenoiser
    >>> rng = np.random.default_rng(0)
    >>> clean = np.sin(np.linspace(0, 300, 12 * 200)).reshape(12, 200)
    >>> noisy = clean + 0.3 * rng.standard_normal(clean.shape)
    >>> den = WaveformDenoiser(n_layers=2, filters=4, max_epochs=1,
    ...                        random_state=0)
    >>> scores = cross_val_score(den, noisy, clean, cv=2,
    ...                          scoring=make_si_sdr_scorer(improvement=True))
    >>> scores.shape
    (2,)
    """
    if permutation_invariant not in (True, False, "auto"):
        raise ValueError(
            "permutation_invariant must be True, False or 'auto', got "
            f"{permutation_invariant!r}."
        )
    return _SISDRScorer(bool(improvement), permutation_invariant)
