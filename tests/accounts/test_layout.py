"""The accounts app's shape: services and selectors never import serializers, and the shared layer
identifies callers through the resolver this app registers."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.identity import AccountsIdentityResolver
from aimg_site.api import authentication
from aimg_site.api.authentication import identity_resolver

ACCOUNTS = Path(__file__).resolve().parents[2] / "accounts"
LAYERS = sorted(p for p in ACCOUNTS.rglob("*.py") if p.name in ("services.py", "selectors.py"))


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules += [f"{node.module or ''}.{alias.name}" for alias in node.names]
    return modules


def test_every_concern_has_its_services_or_selectors():
    assert {p.parent.name for p in LAYERS} >= {"signin", "users", "kvp", "oauth", "sessions", "admin_keys"}


@pytest.mark.parametrize("path", LAYERS, ids=lambda p: str(p.relative_to(ACCOUNTS)))
def test_services_and_selectors_never_import_serializers(path):
    assert [m for m in imported_modules(path) if "serializers" in m.split(".")] == []


def test_the_accounts_app_registers_its_identity_resolver():
    assert isinstance(identity_resolver(), AccountsIdentityResolver)


def test_without_a_registered_resolver_identifying_a_caller_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(authentication, "_resolver", None)
    with pytest.raises(ImproperlyConfigured):
        authentication.session_resolve(key=uuid.uuid4())
