import json
import os

import numpy as np
import pytest
import torch
from sklearn.pipeline import FunctionTransformer, make_pipeline
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
    export_onnx,
    load,
    save,
)
from skaudio.datasets import load_fsdd, make_tones
from skaudio.experiments import make_model

if os.environ.get("CI"):
    import onnx
    import onnxruntime as ort
else:
    onnx = pytest.importorskip("onnx", reason="needs the 'export' extra")
    ort = pytest.importorskip("onnxruntime", reason="needs the 'export' extra")

FAST = {"max_epochs": 1, "batch_size": 16, "random_state": 0, "device": "cpu"}
MEL = {"sample_rate": 8000, "n_fft": 256, "hop_length": 128, "n_mels": 32}
OLD_TORCH = torch.torch_version.TorchVersion(torch.__version__) < (2, 14)


def _run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["waveforms"]
    return session.run(None, {"waveforms": np.ascontiguousarray(X)})[0]


def _metadata(path):
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


@pytest.fixture(scope="module")
def fsdd_clips(fsdd_home):
    """48 FSDD files of take 0 (every fifth file) and their labels."""
    fsdd = load_fsdd(fsdd_home)
    keep = (fsdd.take == 0) & (np.arange(len(fsdd.target)) % 5 == 0)
    files, y = fsdd.filenames[keep][:48], fsdd.target[keep][:48]
    return files, y


@pytest.mark.fsdd
@pytest.mark.parametrize(
    ("name", "per_clip"),
    [
        ("mel-cnn", False),
        ("mfcc-seq", False),
        ("lv-18", False),
        ("sincnet", False),
        ("mfcc-seq-aug", False),  # the front end inside the classifier
        ("mel-cnn", True),
        ("lv-18", True),
        ("sincnet", True),
        ("mfcc-seq-aug", True),
    ],
)
def test_onnx_matches_predict_proba_on_fsdd(name, per_clip, fsdd_clips, tmp_path):
    files, y = fsdd_clips
    loader = WaveformLoader(sample_rate=8000, duration=1.0)
    X = loader.fit_transform(files)
    pipe = make_model(name, sample_rate=8000, **FAST).fit(X, y)
    path = tmp_path / f"{name}.onnx"
    metadata = export_onnx(pipe, path, n_times=8000, per_clip=per_clip)
    expected = pipe.predict_proba(X)
    np.testing.assert_allclose(_run(path, X), expected, atol=1e-4, rtol=0)
    np.testing.assert_allclose(_run(path, X[:1]), expected[:1], atol=1e-4, rtol=0)
    stored = _metadata(path)
    assert stored == metadata
    assert json.loads(stored["classes"]) == pipe.classes_.tolist()
    assert stored["sample_rate"] == "8000" and stored["n_times"] == "8000"
    assert stored.get("stft") == (None if name in ("lv-18", "sincnet") else "matmul")
    assert stored.get("per_clip") == ("true" if per_clip else None)
    graph = onnx.load(str(path)).graph
    onnx.checker.check_model(onnx.load(str(path)))
    assert [node.op_type for node in graph.node][-1:] == (
        ["Scan"] if per_clip else ["Softmax"]
    )
    if name == "mfcc-seq-aug":  # the classifier's own STFT as matrix products too
        assert "STFT" not in {node.op_type for node in graph.node}
    nodes = graph.node[0].attribute[0].g.node if per_clip else graph.node
    two_d = ("Conv", "MaxPool") if per_clip else ("Conv",)
    kernels = [
        len(onnx.helper.get_attribute_value(a))
        for node in nodes
        if node.op_type in two_d
        for a in node.attribute
        if a.name == "kernel_shape"
    ]
    assert kernels and set(kernels) == {2}  # 1-D ones run as 2-D (ONNX Runtime)


