r"""Save and load fitted estimators without pickle: JSON + safetensors.

A model file is one binary file::

    b"SKAUDIO-MODEL\n"           magic (14 bytes)
    uint64 little-endian      length of the header
    header                    UTF-8 JSON: format version, library versions,
                              payload length and SHA-256
    payload                   uint64 length of the spec, the spec (UTF-8
                              JSON: classes, parameters, fitted attributes)
                              and a safetensors blob (arrays and weights)

:func:`load` builds objects only from the classes of an allow-list
(``ALLOWED_CLASSES``), takes parameter values only from JSON types, a few
tagged forms (tuple, float special values, arrays, allowed callables) and
nested allowed estimators, and never unpickles anything. The SHA-256 detects
a modified or damaged file; it is no signature: someone who can write the
file can recompute it, which is why safety rests on the allow-list.

Neural networks are rebuilt through the estimator's own initialisation
(from its parameters, ``input_shape_`` and a classifier's ``classes_``), and
their weights
loaded with ``load_state_dict(strict=True)``, so the file cannot choose which
code runs, and a weight of the wrong name or shape is refused. Weights are
written from the CPU, so a model trained on a GPU loads on a machine without
one (``device="auto"`` resolves again at load).
"""

import contextlib
import functools
import hashlib
import importlib
import inspect
import json
import math
import os
import struct
import warnings
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import safetensors.torch
import sklearn
import torch
from safetensors import SafetensorError
from sklearn.base import BaseEstimator
from skorch.history import History

from . import augment
from ._compat import check_parameters
from ._spelling import either

__all__ = ["ALLOWED_CLASSES", "FORMAT_VERSION", "ModelFileError", "load", "save"]

_MAGIC = b"SKAUDIO-MODEL\n"
_LENGTH = struct.Struct("<Q")
#: Version of the file layout and of the spec's JSON schema. A file of another
#: version is refused at load.
FORMAT_VERSION = 1
# Bounds on the JSON parts, so that a damaged length field cannot make load
# allocate gigabytes before the checksum is verified.
_MAX_HEADER_BYTES = 1 << 20
_MAX_SPEC_BYTES = 64 << 20
_VERSIONED_PACKAGES = ("skaudio", "torch", "torchaudio", "scikit-learn", "skorch")

#: Classes that :func:`load` may build, by their public import path, mapped to
#: the fitted attributes stored beside their parameters. Fitted attributes of a
#: skaudio network (classifier or regressor: ``input_shape_``, a classifier's
#: ``label_encoder_``, the weights and the training history) are handled by
#: :func:`save` itself.
ALLOWED_CLASSES = {
    "sklearn.pipeline.Pipeline": (),
    "sklearn.preprocessing.LabelEncoder": ("classes_",),
    "sklearn.preprocessing.StandardScaler": (
        "scale_",
        "mean_",
        "var_",
        "n_samples_seen_",
        "n_features_in_",
        "feature_names_in_",
    ),
    "sklearn.preprocessing.MinMaxScaler": (
        "min_",
        "scale_",
        "data_min_",
        "data_max_",
        "data_range_",
        "n_samples_seen_",
        "n_features_in_",
        "feature_names_in_",
    ),
    "skaudio.WaveformLoader": ("sample_rate_", "duration_"),
    "skaudio.FixedLength": ("n_features_in_",),
    "skaudio.PerSampleNormalizer": ("n_features_in_",),
    "skaudio.RandomRoll": ("n_features_in_",),
    "skaudio.MelTransformer": ("n_features_in_",),
    "skaudio.MFCCTransformer": ("n_features_in_",),
    "skaudio.SpectrogramTransformer": ("n_features_in_",),
    "skaudio.WaveformCNNClassifier": ("n_features_in_",),
    "skaudio.SpectrogramCNNClassifier": ("n_features_in_",),
    "skaudio.SequenceCNNClassifier": ("n_features_in_",),
    "skaudio.WaveformDenoiser": ("n_features_in_",),
    "skaudio.SpectrogramSeparator": ("n_features_in_", "n_sources_"),
    # Training-time augmentation (parameters of the classifiers; no state).
    **{
        f"skaudio.augment.{name}": ()
        for name in augment.__all__
        if inspect.isclass(getattr(augment, name))
    },
}

