"""Workflow fixtures: the catalog, PRO tiers per user, and an enqueue that runs what it queued.

Tiers are real: ``tiers[user.pk] = 1`` gives the user an active subscription of that tier
(``tests.support.factories.billing.give_tier``), which ``billing.entitlements`` reads like any other.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from aimg_site.core.selectors import domain_get
from generation.catalog import catalog_load
from library.models import Item
from tests.support.factories.billing import give_tier
from tests.support.personas import Persona


@pytest.fixture
def catalog(db):
    for name in ("freejourney.ai", "sexy.ai"):
        catalog_load(domain=domain_get(name))


class _Tiers:
    """``tiers[user_pk] = n``: a real subscription of PRO tier ``n`` for that user."""

    def __setitem__(self, user_pk, tier: int) -> None:
        give_tier(User.all_domains.get(pk=user_pk), tier)


@pytest.fixture
def tiers(db) -> _Tiers:
    """Give users PRO tiers for real; users given none are on tier 0."""
    return _Tiers()


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
