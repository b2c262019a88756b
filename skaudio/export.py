"""Export a fitted pipeline to one ONNX graph: waveforms in, probabilities out.

:func:`export_onnx` turns the steps of a fitted pipeline into torch modules
(:class:`~skaudio.PerSampleNormalizer`, :class:`~skaudio.FixedLength`,
``StandardScaler``, the Mel / MFCC / linear spectrogram front ends with their
STFT, and the classifier's network followed by a softmax), chains them and
exports the chain with ``torch.onnx.export(..., dynamo=True)``. The STFT
stays inside the graph, as matrix products (a two-stage DFT) or as the ONNX
``STFT`` operator (``stft=``). The graph has one input,
``waveforms`` of shape ``(batch, n_times)`` (the batch size is free), and one
output, ``probabilities`` of shape ``(batch, n_classes)``; the class labels,
the sample rate and the clip length are in the model's metadata.

What cannot be exported, and fails with a message saying so:

- :class:`~skaudio.RandomRoll`: its shifts come from a hash of each clip's
  bytes, which no ONNX operator computes.
- :class:`~skaudio.WaveformLoader` anywhere but first: file reading is no
  graph operation. As the first step it is left out, and the graph takes the
  waveforms it would produce (its sample rate and duration are recorded).
- Multichannel input (``WaveformLoader(mono=False)``).
- Any step of another class (e.g. ``FunctionTransformer``).
- A bidirectional LSTM head (``SequenceCNNClassifier(head="lstm",
  bidirectional=True)``) with torch older than 2.14: those versions write a
  graph that ONNX Runtime refuses to load.

Needs the ``export`` extra (``onnx``, ``onnxscript``; ``onnxruntime`` to run
the result).
"""

import json
import math
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._spelling import setting
from ._waveforms import expected_sample_rate
from .classifiers._base import _AudioCNNClassifier
from .features import MelTransformer, MFCCTransformer, _SpectralTransformer
from .io import WaveformLoader
from .nn.frontend import AugmentedNetwork
from .preprocessing import (
    FixedLength,
    PerSampleNormalizer,
    _StatelessWaveformTransformer,
)

__all__ = ["export_onnx"]

_OPSET = 18  # the first opset with STFT as the dynamo exporter writes it


class _PerSampleNormalize(nn.Module):
    """Torch form of :class:`~skaudio.PerSampleNormalizer` on ``(batch, n_times)``."""

    def __init__(self, method, eps):
        super().__init__()
        self.method = method
        self.eps = eps

    def forward(self, x):
        if self.method == "standard":
            x = x - x.mean(dim=-1, keepdim=True)
            scale = x.square().mean(dim=-1, keepdim=True).sqrt()
        elif self.method == "peak":
            scale = x.abs().amax(dim=-1, keepdim=True)
        else:
            scale = x.square().mean(dim=-1, keepdim=True).sqrt()
        return x / scale.clamp_min(self.eps)


class _FixLength(nn.Module):
    """Torch form of :class:`~skaudio.FixedLength` (the length is static)."""

    def __init__(self, n_times, align):
        super().__init__()
        self.n_times = n_times
        self.align = align

    def forward(self, x):
        n_in = x.shape[-1]
        n = min(n_in, self.n_times)
        src = (n_in - n) // 2 if self.align == "center" else 0
        dst = (self.n_times - n) // 2 if self.align == "center" else 0
        x = x[..., src : src + n]
        return nn.functional.pad(x, (dst, self.n_times - n - dst))


