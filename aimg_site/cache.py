"""Django's Redis cache backend, made cheaper on the path every request takes (the session cache).

* Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for
  every cache call, and each one fills a table of some 200 response callbacks:
  about a tenth of a millisecond of CPU per call. A ``redis.Redis`` is safe to
  share between threads (it takes a connection from its pool per command), so
  one per pool is kept and reused.
* ``get`` (one per request: what the session id resolves to) sends ``GET`` on
  a connection of the calling thread's own, made from the pool's settings,
  rather than through ``redis.Redis.execute_command`` (its retry wrapper, the
  pool's checks and bookkeeping, and the response callbacks): about half of
  the call's CPU. A connection or timeout error drops that connection and
  answers through the pooled client, with its retries; any other interruption
  drops it too, so an unread reply can never be taken as the next key's.
* ``BaseCache.validate_key`` warns about keys memcached would refuse (longer
  than 250 characters, spaces, control characters), one character at a time on
  every call; Redis takes any key, so the Redis backend skips it.

``get_tracked`` (the session cache's reads) goes further: Redis's
server-assisted client-side caching (``CLIENT TRACKING`` on a RESP3
connection). A value read once is kept in this thread's memory, and Redis
promises to push an invalidation on that same connection as soon as the key
is written, deleted, expires or is evicted by anyone, from any machine; every
read first takes the pushes already delivered (a non-blocking poll), then
answers from memory. A network round trip blocks the worker and hands its
core to another process; under load each one cost a request about 0.2 ms of
CPU (bench/http.py), more than the rest of reading a session.

Why a change is seen on the very next request of any process: the writer's
command is answered only after Redis has queued the push, and Redis writes
every pending reply and push of one event-loop turn before it reads the next
command; the session cache writes each tombstone twice (now and after the
commit), so by the time the writer answers its own client the push is on the
reader's socket. Writes through this process's own cache backend also drop
the key from every thread's memory at once. A value is kept no longer than
the key's remaining TTL in Redis, and no longer than ``TRACKED_CONFIRM_SECONDS``
after the connection's last round trip: a connection that is idle, or that
died without a word, reads from Redis again (the reply comes after any
pushes still queued for it). A reconnection starts with an empty memory.
"""

from __future__ import annotations

import os
import select
import threading
import time
import weakref

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

#: A value kept by ``get_tracked`` is answered from memory only this long after the connection's
#: last round trip (and never past its TTL in Redis).
TRACKED_CONFIRM_SECONDS = 1.0
#: Values one thread keeps at most (the oldest go first).
TRACKED_MAX_ENTRIES = 10_000
#: Every thread's tracked reads in this process, so that a write here forgets the key at once.
_tracked_stores: weakref.WeakSet = weakref.WeakSet()


class TrackedReads:
    """One thread's RESP3 connection with ``CLIENT TRACKING ON`` and the values read through it
    (raw bytes, with the monotonic time each may be kept until)."""

    def __init__(self, connection):
        self.pid = os.getpid()
        self.connection = connection
        self.values: dict[str, tuple[bytes, float]] = {}
        self.confirmed_at = float("-inf")
        self._poll: select.poll | None = None  # readable = pushes wait on the socket
        # After every (re)connection, before the first command: an empty memory and tracking on.
        # redis-py keeps a weak reference to the callback; this object holds the connection.
        connection.register_connect_callback(self._connected)
        _tracked_stores.add(self)

    def _connected(self, connection) -> None:
        self.values.clear()
        self.confirmed_at = float("-inf")
        # The parser is chosen when connecting (RESP3 after HELLO 3): set its handler now. redis-py's
        # own client-side cache sets it the same way.
        # Through a weak reference: the connection must not keep this object alive (a thread's
        # memory goes with the thread, and its connection closes with it, without waiting for the
        # garbage collector to find a cycle).
        store = weakref.ref(self)

        def invalidated(message) -> None:
            alive = store()
            if alive is not None:
                alive._invalidated(message)

        connection._parser.set_invalidation_push_handler(invalidated)
        connection.send_command("CLIENT", "TRACKING", "ON", check_health=False)
        if connection.read_response() not in (b"OK", "OK"):
            raise RedisResponseError("CLIENT TRACKING ON was refused")
        self._poll = select.poll()
        self._poll.register(connection._sock, select.POLLIN)

    def _invalidated(self, message) -> None:
        keys = message[1] if len(message) > 1 else None
        if keys is None:  # FLUSHDB/FLUSHALL, or the server's tracking table made room
            self.values.clear()
            return
        for key in keys:
            self.values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def forget(self, keys) -> None:
        for key in keys:
            self.values.pop(key, None)

    def clear(self) -> None:
        self.values.clear()
        self.confirmed_at = float("-inf")
        self._poll = None
        self.connection.disconnect()

    def _take_pushes(self) -> None:
        """Read every push already delivered (connecting first when there is no socket)."""
        connection = self.connection
        while connection.can_read(timeout=0):
            connection.read_response(push_request=True)

    def read(self, key: str) -> bytes | None:
        connection = self.connection
        # Pushes already delivered are taken first. Nothing is ever left in the parser's buffer
        # between reads (each read ends by taking what came with its replies), so a poll of the
        # socket, one cheap system call, says whether there are any.
        if self._poll is None or connection._sock is None or self._poll.poll(0):
            self._take_pushes()
        now = time.monotonic()
        entry = self.values.get(key)
        if entry is not None and entry[1] > now and now - self.confirmed_at < TRACKED_CONFIRM_SECONDS:
            return entry[0]
        # GET and PTTL in one round trip; pushes queued before the replies are handled first.
        connection.send_packed_command(connection.pack_commands([("GET", key), ("PTTL", key)]))
        value = connection.read_response()
        ttl_ms = connection.read_response()
        self._take_pushes()  # any that came in the same read as the replies
        self.confirmed_at = now
        if value is None or not isinstance(ttl_ms, int) or ttl_ms == -2:
            self.values.pop(key, None)
            return value
        self.values.pop(key, None)
        if len(self.values) >= TRACKED_MAX_ENTRIES:
            del self.values[next(iter(self.values))]
        self.values[key] = (value, now + (ttl_ms / 1000 if ttl_ms >= 0 else TRACKED_CONFIRM_SECONDS))
        return value


