"""WaveformDenoiser and SpectrogramSeparator.

scikit-learn's common checks fit regressors on one target column, which these
estimators refuse (their targets are waveforms), so the properties those
checks cover are tested here with waveform targets; see tests/test_common.py.
"""

import pickle

import joblib
import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skaudio import SpectrogramSeparator, WaveformDenoiser, load, save
from skaudio._compat import InvalidParameterError
from skaudio.metrics import si_sdr_improvement
from skaudio.nn import ConvDenoiser, MaskingDenoiser

TINY_DENOISER = {"n_layers": 2, "filters": 8, "kernel_size": 5, "device": "cpu"}
TINY_MASKING_DENOISER = {
    "architecture": "masking",
    "encoder_channels": 16,
    "encoder_stride": 4,
    "n_layers": 2,
    "n_repeats": 1,
    "filters": 8,
    "device": "cpu",
}
TINY_SEPARATOR = {
    "n_fft": 64,
    "hop_length": 16,
    "kernel_sizes": (3, 5),
    "widths": 16,
    "n_layers": 1,
    "device": "cpu",
}


@pytest.fixture
def noisy_tones():
    """40 tones in white noise at about 0 dB SNR: ``(noisy, clean)``."""
    rng = np.random.default_rng(0)
    t = np.arange(400) / 8000
    freq = rng.uniform(200, 800, (40, 1))
    clean = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    noise = 0.35 * rng.standard_normal(clean.shape).astype(np.float32)
    return clean + noise, clean


@pytest.fixture
def mixtures():
    """32 mixtures of a low tone and a high chirp-free tone: ``(mixture, sources)``."""
    rng = np.random.default_rng(0)
    t = np.arange(512) / 8000
    low = np.sin(2 * np.pi * rng.uniform(200, 400, (32, 1)) * t)
    high = np.sin(2 * np.pi * rng.uniform(2000, 3000, (32, 1)) * t)
    gains = rng.uniform(0.5, 1.0, (32, 2, 1))
    sources = (gains * np.stack([low, high], axis=1)).astype(np.float32)
    return sources.sum(axis=1), sources


def test_denoiser_learns_and_keeps_the_shape(noisy_tones):
    noisy, clean = noisy_tones
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=30, lr=0.01, random_state=0)
    denoised = den.fit(noisy[:30], clean[:30]).predict(noisy[30:])
    assert denoised.shape == (10, 400) and denoised.dtype == np.float32
    assert si_sdr_improvement(clean[30:], denoised, noisy[30:]).mean() > 2
    assert den.input_shape_ == (1, 400) and den.n_features_in_ == 400


@pytest.mark.parametrize(
    "regressor",
    [WaveformDenoiser(**TINY_DENOISER), SpectrogramSeparator(**TINY_SEPARATOR)],
    ids=lambda r: type(r).__name__,
)
def test_regressors_have_no_predict_proba(regressor):
    # skorch's nets have one; scikit-learn's tools take it for a classifier's.
    assert not hasattr(regressor, "predict_proba")
    with pytest.raises(AttributeError, match="is a regressor and has no predict_pr"):
        regressor.predict_proba(np.zeros((2, 512), np.float32))


def test_a_loss_that_is_no_longer_a_number_stops_the_fit(noisy_tones):
    noisy, clean = noisy_tones
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=3, lr=1e30, random_state=0)
    with pytest.raises(ValueError, match="WaveformDenoiser: the training loss became"):
        den.fit(noisy, clean)


def test_waveforms_of_one_sample_are_refused(noisy_tones):
    noisy, _ = noisy_tones
    for regressor, y in (
        (WaveformDenoiser(**TINY_DENOISER), noisy[:, :1]),
        (SpectrogramSeparator(**TINY_SEPARATOR), np.stack([noisy[:, :1]] * 2, 1)),
    ):
        with pytest.raises(ValueError, match="needs waveforms of 2 samples or more"):
            regressor.fit(noisy[:, :1], y)