# Callables that may appear as parameter values (optimizers, network classes
# given as ``architecture``), by public import path.
_ALLOWED_CALLABLES = (
    "torch.optim.Adam",
    "torch.optim.AdamW",
    "torch.optim.SGD",
    "torch.optim.RMSprop",
    "skaudio.nn.EarlyMix",
    "skaudio.nn.LVFlat",
    "skaudio.nn.LateMix",
    "skaudio.nn.RollMix",
    "skaudio.nn.SequenceCNN",
    "skaudio.nn.SimpleWaveformCNN",
    "skaudio.nn.SincNet",
    "skaudio.nn.SpectrogramCNN",
    "skaudio.nn.VisionBackbone",
)


def _renamed_params(name, params):
    """Give the parameters of a file written before a rename their new names.

    ``WaveformCNNClassifier(kernel_size=(a, b))`` gave the two layer lengths
    of ``architecture="simple"``; that pair is now ``kernel_sizes``, and
    ``kernel_size`` is always one length.
    """
    old = params.get("kernel_size")
    if name == "skaudio.WaveformCNNClassifier" and isinstance(old, dict | list):
        params = {k: v for k, v in params.items() if k != "kernel_size"}
        params["kernel_sizes"] = old
    return params


def _resolve(name):
    """Import the object at a public path such as ``"skaudio.MelTransformer"``."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


@functools.cache
def _public_names():
    """Map each allowed class or callable to its public import path."""
    return {_resolve(name): name for name in (*ALLOWED_CLASSES, *_ALLOWED_CALLABLES)}


# Parameters that a classifier must not use when its network is rebuilt at
# load: ``weights`` names an ImageNet file read at initialisation, which the
# saved weights replace and which the loading machine may not have.
_REBUILD_WITHOUT = {"weights": None}


class ModelFileError(ValueError):
    """A model file cannot be saved or loaded; the message says why.

    Parameters
    ----------
    path : str
        The file.
    reason : str
        What is wrong.
    action : {"load", "save"}, default="load"
        What failed.
    """

    def __init__(self, path, reason, action="load"):
        self.path = str(path)
        self.reason = reason
        self.action = action
        super().__init__(f"Cannot {action} model file '{self.path}': {reason}")

    def __reduce__(self):
        return type(self), (self.path, self.reason, self.action)


class _RefusalError(Exception):
    """Raised inside the decoder; :func:`load` adds the file name."""


def _versions():
    found = {}
    for package in _VERSIONED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    # The running code's version, which an editable install may not report.
    from . import __version__

    found["skaudio"] = __version__
    return found


# -- encoding -------------------------------------------------------------------
class _Encoder:
    """Turn an estimator into JSON-able nodes and a dict of tensors."""

    def __init__(self):
        self.tensors = {}

    def array(self, value, key):
        value = np.asarray(value)
        if value.dtype.kind in "biuf":
            self.tensors[key] = torch.from_numpy(np.ascontiguousarray(value)).clone()
            return {"__ndarray__": key, "dtype": value.dtype.str, "shape": value.shape}
        if value.dtype.kind in "UO" and all(isinstance(v, str) for v in value.flat):
            return {
                "__strarray__": value.tolist(),
                "dtype": value.dtype.str,
                "shape": list(value.shape),
            }
        raise TypeError(
            f"cannot store the array at {key!r} of dtype {value.dtype}: only "
            "numeric, boolean and string arrays are supported."
        )

    def value(self, value, key):
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            value = value.item()
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.ndarray):
            return self.array(value, key)
        if isinstance(value, tuple):
            return {
                "__tuple__": [self.value(v, f"{key}.{i}") for i, v in enumerate(value)]
            }
        if isinstance(value, list):
            return [self.value(v, f"{key}.{i}") for i, v in enumerate(value)]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError(f"the dict at {key!r} has keys that are not strings.")
            return {
                "__dict__": {k: self.value(v, f"{key}.{k}") for k, v in value.items()}
            }
        if isinstance(value, torch.device):
            return str(value)
        if isinstance(value, BaseEstimator):
            return self.estimator(value, key)
        if isinstance(value, type) and _public_names().get(value) in _ALLOWED_CALLABLES:
            return {"__callable__": _public_names()[value]}
        raise TypeError(
            f"cannot store {key!r} = {value!r} ({type(value).__name__}): "
            "only JSON values, tuples, arrays, allowed callables "
            f"({', '.join(sorted(_ALLOWED_CALLABLES))}) and allowed estimators "
            "can be saved; use joblib for it, and load such a file only if you "
            "trust it."
        )

    def estimator(self, estimator, key):
        name = _public_names().get(type(estimator))
        if name not in ALLOWED_CLASSES:
            raise TypeError(
                f"cannot store {key!r}: {type(estimator).__name__} is not one of "
                "the classes "
                "skaudio.save supports (skaudio.persistence.ALLOWED_CLASSES); "
                "use joblib for it, and load such a file only if you trust it."
            )
        params = estimator.get_params(deep=False)
        node = {
            "__class__": name,
            "params": {k: self.value(v, f"{key}.{k}") for k, v in params.items()},
            "fitted": {},
        }
        for attr in ALLOWED_CLASSES[name]:
            if hasattr(estimator, attr):
                node["fitted"][attr] = self.value(
                    getattr(estimator, attr), f"{key}.{attr}"
                )
        requests = _metadata_requests(estimator)
        if requests:
            node["requests"] = requests
        if _is_audio_network(estimator) and estimator.__sklearn_is_fitted__():
            node["network"] = self.network(estimator, key)
        return node

    def network(self, net, key):
        state = net.module_.state_dict()
        for name, tensor in state.items():
            # Copies on the CPU, so a GPU-trained network loads anywhere.
            self.tensors[f"{key}.module_.{name}"] = (
                tensor.detach()
                .cpu()
                .clone(
                    memory_format=torch.contiguous_format  # e.g. channels-last weights
                )
            )
        node = {
            "input_shape_": list(net.input_shape_),
            "state_dict": sorted(state),
            "history_": net.history_.to_list(),
        }
        if hasattr(net, "label_encoder_"):  # classifiers
            node["label_encoder_"] = self.estimator(
                net.label_encoder_, f"{key}.label_encoder_"
            )
        return node


#: Methods whose metadata requests (``set_fit_request(groups=True)``) a
#: file keeps.
_ROUTED_METHODS = ("fit", "partial_fit", "score")


def _metadata_requests(estimator):
    """Return the metadata ``estimator`` asks to receive, ``{method: [param, ...]}``.

    Only the networks' requests set to ``True`` (not aliases) are kept; a
    Pipeline routes what its steps request.
    """
    if not _is_audio_network(estimator):
        return {}
    routing = estimator.get_metadata_routing()
    requests = {}
    for method in _ROUTED_METHODS:
        if not hasattr(estimator, f"set_{method}_request"):
            continue
        params = [
            p.name
            for p in inspect.signature(getattr(estimator, method)).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in ("X", "y")
        ]
        consumed = sorted(routing.consumes(method, params))
        if consumed:
            requests[method] = consumed
    return requests


def _audio_network_class():
    """Return the base class of every skaudio estimator with a torch network."""
    from .classifiers._base import _AudioNetMixin

    return _AudioNetMixin


def _is_audio_network(estimator):
    return isinstance(estimator, _audio_network_class())


def _plain(value):
    """Python scalar of a NumPy scalar in the training history, for JSON."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    raise TypeError(
        f"cannot store {value!r} ({type(value).__name__}) in the training history."
    )


