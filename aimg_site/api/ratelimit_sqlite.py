"""A ``limits`` storage in a SQLite file: the rate-limit counters of the embedded default.

``limits`` stores counters in Redis, Memcached, MongoDB or process memory. Memory
is one count per process (``gunicorn -w 2`` doubled every limit), and the
embedded default has no server to install, so this storage keeps the counters
in a SQLite file beside the database (``var/ratelimits.sqlite3``), shared by
every process and thread on the machine: ``sqlite:////absolute/path``.

Each hit is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement in
autocommit, which SQLite runs under its write lock: the increment and the
read of the new count are one atomic step across processes, as Redis's
``INCR`` is. The file is not the application database on purpose: counters
must survive the rollback of the request's transaction (a wrong password
raises inside ``transaction.atomic``), and must not queue behind its writers.
Several machines need Redis (``REDIS_URL``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID
"""

#: About one hit in this many also deletes expired rows, so the file does not grow without bound.
_PURGE_EVERY = 1000


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file (``sqlite:////path/to/file``), keys under ``key_prefix``."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        key_prefix: str = "",
        timeout: float = 10.0,
        **options: float | str | bool,
    ) -> None:
        path = uri.split(":///", 1)[1] if ":///" in uri else ""
        if not path.startswith("/"):
            raise ValueError(f"A SQLite rate-limit storage needs an absolute path (sqlite:////path): {uri!r}")
        self.path = Path(path)
        self.prefix = f"{key_prefix}:" if key_prefix else ""
        self.timeout = timeout
        self._local = threading.local()
        self._hits = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._connection()  # create the file and table now: a bad path fails at start-up

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own: connections do not cross a fork)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        (value,) = connection.execute(
            """
            INSERT INTO counters (key, value, expires_at) VALUES (:key, :amount, :expires_at)
            ON CONFLICT (key) DO UPDATE SET
                value = CASE WHEN counters.expires_at <= :now THEN :amount ELSE counters.value + :amount END,
                expires_at = CASE WHEN counters.expires_at <= :now THEN :expires_at ELSE counters.expires_at END
            RETURNING value
            """,
            {"key": self.prefix + key, "amount": amount, "expires_at": now + expiry, "now": now},
        ).fetchone()
        self._hits += 1
        if self._hits % _PURGE_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return int(value)

    def _row(self, key: str) -> tuple[int, float] | None:
        row = (
            self._connection()
            .execute(
                "SELECT value, expires_at FROM counters WHERE key = ? AND expires_at > ?",
                (self.prefix + key, time.time()),
            )
            .fetchone()
        )
        return (int(row[0]), float(row[1])) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter under this storage's prefix (all of them without one)."""
        cursor = self._connection().execute(
            "DELETE FROM counters WHERE substr(key, 1, ?) = ?", (len(self.prefix), self.prefix)
        )
        return cursor.rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (self.prefix + key,))
