"""Shared fixtures: an API client that speaks the envelope, personas, domains.

Personas (``owner``, ``other_user``, ``guest``, ``admin``) are ``Persona``
objects: a user (or none, for a guest before it writes anything), the
session id that signs them in, and for the admin a valid administration key.
Call the API with ``api.get("/getItem", persona=owner, imageID=...)``.
"""

from __future__ import annotations

import uuid

import pytest

from accounts.admin_keys.services import admin_key_create
from accounts.sessions import cache as session_cache
from aimg_site.api import ratelimit
from aimg_site.celery import app as celery_app
from aimg_site.core.defaults import DOMAINS
from aimg_site.core.models import Domain
from aimg_site.core.scoping import bind_domain, unbind_domain
from aimg_site.core.selectors import domain_clear_cache, domain_get
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient, ApiResponse
from tests.support.factories.accounts import UserFactory, signed_in
from tests.support.personas import Persona

HOSTS = {"freejourney.ai": "api.freejourney.ai", "sexy.ai": "api.sexy.ai"}

#: Re-exported for tests that import helpers from here; new code imports from ``tests.support``.
__all__ = ["HOSTS", "ApiClient", "ApiResponse", "Persona", "assert_envelope"]


@pytest.fixture(scope="session", autouse=True)
def _celery_queue_of_this_test_process(worker_id):
    """Each pytest-xdist process sends and consumes on its own Celery queue.

    Processes share the broker but not the database (``test_gw0``, ``test_gw1``): a real worker
    started by one process must never take a task another process sent, whose rows it cannot see.
    """
    name = f"aimg-test-{worker_id}"
    conf = celery_app.conf
    conf.task_default_queue = conf.task_default_exchange = conf.task_default_routing_key = name
    for cached in ("queues", "default_queue", "default_exchange", "router"):
        celery_app.amqp.__dict__.pop(cached, None)
    yield


@pytest.fixture(autouse=True)
def _domain_bound(db):
    """Bind the default domain while a test's own code runs (requests bind their own).

    Transactional tests flush every table afterwards, the migration-seeded domains
    included, so they are put back when missing.
    """
    domain_clear_cache()
    if not Domain.objects.exists():
        for row in DOMAINS:
            Domain.objects.create(**row)
    token = bind_domain(domain_get("freejourney.ai"))
    yield
    unbind_domain(token)
    domain_clear_cache()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    ratelimit.reset_storage()
    yield


@pytest.fixture(autouse=True)
def _fresh_generation_queue_index():
    """Rolled-back job rows leave no member in the Redis queue-order index (generation.queues)."""
    from generation.queues import index_clear

    index_clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_session_cache():
    """A test's database rows are rolled back without signals: no cached session outlives them."""
    session_cache.version += 1
    yield


@pytest.fixture
def domain():
    return domain_get("freejourney.ai")


@pytest.fixture
def other_domain():
    return domain_get("sexy.ai")


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def make_user(db):
    """Make a signed-in user with a session: ``make_user(email=..., **fields)`` → Persona."""

    def make(email: str | None = None, *, password: str | None = None, **fields) -> Persona:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        return signed_in(UserFactory(email=email, password=password, **fields))

    return make


@pytest.fixture
def owner(make_user) -> Persona:
    return make_user("owner@example.com", username="owner")


@pytest.fixture
def other_user(make_user) -> Persona:
    return make_user("other@example.com", username="other")


@pytest.fixture
def guest() -> Persona:
    """An anonymous session (no row until it writes); ``guest.user`` stays None."""
    return Persona(session_id=str(uuid.uuid4()))


@pytest.fixture
def admin(make_user) -> Persona:
    """A staff member calling with a valid X-Administration-Key (on their own signed-in session)."""
    persona = make_user("admin@example.com", username="admin", is_staff=True, roles=["admin"])
    _key, raw = admin_key_create(email="admin@example.com")
    persona.admin_key = raw
    return persona