@pytest.mark.parametrize(
    "front",
    [
        MelTransformer(**MEL),
        MFCCTransformer(**{**MEL, "win_length": 200, "hop_length": 100}, n_mfcc=13),
        SpectrogramTransformer(n_fft=128, hop_length=64, pad_mode="constant"),
        SpectrogramTransformer(n_fft=128, hop_length=50, power=1.0, center=False),
        SpectrogramTransformer(n_fft=150, hop_length=64, pad_mode="replicate"),
        SpectrogramTransformer(n_fft=127, hop_length=40, pad_mode="circular"),
    ],
    ids=[
        "mel",
        "mfcc-short-window",
        "linear-constant-pad",
        "magnitude-uncentred",
        "odd-second-stage",
        "prime-n_fft",
    ],
)
@pytest.mark.parametrize("stft", ["matmul", "onnx"])
def test_both_stft_forms_match_the_eager_front_end(front, stft, tmp_path):
    X, y = make_tones(12, n_classes=2, duration=0.5, random_state=0)
    pipe = make_pipeline(front, SpectrogramCNNClassifier(**FAST)).fit(X, y)
    metadata = export_onnx(pipe, tmp_path / "s.onnx", n_times=4000, stft=stft)
    assert metadata["stft"] == stft
    np.testing.assert_allclose(
        _run(tmp_path / "s.onnx", X), pipe.predict_proba(X), atol=1e-4, rtol=0
    )


def test_unknown_stft_form_is_refused(tmp_path):
    X, y = make_tones(8, n_classes=2, duration=0.5, random_state=0)
    pipe = make_pipeline(MelTransformer(**MEL), SpectrogramCNNClassifier(**FAST))
    with pytest.raises(ValueError, match="stft must be 'matmul' or 'onnx', got 'fft'"):
        export_onnx(pipe.fit(X, y), tmp_path / "l.onnx", n_times=4000, stft="fft")
    assert not (tmp_path / "l.onnx").exists()


def test_unfitted_pipeline_is_refused_as_not_fitted(tmp_path):
    from sklearn.exceptions import NotFittedError

    for pipe in (
        make_pipeline(MelTransformer(**MEL), SpectrogramCNNClassifier(**FAST)),
        make_pipeline(
            WaveformLoader(), MelTransformer(**MEL), SpectrogramCNNClassifier(**FAST)
        ),
    ):
        with pytest.raises(NotFittedError, match="is not fitted yet"):
            export_onnx(pipe, tmp_path / "u.onnx", n_times=4000)
    assert not (tmp_path / "u.onnx").exists()


@pytest.mark.fsdd
def test_export_of_a_saved_pipeline_that_starts_from_files(fsdd_clips, tmp_path):
    files, y = fsdd_clips
    pipe = make_model("mel-cnn", sample_rate=8000, **FAST)
    pipe.steps.insert(0, ("load", WaveformLoader(sample_rate=8000, duration=0.75)))
    pipe.fit(files, y)
    save(pipe, tmp_path / "m.skaudio")
    metadata = export_onnx(load(tmp_path / "m.skaudio"), tmp_path / "m.onnx")
    assert metadata["n_times"] == "6000" and metadata["sample_rate"] == "8000"
    X = pipe[0].transform(files[:5])
    np.testing.assert_allclose(
        _run(tmp_path / "m.onnx", X), pipe.predict_proba(files[:5]), atol=1e-4
    )


@pytest.mark.parametrize("method", ["standard", "peak", "rms"])
def test_waveform_steps_and_string_labels(method, tmp_path):
    X, y = make_tones(24, n_classes=3, duration=0.25, random_state=0)
    y = np.array(["low", "mid", "high"])[y]
    pipe = make_pipeline(
        FixedLength(n_times=1500, align="center"),
        PerSampleNormalizer(method=method),
        StandardScaler(),
        WaveformCNNClassifier(architecture="lv-81", sample_rate=8000, **FAST),
    ).fit(X, y)
    metadata = export_onnx(pipe, tmp_path / "w.onnx", n_times=X.shape[1])
    assert json.loads(metadata["classes"]) == ["high", "low", "mid"]
    np.testing.assert_allclose(
        _run(tmp_path / "w.onnx", X), pipe.predict_proba(X), atol=1e-4, rtol=0
    )


def test_clip_length_from_the_classifier(tmp_path):
    X, y = make_tones(12, n_classes=2, duration=0.25, random_state=0)
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST)
    metadata = export_onnx(clf.fit(X, y), tmp_path / "c.onnx")
    assert metadata["n_times"] == "2000"
    np.testing.assert_allclose(
        _run(tmp_path / "c.onnx", X), clf.predict_proba(X), atol=1e-4
    )
    # A front end inside the classifier gives the sample rate.
    clf = SpectrogramCNNClassifier(frontend=MelTransformer(**MEL), **FAST).fit(X, y)
    metadata = export_onnx(clf, tmp_path / "f.onnx")
    assert (metadata["n_times"], metadata["sample_rate"]) == ("2000", "8000")
    # Another length does not fit the network: refused before exporting.
    with pytest.raises(ValueError) as error:
        export_onnx(clf, tmp_path / "g.onnx", n_times=1500)
    assert str(error.value) == (
        "Cannot export with n_times=1500: the model takes clips of 2000 samples, "
        "as it was trained; leave n_times out, it is for models that do not "
        "record their clip length."
    )
    assert not (tmp_path / "g.onnx").exists()


