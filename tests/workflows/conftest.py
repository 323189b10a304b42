"""Workflow fixtures: the catalog, PRO tiers per user, and an enqueue that runs what it queued.

Tiers: ``billing.entitlements`` gives every user tier 0 until the billing app
lands, and offers no way to grant one yet, so ``tiers`` replaces its
``user_entitlement`` boundary (the one function ``user_tier``/``require_tier``
ask), never our own code: ``tiers[user.pk] = 1``.
"""

from __future__ import annotations

import pytest

from aimg_site.core.selectors import domain_get
from billing import entitlements
from generation.catalog import catalog_load
from library.models import Item
from tests.support.personas import Persona


@pytest.fixture
def catalog(db):
    for name in ("freejourney.ai", "sexy.ai"):
        catalog_load(domain=domain_get(name))


@pytest.fixture
def tiers(monkeypatch) -> dict:
    """``{user pk: PRO tier}``; users not listed are on tier 0."""
    table: dict = {}

    def entitlement(*, user):
        return entitlements.Entitlement(tier=table.get(getattr(user, "pk", None), 0))

    monkeypatch.setattr(entitlements, "user_entitlement", entitlement)
    return table


@pytest.fixture
def pro(owner, other_user, tiers):
    """``owner`` and ``other_user`` on PRO tier 1."""
    tiers[owner.user.pk] = 1
    tiers[other_user.user.pk] = 1
    return owner


@pytest.fixture
def guest_user(api, guest, catalog, tiers):
    """A guest user, made the real way (an anonymous session's first write), on PRO tier 1."""
    response = api.post("/generateImage", persona=guest, body={"prompt": "a first picture"})
    assert response.status == 200, response
    user = Item.objects.get(pk=response.payload["imageID"]).owner
    assert user.is_guest
    tiers[user.pk] = 1
    return Persona(session_id=guest.session_id, user=user)


@pytest.fixture
def enqueue(api, django_capture_on_commit_callbacks):
    """POST /2/enqueueWorkflow and run what it queued on commit (eager Celery), as after a real commit."""

    def call(persona, *, run: bool = True, **body):
        body.setdefault("workflowTemplateName", "txt2img-lora")
        with django_capture_on_commit_callbacks(execute=run):
            return api.post("/2/enqueueWorkflow", persona=persona, body=body)

    return call
