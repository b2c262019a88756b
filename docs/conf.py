"""Sphinx configuration: numpydoc API pages, a sphinx-gallery, the CLI reference.

The build never uses the network: the intersphinx inventories of the projects
skaudio links to are files in ``docs/_inventories/``, written from the
installed packages by ``docs/make_inventories.py`` (see its docstring).
"""

import importlib
import os
import re
import sys
from pathlib import Path

import skaudio

here = Path(__file__).parent
sys.path.insert(0, str(here))  # the local extension below

project = "skaudio"
author = "The skaudio developers"
copyright = "2026, the skaudio developers"  # noqa: A001
release = version = skaudio.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxarg.ext",
]
autosummary_generate = True
templates_path = ["_templates"]
exclude_patterns = ["_build"]
# Every cross-reference must resolve (``-n``); the types in numpydoc's
# parameter lists are plain text, not references.
nitpicky = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- theme ---------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skaudio {version}"
html_static_path = ["_static"]
html_css_files = ["skaudio.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # No version switcher, announcement or icon links: nothing to download.
    "navigation_with_keys": False,
}
# The narrative pages have no sub-pages: no empty "Section Navigation" column.
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "your_data",
        "user_guide",
        "scaling",
        "features",
        "cli",
        "benchmarks",
        "reproduction",
    )
}

# -- intersphinx, offline --------------------------------------------------
inventories = here / "_inventories"
intersphinx_mapping = {
    name: (url, str(inventories / f"{name}.inv"))
    for name, url in {
        "numpy": "https://numpy.org/doc/stable/",
        "sklearn": "https://scikit-learn.org/stable/",
        "torch": "https://docs.pytorch.org/docs/stable/",
        "torchaudio": "https://docs.pytorch.org/audio/stable/",
        "joblib": "https://joblib.readthedocs.io/en/stable/",
        "skorch": "https://skorch.readthedocs.io/en/stable/",
    }.items()
}

# -- gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(here.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Examples read FSDD from $SKAUDIO_DATA; ../shared/datasets in a checkout.
    "reset_modules": (),
    # "Examples using X" on the API pages.
    "doc_module": ("skaudio",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skaudio": None},
    "inspect_global_variables": False,
    # The timing pages load scripts from other sites; the builds are offline.
    "write_computation_times": False,
}
os.environ.setdefault("SKAUDIO_DATA", str(here.parents[1] / "shared" / "datasets"))


# -- signatures ---------------------------------------------------------------
def _public_name(dotted):
    """Shortest public import path of a class, ``torch.optim.Adam`` for Adam."""
    module, _, name = dotted.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    parts = module.split(".")
    for n in range(1, len(parts) + 1):
        candidate = ".".join(parts[:n])
        if getattr(importlib.import_module(candidate), name, None) is obj:
            return f"{candidate}.{name}"
    return dotted


def _readable_defaults(app, what, name, obj, options, signature, return_annotation):
    """Write class defaults as code (``torch.optim.Adam``), not as their repr."""
    if signature:
        signature = re.sub(
            r"<class '([\w.]+)'>", lambda m: _public_name(m[1]), signature
        )
    return signature, return_annotation


def setup(app):
    """Connect the signature rewriting."""
    app.connect("autodoc-process-signature", _readable_defaults)
