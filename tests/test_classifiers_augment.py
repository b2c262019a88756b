"""Classifiers with augment=, frontend=, lr_schedule= and fit(groups=...)."""

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from skaudio import (
    MelTransformer,
    MFCCTransformer,
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    WaveformCNNClassifier,
)
from skaudio.augment import (
    AddNoise,
    Mixup,
    RandomGain,
    SpecAugment,
    TimeShift,
    standard_augmentation,
)
from skaudio.datasets import make_tones
from skaudio.io import Waveforms
from skaudio.nn.frontend import AugmentedNetwork

FAST = {"max_epochs": 2, "batch_size": 16, "device": "cpu", "random_state": 0}
MEL = {"sample_rate": 8000, "n_fft": 256, "hop_length": 64, "n_mels": 32}


def _classifiers(augment):
    return [
        WaveformCNNClassifier(
            architecture="simple",
            sample_rate=8000,
            augment=[a for a in augment if a.domain != "features"],
            **FAST,
        ),
        SpectrogramCNNClassifier(
            architecture="simple",
            frontend=MelTransformer(**MEL),
            augment=augment,
            **FAST,
        ),
        SequenceCNNClassifier(
            frontend=MFCCTransformer(**MEL, n_mfcc=13),
            augment=augment,
            **FAST,
        ),
    ]


AUGMENT = [TimeShift(), AddNoise(), SpecAugment(), Mixup()]