class _Affine(nn.Module):
    """``(x - shift) / scale`` on ``(batch, n_features)``: a fitted scaler."""

    def __init__(self, shift, scale):
        super().__init__()
        self.register_buffer("shift", torch.as_tensor(shift, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, x):
        return (x - self.shift) / self.scale


class _MatmulSpectrogram(nn.Module):
    """A spectrogram whose STFT is written as matrix products (a two-stage DFT).

    Equal, to float rounding, to torchaudio's (periodic Hann window of
    ``win_length`` centred in ``n_fft``, no normalisation). Frames are cut
    from ``hop_length`` chunks, and each frame's DFT is split as in
    Cooley-Tukey with ``n_fft = n1 * n2``: DFTs of length ``n1`` (a matrix
    product), a twiddle factor, DFTs of length ``n2`` (matrix products, only
    the ``n2 // 2 + 1`` columns that hold the non-negative frequencies). ONNX
    Runtime runs mel-cnn with this two to three times as fast as with its
    ``STFT`` kernel.

    Parameters
    ----------
    n_fft, win_length, hop_length, power, center, pad_mode
        As in :class:`~skaudio.SpectrogramTransformer`.
    filterbank : Tensor of shape (n_fft // 2 + 1, n_mels) or None
        Mel filters applied to the power spectrum.
    """

    def __init__(
        self, *, n_fft, win_length, hop_length, power, center, pad_mode, filterbank
    ):
        super().__init__()
        win_length = n_fft if win_length is None else win_length
        window = torch.hann_window(win_length, dtype=torch.float64)
        left = (n_fft - win_length) // 2
        window = nn.functional.pad(window, (left, n_fft - win_length - left))
        # n1: the largest divisor of n_fft up to its square root (1 for a prime).
        n1 = max(d for d in range(1, math.isqrt(n_fft) + 1) if n_fft % d == 0)
        n2 = n_fft // n1

        def phase(a, b, period):  # 2 pi a b / period, exact for integers
            return 2 * math.pi * (torch.outer(a, b) % period) / period

        k1, m2 = torch.arange(n1), torch.arange(n2)
        first = phase(k1, k1, n1)  # (k1, m1)
        twiddle = phase(k1, m2, n_fft)  # (k1, m2)
        second = phase(m2, torch.arange(n2 // 2 + 1), n2)  # (m2, k2)
        for name, value in {
            "window": window.reshape(n1, n2),  # sample n2 * m1 + m2 at [m1, m2]
            "first_cos": first.cos(),
            "first_sin": first.sin(),
            "twiddle_cos": twiddle.cos(),
            "twiddle_sin": twiddle.sin(),
            "second_cos": second.cos(),
            "second_sin": second.sin(),
        }.items():
            self.register_buffer(name, value.float())
        self.register_buffer("filterbank", filterbank)
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.power = power
        self.center = center
        self.pad_mode = pad_mode

    def forward(self, x):
        """``(..., n_times)`` → ``(..., n_bins, n_frames)``."""
        leading = x.shape[:-1]
        x = x.reshape(-1, 1, x.shape[-1])
        n_fft, hop = self.n_fft, self.hop_length
        if self.center:
            x = nn.functional.pad(x, (n_fft // 2, n_fft // 2), mode=self.pad_mode)
        n_frames = (x.shape[-1] - n_fft) // hop + 1
        # Frame t is hop chunks t, t + 1, ... (enough to cover n_fft samples).
        per_frame = -(-n_fft // hop)
        n_chunks = n_frames + per_frame - 1
        x = nn.functional.pad(x, (0, max(0, n_chunks * hop - x.shape[-1])))
        chunks = x[:, 0, : n_chunks * hop].reshape(x.shape[0], n_chunks, hop)
        frames = torch.cat([chunks[:, j : j + n_frames] for j in range(per_frame)], -1)
        frames = frames[..., :n_fft].reshape(*frames.shape[:2], *self.window.shape)
        frames = frames * self.window  # (batch, n_frames, n1, n2)
        # DFT over m1: e^{-i a} = cos a - i sin a.
        real = torch.matmul(self.first_cos, frames)
        imag = -torch.matmul(self.first_sin, frames)
        # Twiddle factors e^{-2 pi i k1 m2 / n_fft}.
        real, imag = (
            real * self.twiddle_cos + imag * self.twiddle_sin,
            imag * self.twiddle_cos - real * self.twiddle_sin,
        )
        # DFT over m2, for the k2 of frequencies k1 + n1 * k2 <= n_fft / 2.
        real, imag = (
            torch.matmul(real, self.second_cos) + torch.matmul(imag, self.second_sin),
            torch.matmul(imag, self.second_cos) - torch.matmul(real, self.second_sin),
        )
        spectrum = real.square() + imag.square()  # (batch, n_frames, k1, k2)
        spectrum = spectrum.transpose(-1, -2).flatten(-2)[..., : n_fft // 2 + 1]
        if self.power != 2:
            spectrum = spectrum.pow(self.power / 2)
        if self.filterbank is not None:
            spectrum = torch.matmul(spectrum, self.filterbank)
        spectrum = spectrum.transpose(1, 2)  # (batch, n_bins, n_frames)
        return spectrum.reshape(*leading, *spectrum.shape[1:])


def _feature_module(transformer, stft):
    """Return a spectral transformer's feature module, its STFT as ``stft`` says."""
    spectrogram = None
    if stft == "matmul":
        mel = isinstance(transformer, MelTransformer | MFCCTransformer)
        spectrogram = _MatmulSpectrogram(
            **transformer._stft_kwargs(),
            filterbank=transformer._filterbank() if mel else None,
        )
    return transformer._module(torch.device("cpu"), spectrogram)


class _Features(nn.Module):
    """A spectral transformer's module on ``(batch, n_times)`` input."""

    def __init__(self, transformer, stft):
        super().__init__()
        self.module = _feature_module(transformer, stft)
        self.sequence = transformer.layout == "sequence"

    def forward(self, x):
        x = self.module(x[:, None, :])  # (batch, 1, n_bins, n_frames)
        return x.flatten(1, 2) if self.sequence else x


class _Classify(nn.Module):
    """A classifier's network, given its training input shape, then softmax.

    A classifier's own front end (``frontend=``) gets its STFT written as
    ``stft`` says, like a front-end step's; its augmentations train only.
    """

    def __init__(self, classifier, stft):
        super().__init__()
        network = classifier.module_
        frontend = getattr(classifier, "frontend", None)
        if isinstance(network, AugmentedNetwork) and isinstance(
            frontend, _SpectralTransformer
        ):
            network = AugmentedNetwork(
                network.network,
                frontend=_feature_module(frontend, stft),
                flatten_features=network.flatten_features,
            )
        self.network = network
        self.input_shape = tuple(classifier.input_shape_)

    def forward(self, x):
        logits = self.network(x.reshape(x.shape[0], *self.input_shape))
        return torch.softmax(logits, dim=-1)


def _step_module(name, step, stft):
    """Return the torch module of one fitted step, or raise naming the step."""
    if isinstance(step, PerSampleNormalizer):
        return _PerSampleNormalize(step.method, step.eps)
    if isinstance(step, FixedLength):
        return _FixLength(step.n_times, step.align)
    if isinstance(step, StandardScaler):
        check_is_fitted(step)
        mean = step.mean_ if step.with_mean else 0.0
        scale = step.scale_ if step.with_std else 1.0
        return _Affine(mean, scale)
    if isinstance(step, _SpectralTransformer):
        return _Features(step, stft)
    if isinstance(step, _AudioCNNClassifier):
        check_is_fitted(step)
        return _Classify(step, stft)
    reason = {
        "RandomRoll": "its shifts come from a hash of each clip's bytes, which "
        "no ONNX operator computes",
        "WaveformLoader": "reading files is not a graph operation; only a first "
        "WaveformLoader step is allowed (and left out of the graph)",
    }.get(type(step).__name__, "skaudio has no ONNX form for this class")
    raise ValueError(f"Cannot export step {name!r} ({type(step).__name__}): {reason}.")


def _takes_waveforms(estimator):
    """Whether ``estimator``, the first step after any loader, reads waveforms."""
    if isinstance(estimator, _StatelessWaveformTransformer | _SpectralTransformer):
        return True
    return bool(
        getattr(estimator, "_takes_waveforms", False)
        or getattr(estimator, "frontend", None) is not None
    )


def _recorded_length(loader, steps):
    """Return the clip length the pipeline records (samples), or ``None``.

    A leading loader's duration; for a classifier of waveforms after steps
    that keep their length, the length it was fitted on; else the length a
    first step of waveforms was fitted on, when the classifier's input
    confirms it.
    """
    if loader is not None and loader.duration_ is not None:
        return round(loader.duration_ * loader.sample_rate_)
    changes_length = (FixedLength, _SpectralTransformer)
    classifier = steps[-1][1]
    if not isinstance(classifier, _AudioCNNClassifier):
        return None
    if _takes_waveforms(classifier) and not any(
        isinstance(step, changes_length) for _, step in steps[:-1]
    ):
        return int(classifier.input_shape_[-1])
    if len(steps) < 2 or not _takes_waveforms(steps[0][1]):
        return None
    # Fitted on (n_clips, n_times), the first step counted the samples as its
    # n_features_in_; on (n_clips, n_channels, n_times), the channels: a zero
    # clip of that many samples becomes the classifier's input only if they
    # were samples.
    length = getattr(steps[0][1], "n_features_in_", None)
    if length is None:
        return None
    clip = np.zeros((1, length), dtype=np.float32)
    try:
        for _, step in steps[:-1]:
            clip = step.transform(clip)
    except (ValueError, RuntimeError):  # too short for the steps: channels
        return None
    return length if clip[0].size == math.prod(classifier.input_shape_) else None


def _clip_length(loader, n_times, steps):
    """Return the graph's input length: the one recorded, or ``n_times``."""
    recorded = _recorded_length(loader, steps)
    if n_times is None and recorded is None:
        raise ValueError(
            "Cannot tell the clip length the pipeline takes: pass n_times (samples "
            "per clip; 'skaudio export --n-times N'), or start the pipeline with a "
            "fitted WaveformLoader whose duration is not None."
        )
    if n_times is not None and recorded is not None and int(n_times) != recorded:
        raise ValueError(
            f"Cannot export with {setting('n_times', n_times)}: the model takes "
            f"clips of {recorded} samples, as it was trained; leave "
            f"{setting('n_times')} out, it is for models that do not record "
            "their clip length."
        )
    return recorded if n_times is None else int(n_times)


def _check_network_input(step_modules, classifier, length):
    """Refuse a clip length whose features do not fit the fitted network."""
    with torch.no_grad():
        x = torch.zeros(1, length)
        try:
            for module in step_modules:
                x = module.eval()(x)
        except RuntimeError as exc:  # e.g. a clip shorter than an STFT's padding
            reason = str(exc).strip().splitlines()[0]
            raise ValueError(
                f"Cannot export with {setting('n_times', length)}: the pipeline's "
                f"steps cannot transform clips of {length} samples ({reason}); give "
                "the clip length the model was trained on."
            ) from None
    fitted = tuple(classifier.input_shape_)
    if x[0].numel() != math.prod(fitted):
        raise ValueError(
            f"Cannot export with {setting('n_times', length)}: clips of {length} "
            f"samples become inputs of shape {tuple(x.shape[1:])}, but the "
            f"classifier was fitted on inputs of shape {fitted}; give the clip "
            "length the model was trained on."
        )


def _check_torch_exports(network):
    """Refuse a network this torch version exports wrongly."""
    if torch.torch_version.TorchVersion(torch.__version__) >= (2, 14):
        return
    if any(isinstance(m, nn.LSTM) and m.bidirectional for m in network.modules()):
        raise ValueError(
            f"Cannot export a bidirectional LSTM with torch {torch.__version__}: "
            "it writes a graph ONNX Runtime refuses to load. Upgrade to "
            "torch>=2.14 (pip install 'skaudio[export]')."
        )


def export_onnx(
    pipeline,
    path,
    *,
    n_times=None,
    stft="matmul",
    per_clip=False,
    opset_version=_OPSET,
):
    """Write a fitted pipeline as one ONNX graph, front end included.

    Parameters
    ----------
    pipeline : Pipeline or classifier
        Fitted. A leading :class:`~skaudio.WaveformLoader` is left out of the
        graph; the other steps must be :class:`~skaudio.PerSampleNormalizer`,
        :class:`~skaudio.FixedLength`, ``StandardScaler``,
        :class:`~skaudio.MelTransformer`, :class:`~skaudio.MFCCTransformer`
        or :class:`~skaudio.SpectrogramTransformer`, and the last a skaudio
        classifier.
    path : str or path-like
        The ``.onnx`` file to write.
    n_times : int, default=None
        Samples per input clip, for a pipeline that does not record it.
        ``None`` takes it from the leading ``WaveformLoader`` (``duration *
        sample_rate``); for pipelines of waveform steps only, from the
        classifier's ``input_shape_``; else from the first step, when it was
        fitted on waveforms of shape (n_clips, n_times). A value other than
        the one recorded is refused.
    stft : {"matmul", "onnx"}, default="matmul"
        How the graph computes a front end's STFT: ``"matmul"``, as matrix
        products (frames cut from hop-sized chunks, a two-stage DFT), which
        ONNX Runtime ran 1.9 to 3 times as fast as ``"onnx"``, the ONNX
        ``STFT`` operator (``benchmarks/results/onnx_stft.md``). Both match
        the eager front end to float rounding.
    per_clip : bool, default=False
        Write the graph for one clip and run it on each clip of the batch
        in turn (an ONNX ``Scan``), instead of on the whole batch at once.
        On a CPU one clip's activations stay in the core's cache: ONNX
        Runtime ran batches of 256 1.2 to 1.4 times as fast this way, and
        single clips as fast or faster (``benchmarks/results/latency.md``).
        Leave it False for a GPU, which needs whole batches.
    opset_version : int, default=18
        ONNX opset of the graph (18 is the first with ``STFT`` as written).

    Returns
    -------
    metadata : dict of str to str
        What was stored in the model's ``metadata_props``: ``classes`` (JSON
        list of the labels, in the order of the output columns),
        ``n_times``, ``sample_rate`` (when known), ``stft`` (for a pipeline
        with a spectral front end), ``per_clip`` (``"true"``, only when
        set), ``input``, ``output`` and ``skaudio_version``.

    Raises
    ------
    ValueError
        For a step that has no ONNX form (see the module's notes), when the
        clip length cannot be determined or does not fit the network, or
        when ``path`` is a model saved by :func:`skaudio.save` (which the
        graph would replace), a folder, or in a folder that does not exist.
    ImportError
        When the ``export`` extra is not installed.

    See Also
    --------
    skaudio.save : Save the pipeline for Python (JSON + safetensors).

    Notes
    -----
    Run the file with ONNX Runtime::

        import onnxruntime as ort
        session = ort.InferenceSession("model.onnx")
        proba = session.run(None, {"waveforms": waveforms})[0]
    """
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(
            "export_onnx needs the 'export' extra: pip install 'skaudio[export]'."
        ) from exc
    from . import __version__
    from .persistence import _is_skaudio_file

    if _is_skaudio_file(path):
        raise ValueError(
            f"'{os.fspath(path)}' is a model saved by skaudio.save: writing the "
            "ONNX graph there would replace it. Give another path, e.g. "
            f"'{Path(path).with_suffix('.onnx')}'."
        )
    folder = os.path.dirname(os.fspath(path)) or "."
    if os.path.isdir(path) or not os.path.isdir(folder):
        problem = (
            "it is a folder"
            if os.path.isdir(path)
            else f"folder '{folder}' does not exist"
        )
        raise ValueError(
            f"Cannot write the ONNX graph to '{os.fspath(path)}': {problem}."
        )
    steps = pipeline.steps if isinstance(pipeline, Pipeline) else [("model", pipeline)]
    loader = None
    if isinstance(steps[0][1], WaveformLoader):
        loader = steps[0][1]
        steps = steps[1:]
        if not loader.mono:
            raise ValueError(
                "Cannot export a pipeline whose WaveformLoader has mono=False: "
                "the graph takes one channel per clip."
            )
    if not steps or not isinstance(steps[-1][1], _AudioCNNClassifier):
        raise ValueError(
            "Cannot export: the last step must be a skaudio classifier, got "
            f"{type(steps[-1][1]).__name__ if steps else 'nothing'}."
        )
    classifier = steps[-1][1]
    if not _takes_waveforms(classifier) and not any(
        isinstance(step, _SpectralTransformer) for _, step in steps[:-1]
    ):
        raise ValueError(
            f"Cannot export: the graph takes waveforms, but "
            f"{type(classifier).__name__} here reads features computed before it. "
            "Export the pipeline with its feature step (MelTransformer, ...), or "
            "give the classifier its front end as frontend=."
        )
    if stft not in ("matmul", "onnx"):
        raise ValueError(f"stft must be 'matmul' or 'onnx', got {stft!r}.")
    for step in (loader, classifier):
        if step is not None:
            check_is_fitted(step)
    _check_torch_exports(classifier.module_)
    modules = [_step_module(name, step, stft) for name, step in steps]
    spectral = any(
        isinstance(part, _SpectralTransformer)
        for part in [step for _, step in steps]
        + [getattr(classifier, "frontend", None)]
    )
    length = _clip_length(loader, n_times, steps)
    _check_network_input(modules[:-1], classifier, length)
    graph = nn.Sequential(*modules).cpu().eval()
    example = torch.zeros(1 if per_clip else 2, length)
    try:
        with warnings.catch_warnings():
            # The exporter reports its own progress and version notes.
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                graph,
                (example,),
                dynamo=True,
                input_names=["waveforms"],
                output_names=["probabilities"],
                dynamic_shapes=None if per_clip else ({0: torch.export.Dim("batch")},),
                opset_version=opset_version,
                verbose=False,
            )
    finally:
        # nn.Sequential moved the network to the CPU; put it back.
        classifier.module_.to(classifier.device)
    model = program.model_proto
    # ONNX Runtime's blocked (NCHWc) CPU kernels take 2-D convolutions and
    # pooling only. With its 1-D convolutions as 2-D ones of height 1,
    # SincNet's graph ran 1.7 times as fast (its sinc layer 1.9 times),
    # LV-18's 1.15 to 1.2 times; 1-D pooling too helped one-clip graphs but
    # slowed LV-18's whole-batch graph (benchmarks/results/latency.md).
    model = _one_d_as_two_d(model, ("Conv", "MaxPool") if per_clip else ("Conv",))
    if per_clip:
        model = _scan_over_clips(model, length, len(classifier.classes_))
    rate = (
        loader.sample_rate_
        if loader is not None
        else expected_sample_rate(step for _, step in steps)
    )
    metadata = {
        "classes": json.dumps(np.asarray(classifier.classes_).tolist()),
        "n_times": str(length),
        "input": "waveforms: float32 (batch, n_times)",
        "output": "probabilities: float32 (batch, n_classes), columns as classes",
        "skaudio_version": __version__,
    }
    if rate is not None:
        metadata["sample_rate"] = str(rate)
    if spectral:
        metadata["stft"] = stft
    if per_clip:
        metadata["per_clip"] = "true"
    onnx.helper.set_model_props(model, metadata)
    onnx.save_model(model, os.fspath(path))
    return metadata


def _scan_over_clips(model, n_times, n_classes):
    """Wrap a graph of batch 1 in a ``Scan`` over the clips of any batch.

    Parameters
    ----------
    model : onnx.ModelProto
        ``waveforms`` of shape (1, n_times) in, ``probabilities`` of shape
        (1, n_classes) out.
    n_times, n_classes : int
        The clip length and the number of classes.

    Returns
    -------
    model : onnx.ModelProto
        The same input and output names, with a free batch size.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    (inp,), (out,) = graph.input, graph.output
    body = helper.make_graph(
        [
            helper.make_node(
                "Unsqueeze", ["scan_clip", "scan_axis_0"], ["scan_clip_batch"]
            ),
            *graph.node,
            helper.make_node(
                "Squeeze", ["scan_clip_probabilities", "scan_axis_0"], ["scan_scores"]
            ),
        ],
        "one_clip",
        [helper.make_tensor_value_info("scan_clip", TensorProto.FLOAT, [n_times])],
        [helper.make_tensor_value_info("scan_scores", TensorProto.FLOAT, [n_classes])],
        initializer=[
            *graph.initializer,
            numpy_helper.from_array(np.array([0], dtype=np.int64), "scan_axis_0"),
        ],
        value_info=graph.value_info,
    )
    rename = {inp.name: "scan_clip_batch", out.name: "scan_clip_probabilities"}
    for node in body.node[1:-1]:
        node.input[:] = [rename.get(name, name) for name in node.input]
        node.output[:] = [rename.get(name, name) for name in node.output]
    scan = helper.make_graph(
        [
            helper.make_node(
                "Scan", [inp.name], [out.name], body=body, num_scan_inputs=1
            )
        ],
        graph.name,
        [
            helper.make_tensor_value_info(
                inp.name, TensorProto.FLOAT, ["batch", n_times]
            )
        ],
        [
            helper.make_tensor_value_info(
                out.name, TensorProto.FLOAT, ["batch", n_classes]
            )
        ],
    )
    model.graph.CopyFrom(scan)
    return model


def _one_d_as_two_d(model, op_types):
    """Run the graph's 1-D nodes of ``op_types`` as 2-D ones of height 1.

    Each such node (a ``kernel_shape`` of one value) gets its data input and,
    for ``Conv``, its weights unsqueezed at axis 2, ``(batch, channels,
    n_times)`` to ``(batch, channels, 1, n_times)``, its attributes written
    for two axes, and its outputs squeezed back: the same values.

    Parameters
    ----------
    model : onnx.ModelProto
    op_types : tuple of str
        E.g. ``("Conv", "MaxPool")``.

    Returns
    -------
    model : onnx.ModelProto
        The same object, changed in place.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    axis = "as2d_axis_2"
    nodes = []
    for number, node in enumerate(graph.node):
        attributes = {a.name: a for a in node.attribute}
        kernel = attributes.get("kernel_shape")
        if node.op_type not in op_types or kernel is None or len(kernel.ints) != 1:
            nodes.append(node)
            continue
        n_unsqueezed = 2 if node.op_type == "Conv" else 1  # data (and weights)
        inputs = list(node.input)
        for i in range(n_unsqueezed):
            name = f"as2d_{number}_in{i}"
            nodes.append(helper.make_node("Unsqueeze", [inputs[i], axis], [name]))
            inputs[i] = name
        outputs = [
            f"as2d_{number}_out{i}" if name else ""
            for i, name in enumerate(node.output)
        ]
        two_d = helper.make_node(node.op_type, inputs, outputs, name=node.name)
        for a in node.attribute:
            if a.name in ("kernel_shape", "strides", "dilations"):
                a = helper.make_attribute(a.name, [1, *a.ints])
            elif a.name == "pads":  # [begin, end] -> [top, begin, bottom, end]
                a = helper.make_attribute(a.name, [0, a.ints[0], 0, a.ints[1]])
            two_d.attribute.append(a)
        nodes.append(two_d)
        nodes += [
            helper.make_node("Squeeze", [squeezed, axis], [original])
            for squeezed, original in zip(outputs, node.output, strict=True)
            if original
        ]
    if len(nodes) > len(graph.node):
        axis_value = numpy_helper.from_array(np.array([2], dtype=np.int64), axis)
        graph.initializer.append(axis_value)
        del graph.node[:]
        graph.node.extend(nodes)
    return model
