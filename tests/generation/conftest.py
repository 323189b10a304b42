"""Generation fixtures: the catalog loaded into the domains the tests use."""

from __future__ import annotations

import pytest

from aimg_site.core.selectors import domain_get
from generation.catalog import catalog_load


@pytest.fixture
def catalog(db):
    """The versioned catalog, loaded into both sites."""
    for name in ("freejourney.ai", "sexy.ai"):
        catalog_load(domain=domain_get(name))
