"""Write the intersphinx inventories of ``docs/_inventories/`` without the network.

Intersphinx normally downloads each project's ``objects.inv`` when the docs
are built. The machines that build skaudio's docs (CI included) cannot reach
those sites, so the inventories are committed files, and this script writes
them from the *installed* packages: it lists each project's public names by
importing it and gives each name the address that the project's own Sphinx
site uses for it (the URL patterns below, one per project). The links in the
built pages therefore point to the real public pages; only the names listed
here can be linked, and a reference to any other fails the ``-n`` (nitpicky)
docs build, which tells where to add it.

Run it again after upgrading one of these packages or to link a new name::

    python docs/make_inventories.py

It needs ``sphobjinv`` (in the ``docs`` extra) and the packages themselves.
"""

import importlib
import inspect
from pathlib import Path

import sphobjinv as soi

OUT = Path(__file__).parent / "_inventories"


def _public(module):
    """Public names of ``module``: its ``__all__``, else what does not start with _."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return sorted(names)


def _methods(cls):
    """Public methods and properties of ``cls``, inherited ones included."""
    return sorted(
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    )


class Inventory:
    """One project's inventory under construction."""

    def __init__(self, project, version):
        self.inv = soi.Inventory()
        self.inv.project = project
        self.inv.version = version

    def add(self, name, role, uri, domain="py", dispname="-"):
        """Add one object; ``uri`` is relative to the project's docs root."""
        self.inv.objects.append(
            soi.DataObjStr(
                name=name,
                domain=domain,
                role=role,
                priority="1",
                uri=uri,
                dispname=dispname,
            )
        )

    def add_object(self, name, obj, page, methods=True):
        """Add a class or a function found at ``page#name``, with its methods."""
        if inspect.isclass(obj):
            self.add(name, "class", f"{page}#$")
            if methods:
                for method in _methods(obj):
                    role = (
                        "attribute"
                        if isinstance(getattr(obj, method), property)
                        else "method"
                    )
                    self.add(f"{name}.{method}", role, f"{page}#$")
        elif callable(obj):
            self.add(name, "function", f"{page}#$")

    def write(self, filename):
        """Write the compressed ``objects.inv`` format."""
        OUT.mkdir(exist_ok=True)
        data = soi.compress(self.inv.data_file(contract=True))
        soi.writebytes(OUT / filename, data)
        print(f"{filename}: {len(self.inv.objects)} objects")


def sklearn():
    """scikit-learn: one page per public name, ``modules/generated/NAME.html``."""
    import sklearn

    inv = Inventory("scikit-learn", sklearn.__version__)
    for name in ("set_config", "get_config", "config_context", "clone"):
        inv.add_object(
            f"sklearn.{name}",
            getattr(sklearn, name),
            f"modules/generated/sklearn.{name}.html",
        )
    for sub in (
        "base",
        "compose",
        "decomposition",
        "ensemble",
        "linear_model",
        "metrics",
        "model_selection",
        "pipeline",
        "preprocessing",
        "svm",
        "utils",
    ):
        module = importlib.import_module(f"sklearn.{sub}")
        inv.add("sklearn." + sub, "module", f"api/sklearn.{sub}.html#module-$")
        for name in _public(module):
            full = f"sklearn.{sub}.{name}"
            try:
                obj = getattr(module, name)
            except ImportError:  # experimental, e.g. HalvingGridSearchCV
                continue
            inv.add_object(full, obj, f"modules/generated/{full}.html")
    # Labels and glossary terms that scikit-learn's own docstrings refer to,
    # or that skaudio's pages use.
    for label, uri, title in [
        ("accuracy_score", "modules/model_evaluation.html#accuracy-score", "Accuracy score"),
        ("metadata_routing", "metadata_routing.html#metadata-routing", "Metadata Routing"),
        ("cross_validation", "modules/cross_validation.html#cross-validation", "Cross-validation: evaluating estimator performance"),
        ("group_cv", "modules/cross_validation.html#group-cv", "Cross-validation iterators for grouped data"),
        ("grid_search", "modules/grid_search.html#grid-search", "Tuning the hyper-parameters of an estimator"),
        ("pipeline", "modules/compose.html#pipeline", "Pipeline: chaining estimators"),
        ("model_persistence", "model_persistence.html#model-persistence", "Model persistence"),
    ]:  # fmt: skip
        inv.add(label, "label", uri, domain="std", dispname=title)
    for term in (
        "array-like",
        "cross-validation",
        "estimator",
        "fit",
        "meta-estimator",
        "n_jobs",
        "predict",
        "predict_proba",
        "random_state",
        "transform",
        "transformer",
        "warm_start",
    ):
        inv.add(term, "term", f"glossary.html#term-{term}", domain="std")
    inv.write("sklearn.inv")


