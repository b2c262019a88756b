import hashlib
import json
import os

import joblib
import numpy as np
import pytest
import safetensors.torch
import sklearn
import torch
from sklearn.pipeline import FunctionTransformer, Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skaudio import (
    FixedLength,
    MelTransformer,
    MFCCTransformer,
    PerSampleNormalizer,
    RandomRoll,
    SequenceCNNClassifier,
    SpectrogramCNNClassifier,
    SpectrogramTransformer,
    WaveformCNNClassifier,
    WaveformLoader,
    load,
    save,
)
from skaudio.experiments import make_model
from skaudio.persistence import _LENGTH, _MAGIC, FORMAT_VERSION, ModelFileError

FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0}
MEL = {"sample_rate": 8000, "n_fft": 256, "hop_length": 128, "n_mels": 16}


def _split(path):
    """Return (header, spec, tensors) of a model file."""
    data = path.read_bytes()
    start = len(_MAGIC) + _LENGTH.size
    (n_header,) = _LENGTH.unpack_from(data, len(_MAGIC))
    header = json.loads(data[start : start + n_header])
    payload = data[start + n_header :]
    (n_spec,) = _LENGTH.unpack_from(payload, 0)
    spec = json.loads(payload[_LENGTH.size : _LENGTH.size + n_spec])
    tensors = safetensors.torch.load(payload[_LENGTH.size + n_spec :])
    return header, spec, tensors


def _write(path, header, spec, tensors):
    """Write a model file with a *valid* checksum over the given content."""
    spec = json.dumps(spec).encode()
    payload = _LENGTH.pack(len(spec)) + spec + safetensors.torch.save(tensors)
    header = dict(header, payload_bytes=len(payload))
    header["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    header = json.dumps(header).encode()
    path.write_bytes(_MAGIC + _LENGTH.pack(len(header)) + header + payload)


@pytest.fixture(scope="module")
def tone_data():
    from skaudio.datasets import make_tones

    X, y = make_tones(36, n_classes=3, duration=0.25, random_state=0)
    return X, np.array(["low", "mid", "high"])[y]


@pytest.fixture(scope="module")
def fitted_mel_pipeline(tone_data):
    X, y = tone_data
    return make_pipeline(
        MelTransformer(**MEL), SpectrogramCNNClassifier(architecture="simple", **FAST)
    ).fit(X, y)


def _same_params(a, b):
    assert type(a) is type(b)
    assert repr(a) == repr(b)


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_pipeline(
            PerSampleNormalizer(),
            WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST),
        ),
        lambda: make_pipeline(
            MelTransformer(**MEL),
            SpectrogramCNNClassifier(architecture="simple", norm="batch", **FAST),
        ),
        lambda: make_pipeline(
            MFCCTransformer(n_mfcc=8, layout="sequence", **MEL),
            SequenceCNNClassifier(filters=8, head="gru", hidden_size=8, **FAST),
        ),
        lambda: make_pipeline(
            SpectrogramTransformer(n_fft=128, hop_length=64),
            SpectrogramCNNClassifier(
                architecture="simple", kernel_size=(3, 3), filters=(4, 8), **FAST
            ),
        ),
        lambda: make_pipeline(
            FixedLength(n_times=1800),
            StandardScaler(),
            WaveformCNNClassifier(
                architecture="simple",
                sample_rate=8000,
                optimizer=torch.optim.SGD,
                optimizer__momentum=0.9,
                **FAST,
            ),
        ),
        lambda: make_pipeline(
            RandomRoll(n_rolls=2, random_state=3),
            WaveformCNNClassifier(architecture="lv-81", sample_rate=8000, **FAST),
        ),
    ],
    ids=["waveform", "mel-cnn-batchnorm", "mfcc-gru", "spectrogram", "scaler", "roll"],
)
def test_round_trip_gives_identical_probabilities(make, tone_data, tmp_path):
    X, y = tone_data
    pipe = make().fit(X, y)
    save(pipe, tmp_path / "model.skaudio")
    loaded = load(tmp_path / "model.skaudio")
    for original, restored in zip(pipe, loaded, strict=True):
        _same_params(original, restored)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    assert loaded[-1].input_shape_ == pipe[-1].input_shape_
    assert loaded[-1].classes_.dtype == pipe[-1].classes_.dtype
    assert loaded[-1].history_[:, "train_loss"] == pipe[-1].history_[:, "train_loss"]