def save(estimator, path):
    """Save a fitted (or unfitted) estimator to a skaudio model file.

    Parameters, fitted attributes and ``classes_`` go to JSON, arrays and
    network weights to safetensors, the library versions and a SHA-256 of
    the content to a header. No pickle is involved.

    Parameters
    ----------
    estimator : estimator
        A skaudio estimator, or a :class:`~sklearn.pipeline.Pipeline` of the
        classes in ``skaudio.persistence.ALLOWED_CLASSES`` (skaudio's,
        ``StandardScaler``, ``MinMaxScaler``).
    path : str or path-like
        File to write (replaced if it exists).

    Raises
    ------
    TypeError
        When the estimator, one of its steps or one of its parameter values
        cannot be stored (e.g. a lambda, a ``RandomState`` instance, skorch
        callbacks); the message names it.
    ModelFileError
        When ``path`` is a folder or its folder does not exist.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> from skaudio import PerSampleNormalizer, load, save
    >>> save(PerSampleNormalizer(method="peak"), "norm.skaudio")
    >>> load("norm.skaudio")
    PerSampleNormalizer(method='peak')
    """
    encoder = _Encoder()
    spec = json.dumps(encoder.estimator(estimator, "root"), default=_plain).encode()
    blob = safetensors.torch.save(encoder.tensors)
    payload = _LENGTH.pack(len(spec)) + spec + blob
    header = json.dumps(
        {
            "format": "skaudio-model",
            "format_version": FORMAT_VERSION,
            "versions": _versions(),
            "payload_bytes": len(payload),
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
        }
    ).encode()
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise ModelFileError(
            path,
            "it is a folder; give a file name, e.g. "
            f"'{os.path.join(path, 'model.skaudio')}'",
            action="save",
        )
    if not os.path.isdir(folder):
        raise ModelFileError(path, f"folder '{folder}' does not exist", action="save")
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(_MAGIC + _LENGTH.pack(len(header)) + header + payload)
        os.replace(tmp, path)  # never leaves a half-written model under `path`
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