def test_targets_are_checked_like_inputs(noisy_tones, mixtures):
    noisy, clean = noisy_tones
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=0)
    pcm = (clean * 32767).astype(np.int16)
    with pytest.warns(UserWarning, match=r"target waveforms \(y\) of dtype int16"):
        den.fit(noisy, pcm)
    clean = clean.copy()
    clean[7, 3] = np.nan
    with pytest.raises(ValueError, match=r"^y holds NaN .* 1 of its 40 examples \("):
        den.fit(noisy, clean)
    mixture, sources = mixtures
    separator = SpectrogramSeparator(**TINY_SEPARATOR, max_epochs=0)
    with pytest.raises(ValueError, match="y holds one source per mixture"):
        separator.fit(mixture, sources[:, :1])
    separator.set_params(mask="sigmoid").fit(mixture, sources[:, :1])
    assert separator.predict(mixture[:2]).shape == (2, 1, mixture.shape[-1])


def test_masking_denoiser_learns_and_keeps_the_shape(noisy_tones):
    noisy, clean = noisy_tones
    den = WaveformDenoiser(
        **TINY_MASKING_DENOISER, max_epochs=30, lr=0.01, random_state=0
    )
    denoised = den.fit(noisy[:30], clean[:30]).predict(noisy[30:])
    assert denoised.shape == (10, 400) and denoised.dtype == np.float32
    assert si_sdr_improvement(clean[30:], denoised, noisy[30:]).mean() > 2
    assert isinstance(den.module_, MaskingDenoiser)


def test_denoiser_architectures_and_their_hyperparameters(noisy_tones):
    noisy, clean = noisy_tones
    # the default is the original network with its original settings
    den = WaveformDenoiser(max_epochs=0, device="cpu").fit(noisy, clean)
    reference = ConvDenoiser(n_layers=6, filters=32, kernel_size=9, norm="batch")
    assert repr(den.module_) == repr(reference)
    den = WaveformDenoiser(
        architecture="masking",
        encoder_channels=10,
        encoder_stride=2,
        n_layers=2,
        n_repeats=3,
        filters=6,
        kernel_size=5,
        dilation_growth=3,
        norm="batch",
        max_epochs=0,
        device="cpu",
    ).fit(noisy, clean)
    net = den.module_
    assert (net.encoder.out_channels, net.encoder.stride) == (10, (2,))
    assert [b.layers[0].dilation[0] for b in net.blocks] == [1, 3] * 3
    assert {b.layers[0].kernel_size for b in net.blocks} == {(5,)}
    assert isinstance(net.blocks[0].layers[1], torch.nn.BatchNorm1d)
    with pytest.raises(ValueError, match="encoder_stride=4 does not apply to "):
        WaveformDenoiser(encoder_stride=4, max_epochs=0).fit(noisy, clean)
    with pytest.raises(ValueError, match="residual=False does not apply to "):
        WaveformDenoiser(architecture="masking", residual=False).fit(noisy, clean)
    with pytest.raises(InvalidParameterError, match="architecture"):
        WaveformDenoiser(architecture="unet").fit(noisy, clean)


def test_denoiser_multichannel(noisy_tones):
    noisy, clean = noisy_tones
    X = np.stack([noisy, noisy[::-1]], axis=1)
    y = np.stack([clean, clean[::-1]], axis=1)
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=1, random_state=0).fit(X, y)
    assert den.predict(X[:3]).shape == (3, 2, 400)
    assert den.module_.in_channels == 2
    with pytest.raises(ValueError, match="shaped like X"):
        den.fit(X, clean)


def test_separator_learns(mixtures):
    mixture, sources = mixtures
    sep = SpectrogramSeparator(
        **TINY_SEPARATOR, max_epochs=30, lr=0.01, random_state=0
    ).fit(mixture[:24], sources[:24])
    estimate = sep.predict(mixture[24:])
    assert estimate.shape == (8, 2, 512) and estimate.dtype == np.float32
    improvement = si_sdr_improvement(
        sources[24:], estimate, mixture[24:], permutation_invariant=True
    )
    assert improvement.mean() > 3
    assert sep.n_sources_ == 2 and sep.input_shape_ == (1, 512)


