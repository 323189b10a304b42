"""Fixtures of the library tests (helpers and factories live in ``tests.support``)."""

from __future__ import annotations

import pytest

from library.models import Item
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona


@pytest.fixture
def public_item(owner: Persona) -> Item:
    """A publicly visible item of ``owner`` (approved, public, in a public folder of theirs)."""
    return ItemFactory(owner=owner.user, public=True)
