"""Django's PostgreSQL backend, with health checks that cost a round trip only after idleness.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of
every request that reuses a persistent connection: one more round trip per
request, a seventh of a busy worker's time on the cheapest endpoints. Here a
connection that ran a query less than ``HEALTH_CHECK_GRACE_SECONDS`` ago skips
that check; one idle longer (when the server may have closed it: a restart,
an idle timeout, a fail-over) is checked as before. A connection that breaks
inside the grace time fails that one request, and Django closes it when the
request ends (a connection with errors is checked then), so the next request
gets a new one.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import is_psycopg3

if is_psycopg3:
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types as _pg_types
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader  # psycopg puts its C version in its place

    _TIMESTAMPTZ_OID = _pg_types["timestamptz"].oid

HEALTH_CHECK_GRACE_SECONDS = 5.0


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Django reads a client-side cursor's own query text; a ``prepared_cursor`` has none, so
        # its SQL is composed here (as Django does when every cursor binds on the server).
        if is_psycopg3 and isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except base.Database.errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    last_used_at = float("-inf")

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.last_used_at < HEALTH_CHECK_GRACE_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.last_used_at = time.monotonic()
        return cursor

    def prepared_cursor(self):
        """A cursor (Django's wrapper: query logging, error translation) that binds its parameters
        on the server, so psycopg prepares its statements (``prepare_threshold``) and PostgreSQL
        runs them with the connection's ``plan_cache_mode``. Only ``PreparedQuery`` uses it: the
        ORM's own cursors bind on the client, so a generic plan never reaches one of its queries.
        """
        if not is_psycopg3:  # psycopg 2 has no server-side binding
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_thread_sharing()
        with self.wrap_database_errors:
            raw = base.ServerBindingCursor(self.connection)
            if self.timezone == dt.UTC and self.timezone_name == "UTC":
                # Django's own time-zone loader is Python code, a tenth of a listing's CPU; the
                # session's time zone is UTC, and psycopg's C loader already answers in it.
                raw.adapters.register_loader("timestamptz", TimestamptzLoader)
            elif self.timezone != self.connection.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT).timezone:
                # As Django's ``create_cursor``: the session's time zone where the connection's differs.
                register_tzloader(self.timezone, raw)
        self.last_used_at = time.monotonic()
        return self.make_debug_cursor(raw) if self.queries_logged else self.make_cursor(raw)

    def _close(self):
        self.last_used_at = float("-inf")
        return super()._close()