@pytest.mark.parametrize("name", ["mel-cnn", "mfcc-seq", "lv-18", "sincnet"])
def test_round_trip_of_named_models(name, tone_data, tmp_path):
    X, y = tone_data
    pipe = make_model(name, sample_rate=8000, **FAST).fit(X, y)
    save(pipe, tmp_path / "m.skaudio")
    np.testing.assert_array_equal(
        load(tmp_path / "m.skaudio").predict_proba(X), pipe.predict_proba(X)
    )


def test_round_trip_of_transformers_and_unfitted_estimators(tone_data, tmp_path):
    X, _ = tone_data
    estimators = [
        WaveformLoader(sample_rate=16000, duration=0.5, align="center"),
        MelTransformer(f_max=3000.0, top_db=None, standardize=True).fit(X),
        PerSampleNormalizer(method="rms", eps=1e-6),
        StandardScaler().fit(X),
        SpectrogramCNNClassifier(architecture="vgg", pool=(1, 2), lr=0.01),
        WaveformCNNClassifier(filters=(4, 8), module__dense_units=5),
    ]
    for i, estimator in enumerate(estimators):
        save(estimator, tmp_path / f"{i}.skaudio")
        loaded = load(tmp_path / f"{i}.skaudio")
        _same_params(estimator, loaded)
        assert loaded.get_params(deep=False) == estimator.get_params(deep=False)
    loaded = load(tmp_path / "3.skaudio")
    np.testing.assert_array_equal(loaded.transform(X), estimators[3].transform(X))
    np.testing.assert_array_equal(
        load(tmp_path / "1.skaudio").transform(X), estimators[1].transform(X)
    )


def test_integer_labels_and_auto_device(tmp_path):
    from skaudio.datasets import make_tones

    X, y = make_tones(24, n_classes=2, duration=0.25, random_state=1)
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST)
    clf.fit(X, y + 10)
    save(clf, tmp_path / "c.skaudio")
    loaded = load(tmp_path / "c.skaudio")
    assert loaded.get_params()["device"] == "auto"
    assert loaded.classes_.tolist() == [10, 11]
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_model_saved_for_cuda_loads_on_cpu(fitted_mel_pipeline, tone_data, tmp_path):
    # The file a GPU machine writes differs from a CPU one only in the
    # device parameter (weights are always written from the CPU).
    path = tmp_path / "m.skaudio"
    save(fitted_mel_pipeline, path)
    header, spec, tensors = _split(path)
    spec["params"]["steps"][1]["__tuple__"][1]["params"]["device"] = "cuda"
    _write(path, header, spec, tensors)
    if torch.cuda.is_available():
        loaded = load(path)
    else:
        with pytest.warns(UserWarning, match="CUDA is not available here"):
            loaded = load(path)
    X, _ = tone_data
    np.testing.assert_allclose(
        loaded.predict_proba(X), fitted_mel_pipeline.predict_proba(X), atol=1e-5
    )


def test_metadata_requests_are_kept(tmp_path):
    from skaudio.datasets import make_tones

    X, y = make_tones(24, n_classes=2, duration=0.25, random_state=1)
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST)
    with sklearn.config_context(enable_metadata_routing=True):
        clf.set_fit_request(groups=True).fit(X, y, groups=np.arange(24) % 4)
    save(clf, tmp_path / "c.skaudio")
    loaded = load(tmp_path / "c.skaudio")  # routing off here, as by default
    assert loaded.get_metadata_routing().consumes("fit", ["groups"]) == {"groups"}
    unrequested = WaveformCNNClassifier()
    save(unrequested, tmp_path / "u.skaudio")
    assert (
        not load(tmp_path / "u.skaudio")
        .get_metadata_routing()
        .consumes("fit", ["groups"])
    )


def test_history_with_numpy_scalars(fitted_mel_pipeline, tmp_path):
    clf = fitted_mel_pipeline[-1]
    clf.history_.record("custom_score", np.float32(0.25))
    save(clf, tmp_path / "c.skaudio")
    del clf.history_[-1]["custom_score"]
    assert load(tmp_path / "c.skaudio").history_[-1, "custom_score"] == 0.25