# -- decoding -------------------------------------------------------------------
def _describe_foreign(head, path):
    if str(path).lower().endswith(".onnx"):
        return (
            "it is named as an ONNX graph (skaudio export writes those for "
            "ONNX Runtime; skaudio.load reads what skaudio.save and skaudio fit "
            "write)"
        )
    kind = _pickle_kind(head)
    if kind is not None:
        return (
            f"it is {kind}, which skaudio.load never reads; "
            + either("load it with joblib", "give --trust-pickle to read it")
            + " only if you trust its source"
        )
    if head[:4] == b"PK\x03\x04":
        return "it is a zip archive, not a skaudio model file"
    return "it does not start with the skaudio model signature"


def _read_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise _RefusalError("file does not exist") from None
    except IsADirectoryError:
        raise _RefusalError("is a directory, not a file") from None
    except OSError as exc:
        raise _RefusalError(exc.strerror or str(exc)) from None
    if not data:
        raise _RefusalError("file is empty (0 bytes)")
    if not data.startswith(_MAGIC):
        if _MAGIC.startswith(data):
            raise _RefusalError(f"file is truncated ({len(data)} bytes)")
        reason = _describe_foreign(data[:16], path)
        raise _RefusalError(f"not a skaudio model file: {reason}")
    start = len(_MAGIC) + _LENGTH.size
    if len(data) < start:
        raise _RefusalError(f"file is truncated ({len(data)} bytes)")
    (header_bytes,) = _LENGTH.unpack_from(data, len(_MAGIC))
    if header_bytes > _MAX_HEADER_BYTES:
        raise _RefusalError(f"corrupt header length ({header_bytes} bytes)")
    if len(data) < start + header_bytes:
        raise _RefusalError(
            f"file is truncated: {len(data)} bytes, the header alone needs "
            f"{start + header_bytes}"
        )
    try:
        header = json.loads(data[start : start + header_bytes])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _RefusalError("the header is not valid JSON (file damaged)") from None
    if not isinstance(header, dict) or header.get("format") != "skaudio-model":
        raise _RefusalError("the header is not a skaudio model header (file damaged)")
    payload = data[start + header_bytes :]
    return header, payload


