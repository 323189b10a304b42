"""The Redis cache backend's own ``get`` path, against the real Redis server of the run."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings

from aimg_site import cache as aimg_cache
from aimg_site.cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def cache():
    backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def kill(connection) -> None:
    """Have the server close ``connection`` (as a restart or a timeout would)."""
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    assert redis.Redis.from_url(settings.REDIS_URL).client_kill_filter(_id=client_id) == 1


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
    kill(cache._cache._own.connection)
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


def in_a_forked_child(target, cache):
    """What ``target(cache, queue)`` put on the queue in a forked child (which must exit cleanly)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=target, args=(cache, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    return queue.get(timeout=5)


def test_a_forked_child_reads_on_its_own_connection(cache):
    cache.set("shared", "from the parent", 60)
    assert cache.get("shared") == "from the parent"  # the parent's connection is open
    assert in_a_forked_child(_read_with, cache) == "from the parent"
    parent_connection = cache._cache._own.connection
    assert cache.get("shared") == "from the parent"
    assert cache._cache._own.connection is parent_connection


# --- tracked reads (CLIENT TRACKING): kept in memory until Redis says the key changed -------------


class RoundTrips:
    """Counts the commands the thread's tracked connection sends (each one a round trip)."""

    def __init__(self, connection, monkeypatch):
        self.count = 0
        real = type(connection).send_packed_command

        def counted(this, *args, **kwargs):
            if this is connection:
                self.count += 1
            return real(this, *args, **kwargs)

        monkeypatch.setattr(type(connection), "send_packed_command", counted)


def _another_machine() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _written_elsewhere(cache, key: str, value) -> None:
    """``key`` set to ``value`` by another client, as another web process would, and then a second
    command on that client: as the session cache writes every tombstone twice (now and on commit),
    its answer means Redis has written the push of the first one."""
    other = _another_machine()
    other.set(cache.make_key(key), cache._cache._serializer.dumps(value), ex=60)
    other.ping()


def test_a_tracked_read_is_answered_from_memory_until_another_client_writes_the_key(cache, monkeypatch):
    cache.set("tracked", "first", 60)
    assert cache.get_tracked("tracked") == "first"
    trips = RoundTrips(cache._cache._own.tracked.connection, monkeypatch)
    for _ in range(20):
        assert cache.get_tracked("tracked") == "first"
    assert trips.count == 0  # from memory: no command sent
    _written_elsewhere(cache, "tracked", "second")
    assert cache.get_tracked("tracked") == "second"  # the push was taken before answering
    assert trips.count == 1
    assert cache.get_tracked("tracked") == "second"
    assert trips.count == 1


def test_a_key_deleted_or_expired_elsewhere_is_not_answered_from_memory(cache):
    cache.set("deleted", "value", 60)
    cache.set("expiring", "value", 1)
    assert cache.get_tracked("deleted") == "value"
    assert cache.get_tracked("expiring") == "value"
    other = _another_machine()
    other.delete(cache.make_key("deleted"))
    other.ping()
    assert cache.get_tracked("deleted") is None
    assert cache.get_tracked("deleted", "default") == "default"
    time.sleep(1.1)
    assert cache.get_tracked("expiring") is None  # not kept past its TTL in Redis


def test_a_write_through_this_process_is_seen_at_once_by_every_thread(cache):
    cache.set("local", "first", 60)
    key = cache.make_key("local")
    read_first, written, done = threading.Event(), threading.Event(), threading.Event()
    seen: list = []

    def another_thread():
        seen.append(cache.get_tracked("local"))
        store = cache._cache._own.tracked
        seen.append(key in store.values)
        read_first.set()
        written.wait(10)
        seen.append(key in store.values)  # forgotten by the write, before any push is read
        seen.append(cache.get_tracked("local"))
        done.set()

    thread = threading.Thread(target=another_thread)
    thread.start()
    assert read_first.wait(10)
    assert cache.get_tracked("local") == "first"
    cache.set("local", "second", 60)
    assert key not in cache._cache._own.tracked.values
    written.set()
    assert done.wait(10)
    thread.join()
    assert seen == ["first", True, False, "second"]
    assert cache.get_tracked("local") == "second"
    cache.set_many({"local": "third"}, 60)
    assert cache.get_tracked("local") == "third"
    cache.delete("local")
    assert cache.get_tracked("local") is None


def test_a_dropped_tracked_connection_forgets_everything_it_held(cache):
    cache.set("held", "first", 60)
    assert cache.get_tracked("held") == "first"
    kill(cache._cache._own.tracked.connection)
    other = _another_machine()
    # Written while the connection is gone: no push can reach it.
    other.set(cache.make_key("held"), cache._cache._serializer.dumps("second"), ex=60)
    assert cache.get_tracked("held") == "second"
    assert cache.get_tracked("held") == "second"  # a new connection, tracking again
    _written_elsewhere(cache, "held", "third")
    assert cache.get_tracked("held") == "third"


def test_an_idle_connection_reads_from_redis_again(cache, monkeypatch):
    monkeypatch.setattr(aimg_cache, "TRACKED_CONFIRM_SECONDS", 0.2)
    cache.set("idle", "value", 60)
    assert cache.get_tracked("idle") == "value"
    trips = RoundTrips(cache._cache._own.tracked.connection, monkeypatch)
    assert cache.get_tracked("idle") == "value"
    assert trips.count == 0
    time.sleep(0.3)
    assert cache.get_tracked("idle") == "value"
    assert trips.count == 1  # confirmed by a round trip, whose reply follows any queued push


def test_a_flush_empties_every_memory(cache):
    cache.set("flushed", "value", 60)
    assert cache.get_tracked("flushed") == "value"
    cache.clear()
    assert cache.get_tracked("flushed") is None


def test_a_server_refusing_tracking_leaves_plain_reads(cache, monkeypatch):
    cache.set("plain", "value", 60)

    def refused(self, connection):
        raise redis.ResponseError("unknown command 'CLIENT TRACKING'")

    monkeypatch.setattr(aimg_cache.TrackedReads, "_connected", refused)
    assert cache.get_tracked("plain") == "value"
    assert cache._cache._own.tracking_refused is True
    assert cache.get_tracked("plain") == "value"


def test_a_forked_child_tracks_on_its_own_connection(cache):
    cache.set("shared", "from the parent", 60)
    assert cache.get_tracked("shared") == "from the parent"
    parent_store = cache._cache._own.tracked
    assert in_a_forked_child(_read_tracked_with, cache) == ["from the parent", True]
    assert cache._cache._own.tracked is parent_store


def _read_tracked_with(cache, queue) -> None:
    parent_store = cache._cache._own.tracked
    value = cache.get_tracked("shared")
    queue.put([value, cache._cache._own.tracked is not parent_store])


def test_a_threads_tracked_reads_go_with_the_thread(cache):
    import gc
    import weakref

    cache.set("thread", "value", 60)
    stores = []

    def read_in_a_thread():
        assert cache.get_tracked("thread") == "value"
        stores.append(weakref.ref(cache._cache._own.tracked))

    gc.disable()  # freed by reference counting alone: no cycle keeps the memory or its socket
    try:
        thread = threading.Thread(target=read_in_a_thread)
        thread.start()
        thread.join()
        assert stores[0]() is None
    finally:
        gc.enable()