def test_file_is_json_and_safetensors_not_pickle(fitted_mel_pipeline, tmp_path):
    path = tmp_path / "m.skaudio"
    save(fitted_mel_pipeline, path)
    header, spec, tensors = _split(path)
    assert header["format_version"] == FORMAT_VERSION
    assert {"skaudio", "torch", "scikit-learn", "skorch"} <= set(header["versions"])
    assert spec["__class__"] == "sklearn.pipeline.Pipeline"
    assert all(isinstance(t, torch.Tensor) for t in tensors.values())
    assert b"\x80\x04" not in path.read_bytes()[: len(_MAGIC) + 8]


# -- refusals -------------------------------------------------------------------
@pytest.fixture
def model_file(fitted_mel_pipeline, tmp_path):
    path = tmp_path / "model.skaudio"
    save(fitted_mel_pipeline, path)
    return path


def _refused(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_refuses_unknown_class_even_with_valid_checksum(model_file):
    header, spec, tensors = _split(model_file)
    spec["params"]["steps"][0]["__tuple__"][1]["__class__"] = "os.system"
    _write(model_file, header, spec, tensors)
    _refused(model_file, "'os.system', which is not in the allow-list")


def test_refuses_unknown_callable_and_parameter(model_file):
    header, spec, tensors = _split(model_file)
    cnn = spec["params"]["steps"][1]["__tuple__"][1]
    cnn["params"]["optimizer"] = {"__callable__": "builtins.eval"}
    _write(model_file, header, spec, tensors)
    _refused(model_file, "callable 'builtins.eval', not allowed")
    cnn["params"]["optimizer"] = {"__callable__": "torch.optim.Adam"}
    cnn["params"]["exec_me"] = 1
    _write(model_file, header, spec, tensors)
    _refused(model_file, "no parameter 'exec_me'")


def test_refuses_parameter_values_no_fit_could_store(model_file):
    header, spec, tensors = _split(model_file)
    mel = spec["params"]["steps"][0]["__tuple__"][1]
    mel["params"]["n_mels"] = "many"
    _write(model_file, header, spec, tensors)
    _refused(
        model_file,
        r"cannot rebuild skaudio.MelTransformer: The 'n_mels' parameter of "
        r"MelTransformer must be an int",
    )


def test_refuses_tampered_content(model_file):
    data = bytearray(model_file.read_bytes())
    data[-20] ^= 0xFF
    model_file.write_bytes(bytes(data))
    _refused(model_file, "does not match the SHA-256")


@pytest.mark.parametrize("keep", [5, 30, 200, -100])
def test_refuses_truncated_file(model_file, keep):
    data = model_file.read_bytes()
    model_file.write_bytes(data[:keep])
    _refused(model_file, "truncated")


def test_refuses_other_format_version(model_file):
    header, spec, tensors = _split(model_file)
    _write(model_file, dict(header, format_version=FORMAT_VERSION + 1), spec, tensors)
    _refused(model_file, f"format version {FORMAT_VERSION + 1}")


def test_refuses_weights_of_wrong_shape_or_missing(model_file):
    header, spec, tensors = _split(model_file)
    key = next(k for k in tensors if k.endswith("weight"))
    _write(model_file, header, spec, dict(tensors, **{key: tensors[key][:1]}))
    _refused(model_file, "do not fit the network")
    del tensors[key]
    _write(model_file, header, spec, tensors)
    _refused(model_file, "is missing from the weights")


def test_refuses_files_that_are_not_skaudio_models(fitted_mel_pipeline, tmp_path):
    joblib.dump(fitted_mel_pipeline, tmp_path / "m.joblib")
    _refused(tmp_path / "m.joblib", "pickle.*load it with joblib only if you trust")
    for compress in ["zlib", "gzip", "bz2", "xz", "lzma"]:
        path = tmp_path / f"m.{compress}"
        joblib.dump({"a": 1}, path, compress=(compress, 3))
        _refused(
            path,
            f"it is a {compress}-compressed file \\(as joblib.dump\\(..., compress="
            "...\\) writes pickles\\), which skaudio.load never reads; load it with",
        )
    (tmp_path / "text").write_text("hello")
    _refused(tmp_path / "text", "not a skaudio model file")
    (tmp_path / "empty").write_bytes(b"")
    _refused(tmp_path / "empty", "empty")
    _refused(tmp_path / "missing", "does not exist")
    _refused(tmp_path, "directory")


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="FunctionTransformer is not one of"):
        save(make_pipeline(FunctionTransformer(np.abs)), tmp_path / "f.skaudio")

    class MyMel(MelTransformer):
        """A subclass is another class: its code could do anything."""

    with pytest.raises(TypeError, match="MyMel is not one of"):
        save(MyMel(), tmp_path / "m.skaudio")
    rolls = RandomRoll(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="random_state.*RandomState"):
        save(rolls, tmp_path / "r.skaudio")
    assert not list(tmp_path.iterdir())


