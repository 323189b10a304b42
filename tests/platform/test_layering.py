"""The shared layer (``aimg_site/``) imports no app: apps build on it, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "library", "billing", "moderation", "generation", "integrations")


def app_imports(source: str) -> list[str]:
    """The modules of ``APPS`` that ``source`` imports, anywhere in it (functions and
    ``TYPE_CHECKING`` blocks included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in APPS]
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.models import User",
        "import library.selectors",
        "def f():\n    from billing import entitlements",
        "if TYPE_CHECKING:\n    from generation.models import Job",
    ],
)
def test_the_check_sees_every_form_of_import(source):
    assert app_imports(source)


def test_the_check_ignores_relative_imports_and_look_alike_names():
    assert (
        app_imports("from .clientip import client_address\nimport accounting\nfrom django import urls") == []
    )


def test_no_module_of_the_shared_layer_imports_an_app():
    offenders = {
        str(path.relative_to(ROOT)): imports
        for path in sorted((ROOT / "aimg_site").rglob("*.py"))
        if (imports := app_imports(path.read_text()))
    }
    assert offenders == {}
