"""Sphinx configuration: numpydoc API pages and a sphinx-gallery of examples."""

import os
from pathlib import Path

import skaudio

project = "skaudio"
author = "The skaudio developers"
copyright = "2026, the skaudio developers"  # noqa: A001
release = version = skaudio.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
html_theme = "alabaster"
exclude_patterns = ["_build"]

here = Path(__file__).parent
sphinx_gallery_conf = {
    "examples_dirs": str(here.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Examples read FSDD from $SKAUDIO_DATA; ../shared/datasets in a checkout.
    "reset_modules": (),
}
os.environ.setdefault("SKAUDIO_DATA", str(here.parents[1] / "shared" / "datasets"))
