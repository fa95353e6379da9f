"""Sphinx configuration of the documentation site (MyST Markdown pages, the furo theme).

Build it with ``.venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html`` after
``pip install -e ".[docs]"``. Django is set up with the test project's settings so that autodoc
can import the package and ``_ext/authsession_docs.py`` can generate the reference pages
(settings, system checks, endpoints, the management command) from the code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import django_authsession  # noqa: E402

project = "django-authsession"
author = "django-authsession contributors"
copyright = "django-authsession contributors"
release = django_authsession.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "authsession_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
# README.md here describes the folder on GitHub; _generated/ holds what authsession_docs
# writes, included by the reference pages rather than built as pages of its own.
exclude_patterns = ["_build", "_generated", "README.md", ".venv"]
templates_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 4
# Links to pages and headings are checked by the build (warnings are errors); nothing is
# fetched from the network: there is no intersphinx and no linkcheck of external links.
# Two cosmetic warnings are not errors: a heading that skips a level, and a code block whose
# language Pygments does not know (it is shown unhighlighted). Everything else is.
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}

html_theme = "furo"
html_title = "django-authsession"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
