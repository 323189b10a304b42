"""pgQuery reads through its own connection (``services.pgquery_run``); here, what the role may read."""

from __future__ import annotations

from .grants import READABLE_TABLES


def pgquery_readable_tables() -> list[str]:
    return sorted(READABLE_TABLES)