def numpy():
    """NumPy: functions and ``ndarray`` on ``reference/generated/NAME.html``."""
    import numpy

    inv = Inventory("NumPy", numpy.__version__)
    inv.add_object("numpy.ndarray", numpy.ndarray, "reference/generated/numpy.ndarray.html", methods=False)  # fmt: skip
    for name in ("memmap", "dtype"):
        inv.add(f"numpy.{name}", "class", f"reference/generated/numpy.{name}.html#$")
    for name in ("float32", "float64", "int64"):
        inv.add(f"numpy.{name}", "attribute", "reference/arrays.scalars.html#$")
    inv.add("numpy.random.RandomState", "class", "reference/random/legacy.html#$")
    inv.add("numpy.random.Generator", "class", "reference/random/generator.html#$")
    for name in (
        "array",
        "asarray",
        "concatenate",
        "load",
        "save",
        "stack",
        "unique",
        "zeros",
    ):
        inv.add(f"numpy.{name}", "function", f"reference/generated/numpy.{name}.html#$")
    inv.write("numpy.inv")


def torch():
    """PyTorch: ``generated/NAME.html`` for modules, optimizers and functions."""
    import torch
    import torch.nn.modules

    inv = Inventory("PyTorch", torch.__version__.split("+")[0])
    for name in torch.nn.modules.__all__:
        inv.add(f"torch.nn.{name}", "class", f"generated/torch.nn.{name}.html#$")
    inv.add("torch.nn.Module.forward", "method", "generated/torch.nn.Module.html#$")
    inv.add("torch.nn", "module", "nn.html#module-$")
    for name in _public(torch.optim):
        obj = getattr(torch.optim, name)
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer):
            page = "optim.html" if name == "Optimizer" else f"generated/torch.optim.{name}.html"  # fmt: skip
            inv.add(f"torch.optim.{name}", "class", f"{page}#$")
    inv.add("torch.optim", "module", "optim.html#module-$")
    for name in ("cat", "stack", "from_numpy", "manual_seed", "set_num_threads"):
        inv.add(f"torch.{name}", "function", f"generated/torch.{name}.html#$")
    inv.add("torch.Tensor", "class", "tensors.html#$")
    inv.add("torch.device", "class", "tensor_attributes.html#$")
    inv.add("torch.Generator", "class", "generated/torch.Generator.html#$")
    for name in ("DataLoader", "Dataset", "TensorDataset"):
        inv.add(f"torch.utils.data.{name}", "class", "data.html#$")
    inv.write("torch.inv")


def torchaudio():
    """torchaudio: ``generated/NAME.html`` for transforms and functions."""
    import torchaudio
    import torchaudio.functional
    import torchaudio.transforms

    inv = Inventory("Torchaudio", torchaudio.__version__.split("+")[0])
    for sub in ("transforms", "functional"):
        module = getattr(torchaudio, sub)
        inv.add(f"torchaudio.{sub}", "module", f"{sub}.html#module-$")
        for name in _public(module):
            full = f"torchaudio.{sub}.{name}"
            inv.add_object(full, getattr(module, name), f"generated/{full}.html", methods=False)  # fmt: skip
    inv.write("torchaudio.inv")


def joblib():
    """joblib: ``generated/NAME.html`` for the public API."""
    import joblib

    inv = Inventory("joblib", joblib.__version__)
    for name in _public(joblib):
        inv.add_object(f"joblib.{name}", getattr(joblib, name), f"generated/joblib.{name}.html", methods=False)  # fmt: skip
    inv.write("joblib.inv")


def skorch():
    """skorch: one page per module (``net.html``, ``callbacks.html``, ...)."""
    import skorch
    import skorch.callbacks
    import skorch.classifier
    import skorch.dataset
    import skorch.history
    import skorch.net
    import skorch.regressor

    inv = Inventory("skorch", skorch.__version__)
    pages = {
        "net": ["NeuralNet"],
        "classifier": ["NeuralNetClassifier", "NeuralNetBinaryClassifier"],
        "regressor": ["NeuralNetRegressor"],
        "history": ["History"],
        "dataset": ["Dataset", "ValidSplit"],
    }
    for module, names in pages.items():
        inv.add(f"skorch.{module}", "module", f"{module}.html#module-$")
        for name in names:
            obj = getattr(importlib.import_module(f"skorch.{module}"), name)
            inv.add_object(f"skorch.{module}.{name}", obj, f"{module}.html")
            if hasattr(skorch, name):
                # skorch.NeuralNet is the same object, documented on that page.
                inv.add(f"skorch.{name}", "class", f"{module}.html#skorch.{module}.{name}")  # fmt: skip
    inv.add("skorch.callbacks", "module", "callbacks.html#module-$")
    for name in skorch.callbacks.__all__:
        obj = getattr(skorch.callbacks, name)
        inv.add_object(f"skorch.callbacks.{name}", obj, "callbacks.html", methods=False)  # fmt: skip
    inv.write("skorch.inv")


if __name__ == "__main__":
    for write in (sklearn, numpy, torch, torchaudio, joblib, skorch):
        write()
