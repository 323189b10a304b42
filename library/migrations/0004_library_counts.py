"""Per-user counts of live items (all, root folder), kept exact by triggers, and their backfill.

PostgreSQL: statement-level triggers with transition tables, so a statement
that touches many items (a bulk insert, deleting a whole library, moving a
guest's items to an account) updates each owner's row once. SQLite (the
embedded default and the default test database): row-level triggers. Every new
user gets a row from a trigger too, so item triggers only ever UPDATE rows:
nothing re-creates the row of a user being deleted (its row goes with it).

The triggers are created before the backfill, in the migration's transaction:
PostgreSQL's CREATE TRIGGER locks out item writes until it commits, so none is
counted twice or missed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL_FORWARD = [
    """
    CREATE FUNCTION library_counts_after_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE library_librarycounts AS c
            SET item_count = c.item_count + d.items, root_item_count = c.root_item_count + d.root
            FROM (
                SELECT owner_id, count(*) AS items, count(*) FILTER (WHERE folder_id IS NULL) AS root
                FROM new_items WHERE deleted_at IS NULL GROUP BY owner_id
            ) AS d
            WHERE c.user_id = d.owner_id;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE library_librarycounts AS c
            SET item_count = c.item_count - d.items, root_item_count = c.root_item_count - d.root
            FROM (
                SELECT owner_id, count(*) AS items, count(*) FILTER (WHERE folder_id IS NULL) AS root
                FROM old_items WHERE deleted_at IS NULL GROUP BY owner_id
            ) AS d
            WHERE c.user_id = d.owner_id;
        ELSE
            UPDATE library_librarycounts AS c
            SET item_count = c.item_count + d.items, root_item_count = c.root_item_count + d.root
            FROM (
                SELECT owner_id, sum(items) AS items, sum(root) AS root FROM (
                    SELECT owner_id, 1 AS items, (folder_id IS NULL)::int AS root
                    FROM new_items WHERE deleted_at IS NULL
                    UNION ALL
                    SELECT owner_id, -1, -((folder_id IS NULL)::int)
                    FROM old_items WHERE deleted_at IS NULL
                ) AS t
                GROUP BY owner_id HAVING sum(items) <> 0 OR sum(root) <> 0
            ) AS d
            WHERE c.user_id = d.owner_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER library_counts_insert AFTER INSERT ON library_item
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_counts_after_item_change()
    """,
    """
    CREATE TRIGGER library_counts_update AFTER UPDATE ON library_item
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_counts_after_item_change()
    """,
    """
    CREATE TRIGGER library_counts_delete AFTER DELETE ON library_item
    REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_counts_after_item_change()
    """,
    """
    CREATE FUNCTION library_counts_after_user_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO library_librarycounts (user_id, item_count, root_item_count)
        SELECT id, 0, 0 FROM new_users
        ON CONFLICT (user_id) DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER library_counts_user_insert AFTER INSERT ON accounts_user
    REFERENCING NEW TABLE AS new_users
    FOR EACH STATEMENT EXECUTE FUNCTION library_counts_after_user_insert()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_counts_user_insert ON accounts_user",
    "DROP FUNCTION IF EXISTS library_counts_after_user_insert()",
    "DROP TRIGGER IF EXISTS library_counts_insert ON library_item",
    "DROP TRIGGER IF EXISTS library_counts_update ON library_item",
    "DROP TRIGGER IF EXISTS library_counts_delete ON library_item",
    "DROP FUNCTION IF EXISTS library_counts_after_item_change()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER library_counts_insert AFTER INSERT ON library_item
    WHEN NEW.deleted_at IS NULL
    BEGIN
        UPDATE library_librarycounts
        SET item_count = item_count + 1, root_item_count = root_item_count + (NEW.folder_id IS NULL)
        WHERE user_id = NEW.owner_id;
    END
    """,
    """
    CREATE TRIGGER library_counts_delete AFTER DELETE ON library_item
    WHEN OLD.deleted_at IS NULL
    BEGIN
        UPDATE library_librarycounts
        SET item_count = item_count - 1, root_item_count = root_item_count - (OLD.folder_id IS NULL)
        WHERE user_id = OLD.owner_id;
    END
    """,
    """
    CREATE TRIGGER library_counts_update AFTER UPDATE OF owner_id, folder_id, deleted_at ON library_item
    BEGIN
        UPDATE library_librarycounts
        SET item_count = item_count - 1, root_item_count = root_item_count - (OLD.folder_id IS NULL)
        WHERE user_id = OLD.owner_id AND OLD.deleted_at IS NULL;
        UPDATE library_librarycounts
        SET item_count = item_count + 1, root_item_count = root_item_count + (NEW.folder_id IS NULL)
        WHERE user_id = NEW.owner_id AND NEW.deleted_at IS NULL;
    END
    """,
    """
    CREATE TRIGGER library_counts_user_insert AFTER INSERT ON accounts_user
    BEGIN
        INSERT OR IGNORE INTO library_librarycounts (user_id, item_count, root_item_count)
        VALUES (NEW.id, 0, 0);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_counts_user_insert",
    "DROP TRIGGER IF EXISTS library_counts_insert",
    "DROP TRIGGER IF EXISTS library_counts_update",
    "DROP TRIGGER IF EXISTS library_counts_delete",
]

BACKFILL = """
    INSERT INTO library_librarycounts (user_id, item_count, root_item_count)
    SELECT u.id,
           COUNT(i.id),
           COALESCE(SUM(CASE WHEN i.id IS NOT NULL AND i.folder_id IS NULL THEN 1 ELSE 0 END), 0)
    FROM accounts_user u
    LEFT JOIN library_item i ON i.owner_id = u.id AND i.deleted_at IS NULL
    GROUP BY u.id
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
        ("accounts", "0003_user_profile_otp_kvp"),
        ("library", "0003_listings_by_completion_time"),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryCounts",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="library_counts",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("item_count", models.BigIntegerField(default=0)),
                ("root_item_count", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name_plural": "library counts"},
        ),
        migrations.RunPython(forward, backward),
    ]