def _forget_everywhere(keys) -> None:
    """Drop ``keys`` from every thread's tracked reads in this process (a write made here)."""
    keys = list(keys)
    for store in list(_tracked_stores):
        store.forget(keys)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}
        self._own = threading.local()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _own_connection(self):
        """This thread's connection for ``get`` (a new one in a forked child: sockets are not shared)."""
        own = self._own
        connection = getattr(own, "connection", None)
        if connection is None or own.pid != os.getpid():
            pool = self._get_connection_pool(False)
            connection = pool.connection_class(**pool.connection_kwargs)
            own.connection, own.pid = connection, os.getpid()
        return connection

    def get(self, key, default):
        connection = self._own_connection()
        try:
            connection.send_command("GET", key)
            value = connection.read_response()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            connection.disconnect()
            return super().get(key, default)
        except BaseException:
            connection.disconnect()
            raise
        return default if value is None else self._serializer.loads(value)

    def _tracked(self) -> TrackedReads | None:
        """This thread's tracked reads (``None`` once the server refused them: it predates RESP3)."""
        own = self._own
        store = getattr(own, "tracked", None)
        if store is None or store.pid != os.getpid():
            if getattr(own, "tracking_refused", False):
                return None
            pool = self._get_connection_pool(False)  # type: ignore[attr-defined]  # not in the stubs
            store = own.tracked = TrackedReads(
                pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
            )
        return store

    def get_tracked(self, key, default):
        """``get``, answered from this thread's memory while Redis has not said the key changed."""
        store = self._tracked()
        if store is None:
            return self.get(key, default)
        try:
            value = store.read(key)
        except RedisResponseError:
            # HELLO 3 or CLIENT TRACKING refused (a server before Redis 6): plain reads from now on.
            store.clear()
            self._own.tracked, self._own.tracking_refused = None, True
            return self.get(key, default)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            store.clear()
            return super().get(key, default)
        except BaseException:
            store.clear()
            raise
        return default if value is None else self._serializer.loads(value)

    # Writes made in this process forget the key in every thread's tracked reads at once (Redis's
    # push reaches the other processes).

    def set(self, key, value, timeout):
        _forget_everywhere([key])
        return super().set(key, value, timeout)

    def add(self, key, value, timeout):
        _forget_everywhere([key])
        return super().add(key, value, timeout)

    def touch(self, key, timeout):
        _forget_everywhere([key])
        return super().touch(key, timeout)

    def delete(self, key):
        _forget_everywhere([key])
        return super().delete(key)

    def incr(self, key, delta):
        _forget_everywhere([key])
        return super().incr(key, delta)

    def set_many(self, data, timeout):
        _forget_everywhere(data)
        return super().set_many(data, timeout)

    def delete_many(self, keys):
        keys = list(keys)
        _forget_everywhere(keys)
        return super().delete_many(keys)

    def clear(self):
        for store in list(_tracked_stores):
            store.values.clear()
        return super().clear()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Any key is a valid Redis key (memcached's rules do not apply)."""

    def get_tracked(self, key, default=None, version=None):
        """``get`` through this thread's tracked reads (see the module docstring)."""
        return self._cache.get_tracked(self.make_and_validate_key(key, version=version), default)