def test_separator_magnitudes_share_out_the_mixture_in_predict_order(mixtures):
    mixture, sources = mixtures
    sep = SpectrogramSeparator(
        **TINY_SEPARATOR, max_epochs=10, lr=0.01, batch_size=5, random_state=0
    ).fit(mixture[:24], sources[:24])
    mags = sep.predict_magnitudes(mixture[24:])
    assert mags.shape == (8, 2, 33, 33) and mags.dtype == np.float32
    stft = dict(n_fft=64, hop_length=16, window=torch.hann_window(64))
    mixture_mag = torch.stft(
        torch.from_numpy(mixture[24:]), **stft, return_complex=True
    )
    # softmax masks: the sources' magnitudes add up to the mixture's
    np.testing.assert_allclose(mags.sum(axis=1), mixture_mag.abs(), atol=1e-4)
    # source k is the spectrogram of predict's source k, not of the other one
    waves = torch.from_numpy(sep.predict(mixture[24:]))
    wave_mags = torch.stft(waves.flatten(0, 1), **stft, return_complex=True).abs()
    wave_mags = wave_mags.reshape(mags.shape).numpy()
    same = np.abs(mags - wave_mags).mean()
    swapped = np.abs(mags - wave_mags[:, ::-1]).mean()
    assert same < 0.5 * swapped


def test_regressors_under_metadata_routing(noisy_tones):
    # skorch's NeuralNet marks partial_fit's `classes` as unused metadata:
    # scikit-learn refused to route for a partial_fit without it.
    noisy, clean = noisy_tones
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=1, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_validate(
            den, noisy, clean, cv=GroupKFold(2), params={"groups": np.arange(40) % 4}
        )["test_score"]
    assert np.isfinite(scores).all()
    with pytest.raises(ValueError, match="is a regressor and has no classes"):
        den.partial_fit(noisy, clean, classes=[0, 1])


def test_conv_denoiser_of_a_long_recording_is_that_of_its_parts(noisy_tones):
    # Same padding and a receptive field of 9 samples: away from the joint,
    # a recording of two clips gives each clip's own output. The network
    # divides each input by its (unbiased) standard deviation: with means of
    # +-sqrt(1 / 2n), two clips of n samples and std 1 make a recording of
    # std 1 too.
    noisy, clean = noisy_tones
    den = WaveformDenoiser(**TINY_DENOISER, max_epochs=2, random_state=0)
    den.fit(noisy, clean)
    clips = noisy[:2] - noisy[:2].mean(axis=1, keepdims=True)
    clips /= clips.std(axis=1, ddof=1, keepdims=True)
    clips += np.array([[1], [-1]], dtype=np.float32) * np.sqrt(1 / 800)
    both = den.predict(clips.reshape(1, -1))
    apart = den.predict(clips)
    np.testing.assert_allclose(both[0, :390], apart[0, :390], atol=1e-5)
    np.testing.assert_allclose(both[0, 410:], apart[1, 10:], atol=1e-5)


def test_separator_input_errors(mixtures):
    mixture, sources = mixtures
    sep = SpectrogramSeparator(**TINY_SEPARATOR, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"\(n_samples, n_sources, n_times\)"):
        sep.fit(mixture, sources[:, 0])
    with pytest.raises(ValueError, match="mono mixtures"):
        sep.fit(sources, sources)
    with pytest.raises(ValueError, match="too short for n_fft=64"):
        sep.fit(mixture[:, :32], sources[:, :, :32])
    sep.fit(mixture, sources)
    with pytest.raises(ValueError, match="3 sources, but"):
        sep.partial_fit(mixture, np.concatenate([sources, sources[:, :1]], axis=1))
    with pytest.raises(ValueError, match="too short for n_fft=64"):
        sep.predict(mixture[:, :32])


