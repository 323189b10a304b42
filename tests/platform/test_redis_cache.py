"""The Redis cache backend's own ``get`` path, against the real Redis server of the run."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest
import redis
from django.conf import settings

from aimg_site.cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def cache():
    backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_get_answers_values_defaults_and_missing_keys(cache):
    cache.set("session", {"user": "a", "n": 1}, 60)
    cache.set("falsy", 0, 60)
    assert cache.get("session") == {"user": "a", "n": 1}
    assert cache.get("falsy", "default") == 0
    assert cache.get("missing") is None
    assert cache.get("missing", "default") == "default"
    cache.delete("session")
    assert cache.get("session") is None


def test_a_connection_the_server_closed_is_replaced(cache):
    cache.set("key", "value", 60)
    assert cache.get("key") == "value"
    own = cache._cache._own.connection
    admin = redis.Redis.from_url(settings.REDIS_URL)
    own.send_command("CLIENT", "ID")
    client_id = own.read_response()
    assert admin.client_kill_filter(_id=client_id) == 1
    assert cache.get("key") == "value"  # the dropped connection is noticed, the value still read
    assert cache.get("key") == "value"


def test_an_interrupted_read_never_answers_the_next_get_with_its_reply(cache, monkeypatch):
    cache.set("first", "first value", 60)
    cache.set("second", "second value", 60)
    connection = cache._cache._own_connection()
    real_read = type(connection).read_response
    calls = []

    def interrupted_once(self, *args, **kwargs):
        if not calls:
            calls.append(1)
            raise KeyboardInterrupt  # as a worker's timeout would, after GET was sent
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(type(connection), "read_response", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        cache.get("first")
    # The reply to GET first was never read; the next GET must not take it as its own.
    assert cache.get("second") == "second value"
    assert cache.get("first") == "first value"


def _read_with(cache, queue) -> None:
    queue.put(cache.get("shared"))


def test_a_forked_child_reads_on_its_own_connection(cache):
    cache.set("shared", "from the parent", 60)
    assert cache.get("shared") == "from the parent"  # the parent's connection is open
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_with, args=(cache, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == "from the parent"
    parent_connection = cache._cache._own.connection
    assert cache.get("shared") == "from the parent"
    assert cache._cache._own.connection is parent_connection
