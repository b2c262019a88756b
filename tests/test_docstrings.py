"""Every public class and function documents exactly the parameters it takes.

The classifiers' training options come from one shared section
(``skaudio._docstring.TRAINING_OPTIONS``); this checks that it reaches every
classifier and that no parameter is missing from, or left over in, any
docstring of the public API.
"""

import importlib
import inspect
from importlib.util import find_spec

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

# Modules that need an optional extra (module -> a package of that extra).
OPTIONAL = {"skaudio.cluster": "distributed"}
MODULES = [
    "skaudio",
    "skaudio.cluster",
    "skaudio.datasets",
    "skaudio.experiments",
    "skaudio.export",
    "skaudio.features",
    "skaudio.inference",
    "skaudio.io",
    "skaudio.lazy",
    "skaudio.metrics",
    "skaudio.persistence",
    "skaudio.presets",
    "skaudio.nn",
    "skaudio.paper",
    "skaudio.plotting",
    "skaudio.preprocessing",
    "skaudio.regressors",
]


def _public_objects():
    seen = {}
    for module_name in MODULES:
        if module_name in OPTIONAL and find_spec(OPTIONAL[module_name]) is None:
            continue
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen.items())


def _signature_names(obj):
    signature = inspect.signature(obj)
    names = []
    for p in signature.parameters.values():
        if p.name == "self":
            continue
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        names.append(prefix + p.name)
    return names


@pytest.mark.parametrize(("name", "obj"), _public_objects())
def test_parameters_documented(name, obj):
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    # A named tuple's fields are its attributes; its docstring lists them so.
    section = "Attributes" if hasattr(obj, "_fields") else "Parameters"
    documented = [p.name for p in doc[section]]
    # numpydoc lets one entry name several parameters: "a, b : int".
    documented = [n.strip() for entry in documented for n in entry.split(",")]
    expected = _signature_names(obj)
    assert sorted(documented) == sorted(expected), (
        f"{name}: undocumented {sorted(set(expected) - set(documented))}, "
        f"documented but not accepted {sorted(set(documented) - set(expected))}"
    )


def test_training_options_on_every_classifier():
    import skaudio

    for name in (
        "WaveformCNNClassifier",
        "SpectrogramCNNClassifier",
        "SequenceCNNClassifier",
    ):
        doc = ClassDoc(getattr(skaudio, name))
        by_name = {p.name: p for p in doc["Parameters"]}
        assert by_name["optimizer"].type.endswith("default=torch.optim.Adam")
        assert by_name["max_epochs"].desc, name