def test_save_does_not_leave_partial_files(tmp_path, fitted_mel_pipeline, monkeypatch):
    path = tmp_path / "m.skaudio"
    save(fitted_mel_pipeline, path)
    save(fitted_mel_pipeline, path)  # overwrite
    assert [p.name for p in tmp_path.iterdir()] == ["m.skaudio"]
    assert isinstance(load(path), Pipeline)
    # A folder, or a file in a missing folder: one clear error, nothing written.
    with pytest.raises(
        ModelFileError, match=f"^Cannot save model file '{tmp_path}': it is a folder"
    ):
        save(fitted_mel_pipeline, tmp_path)
    missing = tmp_path / "missing" / "m.skaudio"
    with pytest.raises(ModelFileError, match="folder '.*missing' does not exist"):
        save(fitted_mel_pipeline, missing)

    # A write that fails half way leaves no temporary file.
    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save(fitted_mel_pipeline, tmp_path / "n.skaudio")
    assert [p.name for p in tmp_path.iterdir()] == ["m.skaudio"]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_fitted_on_gpu_loads_on_cpu_only_machine(device, tone_data, tmp_path):
    import subprocess
    import sys

    X, y = tone_data
    pipe = make_pipeline(
        MelTransformer(**MEL),
        SpectrogramCNNClassifier(architecture="simple", **{**FAST, "device": device}),
    ).fit(X, y)
    assert next(pipe[-1].module_.parameters()).is_cuda
    save(pipe, tmp_path / "m.skaudio")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", pipe.predict_proba(X))
    script = (
        "import numpy as np, torch, warnings, skaudio;"
        "assert not torch.cuda.is_available();"
        "warnings.simplefilter('ignore');"
        f"pipe = skaudio.load({str(tmp_path / 'm.skaudio')!r});"
        "assert next(pipe[-1].module_.parameters()).device.type == 'cpu';"
        f"X = np.load({str(tmp_path / 'X.npy')!r});"
        f"expected = np.load({str(tmp_path / 'expected.npy')!r});"
        "np.testing.assert_allclose(pipe.predict_proba(X), expected, atol=1e-5)"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", script], check=True, env=env)


def test_round_trip_of_the_regressors(tmp_path):
    from skaudio import SpectrogramSeparator, WaveformDenoiser

    rng = np.random.default_rng(0)
    clean = rng.standard_normal((8, 512)).astype(np.float32)
    noisy = clean + 0.3 * rng.standard_normal(clean.shape).astype(np.float32)
    denoiser = WaveformDenoiser(
        n_layers=2, filters=4, max_epochs=1, random_state=0, device="cpu"
    ).fit(noisy, clean)
    sources = rng.standard_normal((8, 2, 512)).astype(np.float32)
    separator = SpectrogramSeparator(
        n_fft=128, max_epochs=1, random_state=0, device="cpu"
    ).fit(sources.sum(axis=1), sources)
    for fitted, X in ((denoiser, noisy), (separator, sources.sum(axis=1))):
        save(fitted, tmp_path / "r.skaudio")
        restored = load(tmp_path / "r.skaudio")
        assert type(restored) is type(fitted)
        np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert restored.n_sources_ == 2


def test_file_with_the_old_kernel_size_pair_of_the_simple_waveform_cnn(tmp_path):
    # Before kernel_sizes, WaveformCNNClassifier(kernel_size=(a, b)) gave the two
    # layer lengths of architecture="simple"; such files still load.
    X = np.random.default_rng(0).standard_normal((8, 400)).astype(np.float32)
    clf = WaveformCNNClassifier(
        architecture="simple", kernel_sizes=(9, 3), filters=(4, 4), **FAST
    ).fit(X, np.arange(8) % 2)
    path = tmp_path / "model.skaudio"
    save(clf, path)
    header, spec, tensors = _split(path)
    spec["params"]["kernel_size"] = spec["params"].pop("kernel_sizes")
    _write(path, header, spec, tensors)
    loaded = load(path)
    assert loaded.kernel_sizes == (9, 3) and loaded.kernel_size is None
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
