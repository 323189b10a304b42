"""Folding ``LibraryCountEntry`` rows: a user's entries replaced by one holding their sums.

The triggers only ever insert entries (see ``library.models.LibraryCountEntry``),
so a user's count is a sum over a growing set of rows until it is folded.
``library.items.selectors.user_item_counts`` folds a user's entries when a read
finds many of them; ``library.fold_library_counts`` (Celery beat) folds everyone's
and drops entries of users who no longer exist.

On PostgreSQL a fold is one statement, ``DELETE ... RETURNING`` feeding the
``INSERT`` of the sum: rows deleted by one fold are skipped by a concurrent one
(it waits for them, then finds them gone), so two folds never count a row twice,
and entries inserted meanwhile are simply left for the next fold. SQLite runs
one writer at a time, so there the same is a few statements in a transaction.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from accounts.models import User
from library.models import LibraryCountEntry

logger = logging.getLogger(__name__)


_FOLD_USER_POSTGRESQL = """
    WITH gone AS (DELETE FROM library_librarycountentry WHERE user_id = %(user)s RETURNING item_delta, root_delta)
    INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
    SELECT %(user)s, SUM(item_delta), SUM(root_delta) FROM gone
    HAVING SUM(item_delta) <> 0 OR SUM(root_delta) <> 0
"""
_FOLD_ALL_POSTGRESQL = """
    WITH gone AS (
        DELETE FROM library_librarycountentry
        WHERE user_id IN (
            SELECT user_id FROM library_librarycountentry GROUP BY user_id
            HAVING COUNT(*) > 1 OR NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = user_id)
        )
        RETURNING user_id, item_delta, root_delta
    )
    INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
    SELECT gone.user_id, SUM(item_delta), SUM(root_delta) FROM gone
    WHERE EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = gone.user_id)
    GROUP BY gone.user_id
    HAVING SUM(item_delta) <> 0 OR SUM(root_delta) <> 0
"""


def _user_value(user_id):
    """``user_id`` as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return LibraryCountEntry._meta.get_field("user").get_db_prep_value(user_id, connection)


def library_counts_fold(*, user_id) -> None:
    """Replace the user's entries by one entry with their sums (none when both are zero)."""
    user = _user_value(user_id)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_FOLD_USER_POSTGRESQL, {"user": user})
            return
        cursor.execute(
            "SELECT SUM(item_delta), SUM(root_delta), MAX(id) FROM library_librarycountentry WHERE user_id = %s",
            [user],
        )
        items, root, last = cursor.fetchone()
        if last is None:
            return
        cursor.execute("DELETE FROM library_librarycountentry WHERE user_id = %s AND id <= %s", [user, last])
        if items or root:
            cursor.execute(
                "INSERT INTO library_librarycountentry (user_id, item_delta, root_delta) VALUES (%s, %s, %s)",
                [user, items, root],
            )


def library_counts_fold_quietly(*, user_id) -> None:
    """``library_counts_fold`` from a read: a failure (a fold racing another one into a deadlock)
    leaves the entries for the next fold instead of failing the request."""
    try:
        library_counts_fold(user_id=user_id)
    except DatabaseError:
        logger.warning("Folding the library counts of %s failed; the next read or beat will.", user_id)


def library_counts_fold_all() -> None:
    """Fold every user's entries and drop those of users who no longer exist (periodic housekeeping)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_FOLD_ALL_POSTGRESQL)
        return
    with transaction.atomic():
        LibraryCountEntry.objects.exclude(user_id__in=User.all_domains.values("pk")).delete()
        for user_id in LibraryCountEntry.objects.order_by().values_list("user_id", flat=True).distinct():
            library_counts_fold(user_id=user_id)


# --- The public ledgers (migration 0006): folders' publicly visible items, tags' public usage -------

#: (entry table, key column, parent table) of each public ledger.
PUBLIC_LEDGERS = (
    ("library_publicfoldercountentry", "folder_id", "library_folder"),
    ("library_publictagusageentry", "tag_id", "library_tag"),
)


def public_counts_fold_all() -> None:
    """Replace each folder's and tag's public entries by their sum; drop those of deleted rows.

    One statement per ledger on PostgreSQL (as ``library_counts_fold_all``): a
    row deleted by one fold is skipped by a concurrent one, entries inserted
    meanwhile wait for the next fold.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        for table, key, parent in PUBLIC_LEDGERS:
            cursor.execute(
                f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {key})"  # noqa: S608
            )
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"""
                    WITH gone AS (
                        DELETE FROM {table} WHERE {key} IN (
                            SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1
                        ) RETURNING {key}, delta
                    )
                    INSERT INTO {table} ({key}, delta)
                    SELECT {key}, SUM(delta) FROM gone GROUP BY {key} HAVING SUM(delta) <> 0
                    """  # noqa: S608 - table and column names are constants
                )
                continue
            cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608
            (last,) = cursor.fetchone()
            if last is None:
                continue
            cursor.execute(
                f"SELECT {key}, SUM(delta) FROM {table} WHERE id <= %s GROUP BY {key} HAVING SUM(delta) <> 0",  # noqa: S608
                [last],
            )
            sums = cursor.fetchall()
            cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last])  # noqa: S608
            if sums:
                cursor.executemany(f"INSERT INTO {table} ({key}, delta) VALUES (%s, %s)", sums)  # noqa: S608