@pytest.mark.parametrize(
    "make",
    [
        lambda: WaveformDenoiser(**TINY_DENOISER, max_epochs=2, random_state=0),
        lambda: WaveformDenoiser(**TINY_MASKING_DENOISER, max_epochs=2, random_state=0),
        lambda: SpectrogramSeparator(**TINY_SEPARATOR, max_epochs=2, random_state=0),
    ],
    ids=["denoiser", "masking-denoiser", "separator"],
)
class TestEstimatorContract:
    """What the common checks would check with one target column."""

    @pytest.fixture
    def data(self, make, noisy_tones, mixtures):
        return noisy_tones if isinstance(make(), WaveformDenoiser) else mixtures

    def test_seeded_fit_is_repeatable_and_idempotent(self, make, data):
        X, y = data
        state = torch.random.get_rng_state()
        est = make().fit(X, y)
        assert torch.equal(torch.random.get_rng_state(), state)
        first = est.predict(X)
        np.testing.assert_array_equal(est.fit(X, y).predict(X), first)
        np.testing.assert_array_equal(make().fit(X, y).predict(X), first)
        other = make().set_params(random_state=1).fit(X, y).predict(X)
        assert not np.array_equal(other, first)

    def test_params_unchanged_by_fit_and_clone(self, make, data):
        X, y = data
        est = make()
        params = est.get_params(deep=False)
        est.fit(X, y)
        assert est.get_params(deep=False).keys() == params.keys()
        for name, value in est.get_params(deep=False).items():
            assert value is params[name] or value == params[name], name
        copy = clone(est)
        assert not hasattr(copy, "module_")
        assert repr(copy) == repr(make())
        assert "loss" in params and "random_state" in params

    def test_pickle_joblib_and_safe_save(self, make, data, tmp_path):
        X, y = data
        est = make().fit(X, y)
        expected = est.predict(X[:4])
        np.testing.assert_allclose(
            pickle.loads(pickle.dumps(est)).predict(X[:4]), expected
        )
        pipe = make_pipeline(FunctionTransformer(), est)
        joblib.dump(pipe, tmp_path / "model.joblib")
        np.testing.assert_allclose(
            joblib.load(tmp_path / "model.joblib").predict(X[:4]), expected
        )
        save(est, tmp_path / "model.skaudio")
        restored = load(tmp_path / "model.skaudio")
        assert repr(restored) == repr(est)
        np.testing.assert_array_equal(restored.predict(X[:4]), expected)

    def test_predictions_do_not_depend_on_order_or_batch(self, make, data):
        X, y = data
        est = make().fit(X, y)
        full = est.predict(X)
        order = np.random.default_rng(0).permutation(len(X))
        np.testing.assert_allclose(est.predict(X[order]), full[order], atol=1e-6)
        np.testing.assert_allclose(est.predict(X[:5]), full[:5], atol=1e-6)

    def test_input_types(self, make, data, tmp_path):
        X, y = data
        est = make().fit(X.astype(np.float64), y.astype(np.float64))
        expected = est.predict(X)
        np.testing.assert_allclose(est.predict(X.tolist()), expected, atol=1e-6)
        np.testing.assert_allclose(est.predict(np.asfortranarray(X)), expected)
        path = tmp_path / "X.npy"
        np.save(path, X)
        memmap = np.load(path, mmap_mode="r")
        np.testing.assert_allclose(est.predict(memmap), expected)
        make().fit(memmap, y)  # read-only input trains too
        est.fit((X * 100).astype(np.int16), y)

    def test_bad_input_errors(self, make, data):
        X, y = data
        est = make()
        with pytest.raises(ValueError, match="requires y to be passed"):
            est.fit(X, None)
        with pytest.raises(ValueError, match="NaN"):
            est.fit(np.full_like(X, np.nan), y)
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            est.fit(X, y[:-1])
        with pytest.raises(ValueError, match="(fit|not fitted)"):
            est.predict(X)
        est.fit(X, y)
        with pytest.raises(ValueError, match="needs waveforms of 2 samples or more"):
            est.predict(X[:, :1])

    def test_predicts_recordings_of_any_length(self, make, data):
        X, y = data
        est = make().fit(X, y)
        n_sources = () if y.ndim == 2 else (y.shape[1],)
        for n_times in (X.shape[-1] - 3, 3 * X.shape[-1] + 1):
            recording = np.resize(X[:2], (2, n_times))
            assert est.predict(recording).shape == (2, *n_sources, n_times)

    def test_partial_fit_and_warm_start(self, make, data):
        X, y = data
        est = make().partial_fit(X, y)
        module = est.module_
        est.partial_fit(X, y)
        assert est.module_ is module and len(est.history_) == 4
        est = make().set_params(warm_start=True).fit(X, y)
        module = est.module_
        est.fit(X, y)
        assert est.module_ is module and len(est.history_) == 4

    def test_params_are_validated_at_fit(self, make, data):
        X, y = data
        with pytest.raises(InvalidParameterError, match="loss"):
            make().set_params(loss="l1").fit(X, y)
        with pytest.raises(InvalidParameterError, match="max_epochs"):
            make().set_params(max_epochs=-1).fit(X, y)
        with pytest.raises(InvalidParameterError, match="lr_schedule"):
            make().set_params(lr_schedule="linear").fit(X, y)

    def test_cosine_schedule_runs_one_period_per_call(self, make, data):
        X, y = data
        est = make().set_params(lr_schedule="cosine").fit(X, y)  # max_epochs=2
        assert [name for name, _ in est.callbacks_][-2:] == ["lr_schedule", "print_log"]
        est.partial_fit(X, y)
        period = [est.lr, est.lr / 2]  # lr * (1 + cos(pi * e / 2)) / 2
        np.testing.assert_allclose(est.history_[:, "event_lr"], period * 2)
        assert est.optimizer_.param_groups[0]["lr"] == est.lr

    def test_si_sdr_loss_early_stopping_and_auto_device(self, make, data, capsys):
        X, y = data
        est = make().set_params(
            loss="si_sdr", early_stopping=True, device="auto", verbose=1
        )
        est.fit(X, y)
        assert est.criterion_.kind == "si_sdr"
        assert est.get_params()["device"] == "auto"
        assert est.device == ("cuda" if torch.cuda.is_available() else "cpu")
        assert "valid_loss" in capsys.readouterr().out
        assert np.isfinite(est.history_[:, "valid_loss"]).all()