def test_clip_length_from_the_first_step(tmp_path):
    X, y = make_tones(12, n_classes=2, duration=0.25, random_state=0)
    # Fitted on (n_clips, n_times), the first step counted the samples.
    pipe = make_pipeline(
        PerSampleNormalizer(), MelTransformer(**MEL), SpectrogramCNNClassifier(**FAST)
    ).fit(X, y)
    metadata = export_onnx(pipe, tmp_path / "m.onnx")
    assert (metadata["n_times"], metadata["sample_rate"]) == ("2000", "8000")
    np.testing.assert_allclose(
        _run(tmp_path / "m.onnx", X), pipe.predict_proba(X), atol=1e-4
    )
    # On (n_clips, 1, n_times) it counted one channel: the length is unknown.
    pipe.fit(X[:, np.newaxis], y)
    with pytest.raises(ValueError, match="Cannot tell the clip length the pipeline"):
        export_onnx(pipe, tmp_path / "c.onnx")
    assert export_onnx(pipe, tmp_path / "c.onnx", n_times=2000)["n_times"] == "2000"


def test_a_saved_model_is_never_replaced_by_its_graph(tmp_path):
    X, y = make_tones(12, n_classes=2, duration=0.25, random_state=0)
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST)
    path = tmp_path / "m.skaudio"
    save(clf.fit(X, y), path)
    saved = path.read_bytes()
    with pytest.raises(ValueError) as error:
        export_onnx(clf, path)
    assert str(error.value) == (
        f"'{path}' is a model saved by skaudio.save: writing the ONNX graph there "
        f"would replace it. Give another path, e.g. '{tmp_path / 'm.onnx'}'."
    )
    assert path.read_bytes() == saved
    for where, problem in [
        (tmp_path / "none" / "m.onnx", f"folder '{tmp_path / 'none'}' does not exist"),
        (tmp_path, "it is a folder"),
    ]:
        with pytest.raises(ValueError) as error:
            export_onnx(clf, where)
        assert str(error.value) == (
            f"Cannot write the ONNX graph to '{where}': {problem}."
        )


def test_what_cannot_be_exported_fails_clearly(tmp_path):
    X, y = make_tones(12, n_classes=2, duration=0.25, random_state=0)
    clf = WaveformCNNClassifier(architecture="simple", sample_rate=8000, **FAST)
    path = tmp_path / "x.onnx"
    roll = make_pipeline(RandomRoll(n_rolls=2, random_state=0), clf).fit(X, y)
    with pytest.raises(ValueError, match="'randomroll' \\(RandomRoll\\).*hash"):
        export_onnx(roll, path)
    other = make_pipeline(FunctionTransformer(np.tanh), clf).fit(X, y)
    with pytest.raises(ValueError, match="FunctionTransformer.*no ONNX form"):
        export_onnx(other, path)
    mel = make_pipeline(
        MelTransformer(sample_rate=8000, n_fft=256, hop_length=128, n_mels=16),
        SpectrogramCNNClassifier(architecture="simple", **FAST),
    )
    with pytest.raises(ValueError, match="pass n_times"):  # fitted with channels
        export_onnx(mel.fit(X[:, np.newaxis], y), path)
    stereo = make_pipeline(WaveformLoader(mono=False), clf)
    with pytest.raises(ValueError, match="mono=False"):
        export_onnx(stereo, path)
    with pytest.raises(ValueError, match="last step must be a skaudio classifier"):
        export_onnx(make_pipeline(PerSampleNormalizer()), path)
    features = MelTransformer(**MEL).fit_transform(X)
    with pytest.raises(ValueError) as error:  # a classifier of features alone
        export_onnx(SpectrogramCNNClassifier(**FAST).fit(features, y), path)
    assert str(error.value) == (
        "Cannot export: the graph takes waveforms, but SpectrogramCNNClassifier "
        "here reads features computed before it. Export the pipeline with its "
        "feature step (MelTransformer, ...), or give the classifier its front "
        "end as frontend=."
    )
    assert not path.exists()


