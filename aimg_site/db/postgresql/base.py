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

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_GRACE_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
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

    def _close(self):
        self.last_used_at = float("-inf")
        return super()._close()