def test_hyperparameters_reach_the_networks(noisy_tones, mixtures):
    noisy, clean = noisy_tones
    den = WaveformDenoiser(
        n_layers=3,
        filters=(4, 6, 4),
        kernel_size=3,
        dilation_growth=2,
        norm="group",
        residual=False,
        max_epochs=0,
        device="cpu",
    ).fit(noisy, clean)
    convs = [m for m in den.module_.modules() if isinstance(m, torch.nn.Conv1d)]
    assert [c.out_channels for c in convs] == [4, 6, 4, 1]
    assert [c.dilation[0] for c in convs[:3]] == [1, 2, 4]
    assert not den.module_.residual
    mixture, sources = mixtures
    sep = SpectrogramSeparator(
        n_fft=32,
        hop_length=8,
        kernel_sizes=(3, 7),
        widths=(5, 6),
        mask="sigmoid",
        max_epochs=0,
        device="cpu",
    ).fit(mixture, sources)
    assert sep.module_.branches.out_channels == 11
    assert sep.module_.stft.n_fft == 32 and sep.module_.mask == "sigmoid"
    assert not any(isinstance(m, torch.nn.Dropout) for m in sep.module_.modules())
    sep.set_params(dropout=0.3, n_layers=2).fit(mixture, sources)
    dropouts = [m for m in sep.module_.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 4 and all(d.p == 0.3 for d in dropouts)
    assert sep.module_.standardize.mode == "sample"


def test_separator_input_norm_per_frequency(mixtures):
    mixture, sources = mixtures
    sep = SpectrogramSeparator(
        **TINY_SEPARATOR, input_norm="frequency", max_epochs=0, random_state=0
    ).fit(mixture, sources)
    assert sep.module_.standardize.mode == "frequency"
    # a fixed colouring of the mixture (a gain per frequency bin) is removed
    # before the branches, so it leaves the masks unchanged
    spec = sep.module_.stft(torch.from_numpy(mixture[:4]))
    gains = torch.linspace(0.2, 5.0, spec.shape[1])[:, None]
    sep.module_.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            sep.module_.masks(spec * gains), sep.module_.masks(spec), atol=1e-3, rtol=0
        )
        plain = sep.set_params(input_norm="sample").initialize().module_.eval()
        change = plain.masks(spec * gains) - plain.masks(spec)
        assert change.abs().max() > 1e-2
    with pytest.raises(InvalidParameterError, match="input_norm"):
        SpectrogramSeparator(**TINY_SEPARATOR, input_norm="time").fit(mixture, sources)


def test_separator_dropout_only_in_training(mixtures):
    mixture, sources = mixtures
    sep = SpectrogramSeparator(
        **TINY_SEPARATOR, dropout=0.5, max_epochs=2, random_state=0
    ).fit(mixture, sources)
    # predict runs the network in eval mode: no dropout, repeatable outputs
    np.testing.assert_array_equal(sep.predict(mixture), sep.predict(mixture))
    sep.module_.train()
    with torch.no_grad():
        x = torch.from_numpy(mixture[:4, None])
        assert not torch.equal(sep.module_(x), sep.module_(x))
    with pytest.raises(InvalidParameterError, match="dropout"):
        SpectrogramSeparator(**TINY_SEPARATOR, dropout=1.0).fit(mixture, sources)