@pytest.mark.gpu
def test_export_of_a_network_on_the_gpu(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    X, y = make_tones(12, n_classes=2, duration=0.25, random_state=0)
    clf = WaveformCNNClassifier(
        architecture="simple", sample_rate=8000, **{**FAST, "device": "cuda"}
    ).fit(X, y)
    export_onnx(clf, tmp_path / "g.onnx")
    assert next(clf.module_.parameters()).is_cuda  # left where it was
    np.testing.assert_allclose(
        _run(tmp_path / "g.onnx", X), clf.predict_proba(X), atol=1e-4
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_model("rollmix", sample_rate=8000, **FAST),
        lambda: make_model("latemix", sample_rate=8000, **FAST),
        pytest.param(
            lambda: make_pipeline(
                MFCCTransformer(n_mfcc=13, layout="sequence", **MEL),
                SequenceCNNClassifier(
                    head="lstm", bidirectional=True, filters=8, **FAST
                ),
            ),
            marks=pytest.mark.skipif(
                OLD_TORCH, reason="torch<2.14 refuses it (the next test)"
            ),
        ),
        lambda: make_pipeline(
            SpectrogramTransformer(n_fft=256, hop_length=64, standardize=True),
            SpectrogramCNNClassifier(
                freq_coordinate=True, norm="batch", time_mask=4, filters=4, **FAST
            ),
        ),
    ],
    ids=["rollmix", "latemix", "mfcc-bilstm", "linear-vgg-coord"],
)
@pytest.mark.parametrize("per_clip", [False, True])
def test_other_network_families_export(make, per_clip, tmp_path):
    X, y = make_tones(8, n_classes=2, duration=0.25, random_state=0)
    pipe = make().fit(X, y)
    export_onnx(pipe, tmp_path / "n.onnx", n_times=X.shape[1], per_clip=per_clip)
    np.testing.assert_allclose(
        _run(tmp_path / "n.onnx", X), pipe.predict_proba(X), atol=1e-4, rtol=0
    )


def test_bidirectional_lstm_with_old_torch_is_refused(tmp_path, monkeypatch):
    # torch 2.11 wrote a Transpose that ONNX Runtime refused (seen on a GPU
    # machine with torch 2.11.0); 2.14.1 exports it correctly.
    X, y = make_tones(8, n_classes=2, duration=0.25, random_state=0)
    clf = SequenceCNNClassifier(head="lstm", bidirectional=True, filters=8, **FAST)
    pipe = make_pipeline(MFCCTransformer(n_mfcc=13, layout="sequence", **MEL), clf)
    pipe.fit(X, y)
    monkeypatch.setattr(torch, "__version__", "2.11.0")
    with pytest.raises(ValueError, match=r"bidirectional LSTM with torch 2\.11\.0"):
        export_onnx(pipe, tmp_path / "n.onnx", n_times=X.shape[1])
    assert not (tmp_path / "n.onnx").exists()


class _OneDLayers(torch.nn.Module):
    """1-D convolutions and pooling with every attribute the rewrite handles."""

    def __init__(self):
        super().__init__()
        self.dilated = torch.nn.Conv1d(4, 6, 5, stride=2, padding=3, dilation=2)
        self.grouped = torch.nn.Conv1d(6, 6, 3, groups=3, bias=False)
        self.pool = torch.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)

    def forward(self, x):
        return self.pool(self.grouped(self.dilated(x)))


@pytest.mark.parametrize("op_types", [("Conv",), ("Conv", "MaxPool")])
def test_one_d_layers_run_as_two_d_ones_with_the_same_values(op_types, tmp_path):
    from skaudio.export import _one_d_as_two_d

    torch.manual_seed(0)
    layers, x = _OneDLayers().eval(), torch.randn(3, 4, 37)
    program = torch.onnx.export(
        layers, (x,), dynamo=True, input_names=["x"], verbose=False
    )
    model = _one_d_as_two_d(program.model_proto, op_types)
    onnx.checker.check_model(model)
    changed = [n for n in model.graph.node if n.op_type in op_types]
    assert len(changed) == (3 if "MaxPool" in op_types else 2)
    for node in changed:
        kernel = next(a for a in node.attribute if a.name == "kernel_shape")
        assert len(kernel.ints) == 2
    onnx.save_model(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(
        tmp_path / "m.onnx", providers=["CPUExecutionProvider"]
    )
    with torch.no_grad():
        expected = layers(x).numpy()
    np.testing.assert_allclose(
        session.run(None, {"x": x.numpy()})[0], expected, atol=1e-5, rtol=0
    )