@pytest.mark.parametrize("clf", _classifiers(AUGMENT), ids=lambda c: type(c).__name__)
def test_augmented_fit_is_repeatable_and_predict_is_plain(clf, tones):
    X, y = tones
    proba = clf.fit(X, y).predict_proba(X)
    assert isinstance(clf.module_, AugmentedNetwork)
    np.testing.assert_allclose(clone(clf).fit(X, y).predict_proba(X), proba)
    # predict never augments: repeated calls agree, and equal the network
    # applied to the front end's features
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    with torch.no_grad():
        logits = clf.module_.eval()(torch.from_numpy(X[:, None]))
    np.testing.assert_allclose(
        torch.softmax(logits, 1).numpy(), proba, rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("clf", _classifiers([]), ids=lambda c: type(c).__name__)
def test_augmentation_changes_training(clf, tones):
    X, y = tones
    plain = clf.fit(X, y).history_[:, "train_loss"]
    augment = [RandomGain(min_gain_db=-20, max_gain_db=-20), Mixup(alpha=1.0)]
    augmented = clone(clf).set_params(augment=augment).fit(X, y)
    assert augmented.history_[:, "train_loss"] != plain


def test_frontend_gives_the_pipeline_network(tones):
    X, y = tones
    inside = SpectrogramCNNClassifier(
        architecture="simple", frontend=MelTransformer(**MEL), **FAST
    ).fit(X, y)
    outside = make_pipeline(
        MelTransformer(**MEL), SpectrogramCNNClassifier(architecture="simple", **FAST)
    ).fit(X, y)
    np.testing.assert_allclose(
        inside.predict_proba(X), outside.predict_proba(X), rtol=1e-4, atol=1e-5
    )
    assert inside.input_shape_ == (1, X.shape[1])


def test_waveform_augmentation_needs_a_frontend_on_features(tones):
    X, y = tones
    features = MelTransformer(**MEL).fit_transform(X)
    clf = SpectrogramCNNClassifier(architecture="simple", augment=[TimeShift()], **FAST)
    with pytest.raises(ValueError, match="frontend="):
        clf.fit(features, y)
    clf.set_params(augment=[SpecAugment()]).fit(features, y)  # features alone: fine
    # MFCC sequences are features too, although shaped like waveforms
    mfcc = MFCCTransformer(**MEL, n_mfcc=13, layout="sequence").fit_transform(X)
    clf = SequenceCNNClassifier(augment=[AddNoise()], **FAST)
    with pytest.raises(ValueError, match="frontend="):
        clf.fit(mfcc, y)
    clf.set_params(augment=[SpecAugment()]).fit(mfcc, y)


def test_spectrogram_augmentation_is_refused_on_waveforms(tones):
    X, y = tones
    clf = WaveformCNNClassifier(
        architecture="simple", sample_rate=8000, augment=[SpecAugment()], **FAST
    )
    with pytest.raises(ValueError, match="reads waveforms"):
        clf.fit(X, y)


def test_bad_augment_and_frontend_are_named(tones):
    X, y = tones
    with pytest.raises(TypeError, match=r"augment\[0\]"):
        WaveformCNNClassifier(architecture="simple", augment=["noise"], **FAST).fit(
            X, y
        )
    with pytest.raises(ValueError, match="frontend"):
        WaveformCNNClassifier(architecture="simple", frontend="mel", **FAST).fit(X, y)


def test_clips_too_short_for_the_frontend_are_named(tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(frontend=MelTransformer(**MEL), **FAST)
    with pytest.raises(ValueError, match="MelTransformer got clips of 100 samples"):
        clf.fit(X[:, :100], y)


def test_fit_parameters_the_network_does_not_take_are_named(tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(frontend=MelTransformer(**MEL), **FAST)
    with pytest.raises(TypeError) as error:
        clf.fit(X, y, sample_weight=np.ones(len(y)))
    assert str(error.value) == (
        "SpectrogramCNNClassifier.fit got sample_weight, which its network does "
        "not take: fit passes its keyword arguments to the network's forward "
        "(sample weights are not supported)."
    )
    clf.fit(X, y)
    with pytest.raises(TypeError, match=r"\.partial_fit got mask, which its netw"):
        clf.partial_fit(X, y, mask=np.ones(len(y)))


def test_grid_search_over_augment(tones):
    X, y = tones
    search = GridSearchCV(
        WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST),
        {"augment": [None, [TimeShift(mode="zero")]]},
        cv=2,
    ).fit(X, y)
    searched = [params["augment"] for params in search.cv_results_["params"]]
    assert searched[0] is None and searched[1][0].mode == "zero"
    assert search.best_estimator_.predict(X[:2]).shape == (2,)


def test_cosine_schedule_anneals_the_learning_rate(tones):
    X, y = tones
    clf = WaveformCNNClassifier(
        architecture="simple",
        lr_schedule="cosine",
        lr=0.01,
        **{**FAST, "max_epochs": 4},
    ).fit(X, y)
    # lr * (1 + cos(pi * e / 4)) / 2 in epoch e, then lr again for a next call
    np.testing.assert_allclose(
        clf.history_[:, "event_lr"], [0.01, 0.0085355, 0.005, 0.0014645], rtol=1e-4
    )
    assert clf.optimizer_.param_groups[0]["lr"] == 0.01
    constant = clone(clf).set_params(lr_schedule="constant").fit(X, y)
    assert constant.optimizer_.param_groups[0]["lr"] == 0.01


def test_recipe_through_skorch_parameters(tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(
        architecture="simple",
        frontend=MelTransformer(**MEL),
        augment=standard_augmentation(),
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=0.05,
        criterion__label_smoothing=0.1,
        **FAST,
    ).fit(X, y)
    assert clf.criterion_.label_smoothing == 0.1
    assert clone(clf).get_params()["optimizer__weight_decay"] == 0.05


class _SplitRecorder(Callback):
    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.train, self.valid = dataset_train.indices, dataset_valid.indices


def test_groups_keep_speakers_out_of_the_validation_split(tones):
    X, y = tones
    groups = np.repeat(np.arange(6), 10)
    recorder = _SplitRecorder()
    clf = WaveformCNNClassifier(
        architecture="simple",
        early_stopping=True,
        validation_fraction=0.3,
        callbacks=[recorder],
        **FAST,
    )
    clf.fit(X, y, groups=groups)
    train, valid = set(groups[recorder.train]), set(groups[recorder.valid])
    assert train and valid and not train & valid
    assert len(recorder.train) + len(recorder.valid) == len(X)
    # repeatable, and without groups a stratified split mixes the groups
    clf.fit(X, y, groups=groups)
    assert set(groups[recorder.valid]) == valid
    clf.fit(X, y)
    assert set(groups[recorder.train]) & set(groups[recorder.valid])


def test_groups_errors_are_clear(tones):
    X, y = tones
    clf = WaveformCNNClassifier(architecture="simple", early_stopping=True, **FAST)
    with pytest.raises(ValueError, match="one group per example"):
        clf.fit(X, y, groups=np.zeros(3))
    with pytest.raises(ValueError, match="at least 2 groups"):
        clf.fit(X, y, groups=np.zeros(len(X)))
    six = np.repeat(np.arange(6), 10)
    with pytest.raises(
        ValueError,
        match=r"validation_fraction=0.9 holds out 6 of the 6 groups, leaving none",
    ):
        clf.set_params(validation_fraction=0.9).fit(X, y, groups=six)
    with pytest.warns(UserWarning, match=r"1 of 2 \(50% of the groups\) for "):
        clf.set_params(validation_fraction=0.1).fit(X, y, groups=six % 2)


def test_groups_routed_through_cross_validate(tones):
    X, y = tones
    groups = np.repeat(np.arange(6), 10)
    clf = WaveformCNNClassifier(
        architecture="simple", early_stopping=True, validation_fraction=0.3, **FAST
    )
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = make_pipeline(clf.set_fit_request(groups=True))
        scores = cross_validate(
            pipeline, X, y, cv=GroupKFold(3), params={"groups": groups}
        )
    assert len(scores["test_score"]) == 3


def test_with_routing_on_unrequested_groups_go_to_the_splitter_only(tones):
    X, y = tones
    groups = np.repeat(np.arange(6), 10)
    clf = WaveformCNNClassifier(architecture="simple", **FAST)
    with sklearn.config_context(enable_metadata_routing=True):
        # scikit-learn's default request (None) refused these groups.
        scores = cross_validate(clf, X, y, cv=GroupKFold(3), params={"groups": groups})
        assert len(scores["test_score"]) == 3
        with pytest.warns(UserWarning, match=r"set_fit_request\(groups=True\)"):
            clf.set_params(early_stopping=True, validation_fraction=0.3).fit(X, y)
    # Without routing, fit(X, y) has nothing to say about groups.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)


def test_bcresnet_preset(tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(
        architecture="bcresnet", frontend=MelTransformer(**MEL), **FAST
    ).fit(X, y)
    n_params = sum(p.numel() for p in clf.module_.parameters())
    assert 10_000 <= n_params <= 300_000
    assert clf.predict(X[:4]).shape == (4,)
    with pytest.raises(ValueError, match="n_blocks"):
        clone(clf).set_params(n_blocks=2).fit(X, y)


def test_save_and_load_keep_augment_and_frontend(tones, tmp_path):
    import skaudio

    X, y = tones
    clf = SpectrogramCNNClassifier(
        architecture="simple",
        frontend=MelTransformer(**MEL),
        augment=[TimeShift(), AddNoise(noise=np.ones((2, 10), np.float32)), Mixup()],
        **FAST,
    ).fit(X, y)
    skaudio.save(clf, tmp_path / "model")
    loaded = skaudio.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert [type(a) for a in loaded.augment] == [type(a) for a in clf.augment]


def test_standard_augmentation_travels_to_other_rates():
    # sizes are fractions and decibels: the same list works at 44.1 kHz
    X, y = make_tones(12, n_classes=2, sample_rate=44100, duration=0.2, random_state=0)
    clf = SpectrogramCNNClassifier(
        architecture="simple",
        frontend=MelTransformer(sample_rate=44100, n_fft=2048, hop_length=1024),
        augment=standard_augmentation(),
        **FAST,
    ).fit(X, y)
    assert clf.predict_proba(X).shape == (12, 2)


def test_nested_frontend_parameters(tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(frontend=MelTransformer(**MEL))
    assert clf.get_params()["frontend__n_mels"] == 32
    clf.set_params(frontend__n_mels=16, max_epochs=1)
    assert clf.frontend.n_mels == 16 and clf.max_epochs == 1
    search = GridSearchCV(
        SpectrogramCNNClassifier(
            architecture="simple", frontend=MelTransformer(**MEL), **FAST
        ),
        {"frontend__n_mels": [16, 24]},
        cv=2,
    ).fit(X, y)
    assert search.best_estimator_.module_.features(torch.zeros(1, 1, 2000)).shape[
        2
    ] in (16, 24)
    with pytest.raises(ValueError, match="frontend is None"):
        SpectrogramCNNClassifier().set_params(frontend__n_mels=8)


@pytest.mark.parametrize("clf", _classifiers([]), ids=lambda c: type(c).__name__)
def test_mixup_alone_changes_training(clf, tones):
    X, y = tones
    plain = clf.fit(X, y).history_[:, "train_loss"]
    mixed = clone(clf).set_params(augment=[Mixup(alpha=1.0)]).fit(X, y)
    assert mixed.history_[:, "train_loss"] != plain


@pytest.mark.parametrize(
    "clf", _classifiers([AddNoise()]), ids=lambda c: type(c).__name__
)
def test_augment_items_have_no_parameter_names(clf):
    # Not kept for fit, where skorch would call it a typo; the list is untouched.
    with pytest.raises(ValueError, match=r"^Cannot set augment__0__min_snr_db: "):
        clf.set_params(augment__0__min_snr_db=5)
    assert clf.augment[0].min_snr_db == AddNoise().min_snr_db
    assert "augment__0__min_snr_db" not in clf.get_params()
    with pytest.raises(ValueError, match="one list per value"):
        GridSearchCV(clf, {"augment__0__min_snr_db": [5, 20]}, cv=2).fit(
            np.zeros((4, 800), np.float32), [0, 1, 0, 1]
        )


def test_frontend_errors_name_the_parameter_in_full(tones):
    X, y = tones
    with pytest.raises(ValueError, match=r"^Cannot set \['frontend__n_mels'\]: "):
        SpectrogramCNNClassifier().set_params(frontend__n_mels=8)
    with pytest.raises(ValueError, match=r"frontend__n_mels'\]: frontend is None\.$"):
        SpectrogramCNNClassifier().set_params(frontend__n_mels=8)
    # A key below the front end's own parameters is not one of them
    # (scikit-learn's error: n_mels has no parameters), not n_mels itself.
    clf = SpectrogramCNNClassifier(frontend=MelTransformer(**MEL))
    with pytest.raises(AttributeError, match="'int' object has no attribute"):
        clf.set_params(frontend__n_mels__x=8)
    assert clf.frontend.n_mels == 32

    class NotAFeatureTransformer:
        def transform(self, X):
            return X

        def get_params(self, deep=True):
            return {}

    with pytest.raises(
        TypeError,
        match=r"must be a feature transformer of skaudio\.features \(MelTransformer, "
        r"MFCCTransformer, SpectrogramTransformer\)\.$",
    ):
        SpectrogramCNNClassifier(
            architecture="simple", frontend=NotAFeatureTransformer(), **FAST
        ).fit(X, y)


def test_the_network_front_end_is_a_private_copy(tones):
    X, y = tones
    mel = MelTransformer(**MEL)
    before = mel.fit_transform(X)
    clf = SpectrogramCNNClassifier(architecture="simple", frontend=mel, **FAST)
    clf.fit(X, y)
    clf.module_.double()  # changes the network's copy only
    after = mel.transform(X)
    assert after.dtype == np.float32
    np.testing.assert_array_equal(after, before)


def test_validation_fraction_applies_to_groups(tones):
    X, y = tones
    recorder = _SplitRecorder()
    clf = WaveformCNNClassifier(
        architecture="simple",
        early_stopping=True,
        validation_fraction=0.5,
        callbacks=[recorder],
        **FAST,
    )
    groups = np.repeat(np.arange(6), 10)
    clf.fit(X, y, groups=groups)
    assert len(set(groups[recorder.valid])) == 3  # half of the 6 groups
    # two groups are enough: one on each side
    clf.fit(X, y, groups=np.repeat([0, 1], 30))
    assert len(recorder.valid) == 30
    with pytest.raises(
        ValueError,
        match=r"groups holds 1\. Give more groups, or fit without groups \(a "
        r"stratified split\)\.$",
    ):
        clf.fit(X, y, groups=np.zeros(len(X)))


def test_a_sequence_classifier_reads_the_features_of_every_channel(tones):
    X, y = tones
    stereo = np.stack([X, X[:, ::-1]], axis=1).copy()  # (n, 2, n_times)
    clf = SequenceCNNClassifier(frontend=MelTransformer(**MEL), **FAST)
    clf.fit(stereo, y)
    assert clf.module_.network.features[2].in_channels == 2 * MEL["n_mels"]
    assert clf.predict(stereo).shape == y.shape


@pytest.mark.parametrize(
    "augment",
    [[RandomGain(min_gain_db=-20, max_gain_db=-20)], [SpecAugment()]],
    ids=["waveform", "features"],
)
def test_each_kind_of_augmentation_alone_changes_training(augment, tones):
    X, y = tones
    clf = SpectrogramCNNClassifier(
        architecture="simple", frontend=MelTransformer(**MEL), **FAST
    )
    plain = clf.fit(X, y).history_[:, "train_loss"]
    augmented = clone(clf).set_params(augment=augment).fit(X, y)
    assert augmented.history_[:, "train_loss"] != plain


def test_wrong_augmentations_are_refused_in_full(tones):
    X, y = tones
    with pytest.raises(ValueError, match=r"^augment holds more than one Mixup: \["):
        SpectrogramCNNClassifier(
            architecture="simple", augment=[Mixup(), Mixup(alpha=1.0)], **FAST
        ).fit(X.reshape(60, 1, 40, 50), y)
    with pytest.raises(
        ValueError,
        match=r"but WaveformCNNClassifier's network reads waveforms: they would mask "
        r"samples, not frequency bands\. Use waveform augmentations \(TimeShift, "
        r"RandomGain, AddNoise, SpeedPerturbation, RandomFilter, RandomTilt\)\.$",
    ):
        WaveformCNNClassifier(
            architecture="simple", sample_rate=8000, augment=[SpecAugment()], **FAST
        ).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"but SpectrogramCNNClassifier receives features: give it the feature "
        r"transformer as frontend=\.\.\. \(and waveforms as X\) so that the "
        r"waveforms can be augmented before their features are computed\.$",
    ):
        SpectrogramCNNClassifier(
            architecture="simple", augment=[TimeShift()], **FAST
        ).fit(X.reshape(60, 1, 40, 50), y)


@pytest.mark.parametrize(
    "clf",
    [
        SpectrogramCNNClassifier(architecture="simple", frontend=MelTransformer(**MEL)),
        SequenceCNNClassifier(frontend=MFCCTransformer(**MEL, n_mfcc=13)),
    ],
    ids=lambda c: type(c).__name__,
)
def test_frontend_refuses_waveforms_of_another_rate(clf, tones):
    X, y = tones
    name = type(clf.frontend).__name__
    message = f"^{name} has sample_rate=8000 Hz but got waveforms loaded at 16000 Hz"
    with pytest.raises(ValueError, match=message):
        clone(clf).fit(Waveforms(X, 16000), y)
    clf = clone(clf).set_params(**FAST).fit(Waveforms(X, 8000), y)
    with pytest.raises(ValueError, match=message):
        clf.predict(Waveforms(X, 16000))
    assert clf.predict(X).shape == y.shape  # plain arrays carry no rate
