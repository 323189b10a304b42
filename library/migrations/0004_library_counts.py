"""Per-user counts of live items (all, root folder) as an insert-only ledger kept by triggers, backfilled.

Every statement that inserts, updates or deletes items adds, in its own
transaction, one ``library_librarycountentry`` row per owner whose live (or
root-folder live) items it changed, with the change. PostgreSQL: statement-level
triggers with transition tables, so a statement touching many items (a bulk
insert, deleting a whole library, moving a guest's items to an account) writes
one entry per owner. SQLite (the embedded default and the default test
database): row-level triggers, an entry per changed item.

Entries are only inserted (never updated): writers do not queue on a counter row,
and none can deadlock on one (a counter row locked by a trigger and then a
folder or user row locked by a deferred foreign-key check at commit would).

The triggers are created before the backfill, in the migration's transaction:
PostgreSQL's CREATE TRIGGER locks out item writes until it commits, so none is
counted twice or missed. On SQLite, a later migration that rebuilds
``library_item`` (Django does for most column changes there) drops its
triggers: such a migration must create them again (a test checks they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each changed row's contribution: +1 (and +1 in the root folder) for a live item in the new
# rows, -1 (-1) for one in the old rows; summed per owner, nothing written for a zero sum.
POSTGRESQL_FORWARD = [
    """
    CREATE FUNCTION library_count_entries_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
            SELECT owner_id, count(*), count(*) FILTER (WHERE folder_id IS NULL)
            FROM new_items WHERE deleted_at IS NULL GROUP BY owner_id;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
            SELECT owner_id, -count(*), -count(*) FILTER (WHERE folder_id IS NULL)
            FROM old_items WHERE deleted_at IS NULL GROUP BY owner_id;
        ELSE
            INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
            SELECT owner_id, sum(items), sum(root) FROM (
                SELECT owner_id, 1 AS items, (folder_id IS NULL)::int AS root
                FROM new_items WHERE deleted_at IS NULL
                UNION ALL
                SELECT owner_id, -1, -((folder_id IS NULL)::int)
                FROM old_items WHERE deleted_at IS NULL
            ) AS changes
            GROUP BY owner_id HAVING sum(items) <> 0 OR sum(root) <> 0;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER library_counts_insert AFTER INSERT ON library_item
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_count_entries_write()
    """,
    """
    CREATE TRIGGER library_counts_update AFTER UPDATE ON library_item
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_count_entries_write()
    """,
    """
    CREATE TRIGGER library_counts_delete AFTER DELETE ON library_item
    REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_count_entries_write()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_counts_insert ON library_item",
    "DROP TRIGGER IF EXISTS library_counts_update ON library_item",
    "DROP TRIGGER IF EXISTS library_counts_delete ON library_item",
    "DROP FUNCTION IF EXISTS library_count_entries_write()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER library_counts_insert AFTER INSERT ON library_item
    WHEN NEW.deleted_at IS NULL
    BEGIN
        INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
        VALUES (NEW.owner_id, 1, NEW.folder_id IS NULL);
    END
    """,
    """
    CREATE TRIGGER library_counts_delete AFTER DELETE ON library_item
    WHEN OLD.deleted_at IS NULL
    BEGIN
        INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
        VALUES (OLD.owner_id, -1, -(OLD.folder_id IS NULL));
    END
    """,
    """
    CREATE TRIGGER library_counts_update AFTER UPDATE OF owner_id, folder_id, deleted_at ON library_item
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.folder_id IS NOT NEW.folder_id
        OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
    BEGIN
        INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
        SELECT OLD.owner_id, -1, -(OLD.folder_id IS NULL) WHERE OLD.deleted_at IS NULL;
        INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
        SELECT NEW.owner_id, 1, NEW.folder_id IS NULL WHERE NEW.deleted_at IS NULL;
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_counts_insert",
    "DROP TRIGGER IF EXISTS library_counts_update",
    "DROP TRIGGER IF EXISTS library_counts_delete",
]

BACKFILL = """
    INSERT INTO library_librarycountentry (user_id, item_delta, root_delta)
    SELECT owner_id, COUNT(*), SUM(CASE WHEN folder_id IS NULL THEN 1 ELSE 0 END)
    FROM library_item WHERE deleted_at IS NULL GROUP BY owner_id
"""


def _statements(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        return postgresql
    if vendor == "sqlite":
        return sqlite
    raise NotImplementedError(f"library counts: no triggers for {vendor}")


def forward(apps, schema_editor):
    for statement in _statements(schema_editor, POSTGRESQL_FORWARD, SQLITE_FORWARD):
        schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def backward(apps, schema_editor):
    for statement in _statements(schema_editor, POSTGRESQL_BACKWARD, SQLITE_BACKWARD):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0003_listings_by_completion_time"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryCountEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("item_delta", models.BigIntegerField()),
                ("root_delta", models.BigIntegerField()),
                (
                    "user",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name_plural": "library count entries"},
        ),
        migrations.RunPython(forward, backward),
    ]