def _check_header(header, payload):
    file_version = header.get("format_version")
    saved_with = (header.get("versions") or {}).get("skaudio", "unknown")
    if file_version != FORMAT_VERSION:
        from . import __version__

        raise _RefusalError(
            f"file format version {file_version!r} (written by skaudio "
            f"{saved_with}) is not the version {FORMAT_VERSION} that this skaudio "
            f"{__version__} reads; load it with the skaudio version that wrote it"
        )
    expected = header.get("payload_bytes")
    if not isinstance(expected, int):
        raise _RefusalError("the header has no payload length (file damaged)")
    if len(payload) < expected:
        raise _RefusalError(
            f"file is truncated: its header announces {expected} bytes of "
            f"content, {len(payload)} are present"
        )
    if len(payload) > expected:
        raise _RefusalError(
            f"file has {len(payload) - expected} unexpected bytes after its content"
        )
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise _RefusalError(
            "the content does not match the SHA-256 in its header: the file was "
            "modified or damaged after it was saved"
        )


class _Decoder:
    """Build objects from the nodes :class:`_Encoder` wrote, allow-list only."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.used = set()

    def tensor(self, key):
        if key not in self.tensors:
            raise _RefusalError(f"the array {key!r} is missing from the weights")
        self.used.add(key)
        return self.tensors[key]

    def value(self, node, key):
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            return [self.value(v, f"{key}.{i}") for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise _RefusalError(f"unexpected value at {key!r}")
        if "__class__" in node:
            return self.estimator(node, key)
        tags = {"__tuple__", "__float__", "__ndarray__", "__strarray__", "__dict__"}
        tags |= {"__callable__"}
        tag = next((t for t in node if t in tags), None)
        if tag == "__tuple__":
            return tuple(self.value(v, f"{key}.{i}") for i, v in enumerate(node[tag]))
        if tag == "__float__" and node[tag] in ("nan", "inf", "-inf"):
            return float(node[tag])
        if tag == "__dict__" and isinstance(node[tag], dict):
            return {k: self.value(v, f"{key}.{k}") for k, v in node[tag].items()}
        if tag == "__ndarray__":
            return self.array(node, key)
        if tag == "__strarray__":
            dtype = np.dtype(node.get("dtype", "<U1"))
            if dtype.kind not in "UO":
                raise _RefusalError(f"string array {key!r} has dtype {dtype}")
            values = node[tag]
            flat = np.ravel(np.array(values, dtype=object))
            if not all(isinstance(v, str) for v in flat):
                raise _RefusalError(
                    f"string array {key!r} holds values that aren't str"
                )
            return np.array(values, dtype=dtype).reshape(node.get("shape", -1))
        if tag == "__callable__" and node[tag] in _ALLOWED_CALLABLES:
            return _resolve(node[tag])
        if tag == "__callable__":
            raise _RefusalError(
                f"{key!r} names the callable {node[tag]!r}, not allowed"
            )
        raise _RefusalError(f"unexpected value at {key!r}: {json.dumps(node)[:80]}")

    def array(self, node, key):
        tensor_key = node["__ndarray__"]
        dtype = np.dtype(node.get("dtype"))
        array = self.tensor(tensor_key).numpy()
        if array.dtype != dtype or list(array.shape) != list(node.get("shape")):
            raise _RefusalError(
                f"the array {tensor_key!r} has dtype {array.dtype} and shape "
                f"{array.shape}, the description says {dtype} and "
                f"{tuple(node.get('shape'))}"
            )
        return array

    def estimator(self, node, key):
        name = node.get("__class__")
        if name not in ALLOWED_CLASSES:
            raise _RefusalError(
                f"{key!r} is of class {name!r}, which is not in the allow-list of "
                "skaudio.persistence.ALLOWED_CLASSES"
            )
        if set(node) - {"__class__", "params", "fitted", "network", "requests"}:
            raise _RefusalError(f"{key!r} has unexpected entries {sorted(set(node))}")
        cls = _resolve(name)
        params = node.get("params", {})
        fitted = node.get("fitted", {})
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise _RefusalError(f"{key!r} has malformed parameters")
        params = _renamed_params(name, params)
        known = {
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD
        } - {"self"}
        for param in params:
            # skorch classifiers also take double-underscore arguments
            # (module__x, optimizer__y), which their __init__ stores.
            if param not in known and not (
                issubclass(cls, _audio_network_class()) and "__" in param
            ):
                raise _RefusalError(f"{name} has no parameter {param!r}")
        for attr in fitted:
            if attr not in ALLOWED_CLASSES[name]:
                raise _RefusalError(f"{name} has no stored attribute {attr!r}")
        kwargs = {k: self.value(v, f"{key}.{k}") for k, v in params.items()}
        try:
            estimator = cls(**kwargs)
            if hasattr(estimator, "_parameter_constraints"):
                # What fit would check: a value no fit could have stored.
                check_parameters(estimator)
        except (TypeError, ValueError) as exc:
            raise _RefusalError(f"cannot rebuild {name}: {exc}") from None
        for attr, value in fitted.items():
            setattr(estimator, attr, self.value(value, f"{key}.{attr}"))
        self.requests(estimator, node.get("requests", {}), key)
        if "network" in node:
            self.network(estimator, node["network"], key)
        return estimator

    def requests(self, estimator, requests, key):
        """Ask again for the metadata the saved estimator asked for."""
        for method, params in requests.items():
            setter = getattr(estimator, f"set_{method}_request", None)
            if method not in _ROUTED_METHODS or setter is None:
                raise _RefusalError(f"{key!r} has no metadata request for {method!r}")
            # set_*_request works only with routing on; the request is stored
            # either way, as clone and pickle keep it.
            with sklearn.config_context(enable_metadata_routing=True):
                setter(**dict.fromkeys(params, True))

    def network(self, classifier, node, key):
        if not _is_audio_network(classifier):
            raise _RefusalError(f"{key!r} holds network weights but has no network")
        if _is_classifier(classifier):
            encoder = self.estimator(node["label_encoder_"], f"{key}.label_encoder_")
            classifier.label_encoder_ = encoder
        classifier.input_shape_ = tuple(int(n) for n in node["input_shape_"])
        overrides = {
            k: v for k, v in _REBUILD_WITHOUT.items() if k in classifier.get_params()
        }
        device = torch.device(classifier.device or "cpu")
        if device.type == "cuda" and not torch.cuda.is_available():
            warnings.warn(
                f"{key!r} was saved with device={str(device)!r}, but CUDA is not "
                "available here; its network is loaded on the CPU (device='cpu').",
                UserWarning,
                stacklevel=4,
            )
            overrides["device"] = "cpu"
        saved = {k: getattr(classifier, k) for k in overrides}
        try:
            classifier.set_params(**overrides)
            classifier.initialize()
        except (TypeError, ValueError, RuntimeError) as exc:
            raise _RefusalError(
                f"cannot rebuild the network of {key!r}: {exc}"
            ) from None
        finally:
            for k, v in saved.items():
                if k != "device":
                    setattr(classifier, k, v)
        prefix = f"{key}.module_."
        state = {name: self.tensor(prefix + name) for name in node["state_dict"]}
        try:
            classifier.module_.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            first_line = str(exc).strip().splitlines()
            raise _RefusalError(
                f"the stored weights do not fit the network of {key!r}: "
                f"{' '.join(line.strip() for line in first_line[:3])}"
            ) from None
        classifier.module_.eval()
        classifier.history_ = History(node.get("history_", []))


def _is_classifier(estimator):
    from .classifiers._base import _AudioCNNClassifier

    return isinstance(estimator, _AudioCNNClassifier)


# The first bytes of the compressed files ``joblib.dump(..., compress=...)``
# writes: zlib (its default), gzip, bz2, xz, lzma.
_COMPRESSED = {
    b"\x78\x01": "zlib",
    b"\x78\x5e": "zlib",
    b"\x78\x9c": "zlib",
    b"\x78\xda": "zlib",
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"]\x00\x00": "lzma",
}


def _pickle_kind(head):
    """Describe a pickle from a file's first bytes, or return None.

    Parameters
    ----------
    head : bytes
        At least the first 6 bytes of the file.

    Returns
    -------
    str or None
        "a pickle (e.g. a joblib file)", "a zlib-compressed file (as
        joblib.dump(..., compress=...) writes pickles)", ... or None.
    """
    if head[:1] == b"\x80" or head[:2] in (b"(d", b"(l"):
        return "a pickle (e.g. a joblib file)"
    for magic, name in _COMPRESSED.items():
        if head.startswith(magic):
            return (
                f"a {name}-compressed file (as joblib.dump(..., compress=...) "
                "writes pickles)"
            )
    return None


def _is_skaudio_file(path):
    """Tell whether ``path`` starts like a file written by :func:`save`.

    Only the first bytes are read; the rest is checked by :func:`load`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    bool
        ``False`` also for a file that cannot be opened.
    """
    try:
        with open(path, "rb") as f:
            return f.read(len(_MAGIC)) == _MAGIC
    except OSError:
        return False


def load(path):
    """Load an estimator saved by :func:`save`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    estimator : estimator
        The estimator, fitted as it was saved: ``predict_proba`` gives the
        same numbers. Networks go to ``device`` (``"auto"`` means the GPU
        when this machine has one, else the CPU).

    Raises
    ------
    ModelFileError
        When the file is missing, not a skaudio model file (a pickle, say),
        truncated, modified since it was saved, of another format version,
        names a class outside ``skaudio.persistence.ALLOWED_CLASSES``, holds
        a parameter value its class refuses, or weights that do not fit the
        network. The message names the file and the problem.

    See Also
    --------
    save : Write the file.
    """
    path = os.fspath(path)
    try:
        header, payload = _read_file(path)
        _check_header(header, payload)
        (spec_bytes,) = _LENGTH.unpack_from(payload, 0)
        if spec_bytes > min(_MAX_SPEC_BYTES, len(payload) - _LENGTH.size):
            raise _RefusalError("corrupt description length")
        spec_end = _LENGTH.size + spec_bytes
        try:
            spec = json.loads(payload[_LENGTH.size : spec_end])
            tensors = safetensors.torch.load(payload[spec_end:])
        except (UnicodeDecodeError, json.JSONDecodeError, SafetensorError) as exc:
            raise _RefusalError(f"content cannot be parsed ({exc})") from None
        if not isinstance(spec, dict):
            raise _RefusalError("the description is not a JSON object")
        decoder = _Decoder(tensors)
        estimator = decoder.estimator(spec, "root")
        unused = set(tensors) - decoder.used
        if unused:
            raise _RefusalError(f"{len(unused)} stored arrays belong to nothing")
    except _RefusalError as exc:
        raise ModelFileError(path, str(exc)) from None
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
        # A well-formed checksum over a malformed description: written by
        # hand or by a buggy writer.
        raise ModelFileError(
            path, f"malformed description ({type(exc).__name__}: {exc})"
        ) from None
    return estimator
