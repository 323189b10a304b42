# ruff: noqa: S608 - the SQL is built from constant table and column names only.
"""Folders' counts of publicly visible items and tags' usage by them, kept by triggers, backfilled.

Issue 13: ``getPublicFolders`` and ``getTagsList`` counted the whole database
on every anonymous call. Now every statement that changes which items are
publicly visible (approved, public, live, in a public folder) adds entries with
the change: ``library_publicfoldercountentry`` per folder, and
``library_publictagusageentry`` per tag of the items concerned; adding or removing
a tag of a publicly visible item adds a tag entry. The same insert-only ledger
as ``0004_library_counts`` (no counter row to queue or deadlock on), folded by
``library.items.counts``. A folder's ``is_public`` never changes after its
creation (``library.models.Folder``), so folders need no trigger; deleting a
folder first moves its items to the root (an item update, counted).

PostgreSQL: statement-level triggers with transition tables. SQLite: row-level
triggers. A later migration that rebuilds ``library_item`` or
``library_itemtag`` on SQLite must create them again (a test checks they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _visible(row: str, *, postgresql: bool) -> str:
    """SQL: is ``row`` (an item row alias) publicly visible, as 1 or 0."""
    true = "true" if postgresql else "1"
    condition = (
        f"{row}.deleted_at IS NULL AND {row}.is_public = {true} AND {row}.public_approval_status = 'approved'"
        f" AND EXISTS (SELECT 1 FROM library_folder f WHERE f.id = {row}.folder_id AND f.is_public = {true})"
    )
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _pg_item_changes(op: str) -> str:
    """The items whose visibility a statement changed: (id, folder_id, +1/-1)."""
    parts = []
    if op in ("INSERT", "UPDATE"):
        parts.append(
            f"SELECT n.id, n.folder_id, 1 AS d FROM new_items n WHERE {_visible('n', postgresql=True)} = 1"
        )
    if op in ("DELETE", "UPDATE"):
        parts.append(
            f"SELECT o.id, o.folder_id, -1 AS d FROM old_items o WHERE {_visible('o', postgresql=True)} = 1"
        )
    return " UNION ALL ".join(parts)


def _pg_item_branch(op: str) -> str:
    changes = _pg_item_changes(op)
    return f"""
            INSERT INTO library_publicfoldercountentry (folder_id, delta)
            SELECT folder_id, sum(d) FROM ({changes}) AS c GROUP BY folder_id HAVING sum(d) <> 0;
            INSERT INTO library_publictagusageentry (tag_id, delta)
            SELECT t.tag_id, sum(c.d) FROM ({changes}) AS c JOIN library_itemtag t ON t.item_id = c.id
            GROUP BY t.tag_id HAVING sum(c.d) <> 0;"""


def _pg_link_branch(table: str, sign: str) -> str:
    return f"""
            INSERT INTO library_publictagusageentry (tag_id, delta)
            SELECT l.tag_id, {sign}count(*) FROM {table} l JOIN library_item i ON i.id = l.item_id
            WHERE {_visible("i", postgresql=True)} = 1 GROUP BY l.tag_id;"""


POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION library_public_counts_items() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN{_pg_item_branch("INSERT")}
        ELSIF TG_OP = 'DELETE' THEN{_pg_item_branch("DELETE")}
        ELSE{_pg_item_branch("UPDATE")}
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION library_public_counts_links() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN{_pg_link_branch("new_links", "")}
        ELSIF TG_OP = 'DELETE' THEN{_pg_link_branch("old_links", "-")}
        ELSE{_pg_link_branch("new_links", "")}{_pg_link_branch("old_links", "-")}
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER library_public_counts_insert AFTER INSERT ON library_item
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_items()
    """,
    """
    CREATE TRIGGER library_public_counts_update AFTER UPDATE ON library_item
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_items()
    """,
    """
    CREATE TRIGGER library_public_counts_delete AFTER DELETE ON library_item
    REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_items()
    """,
    """
    CREATE TRIGGER library_public_counts_link_insert AFTER INSERT ON library_itemtag
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_links()
    """,
    """
    CREATE TRIGGER library_public_counts_link_update AFTER UPDATE ON library_itemtag
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_links()
    """,
    """
    CREATE TRIGGER library_public_counts_link_delete AFTER DELETE ON library_itemtag
    REFERENCING OLD TABLE AS old_links
    FOR EACH STATEMENT EXECUTE FUNCTION library_public_counts_links()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_public_counts_insert ON library_item",
    "DROP TRIGGER IF EXISTS library_public_counts_update ON library_item",
    "DROP TRIGGER IF EXISTS library_public_counts_delete ON library_item",
    "DROP TRIGGER IF EXISTS library_public_counts_link_insert ON library_itemtag",
    "DROP TRIGGER IF EXISTS library_public_counts_link_update ON library_itemtag",
    "DROP TRIGGER IF EXISTS library_public_counts_link_delete ON library_itemtag",
    "DROP FUNCTION IF EXISTS library_public_counts_items()",
    "DROP FUNCTION IF EXISTS library_public_counts_links()",
]

_NEW, _OLD = _visible("NEW", postgresql=False), _visible("OLD", postgresql=False)
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER library_public_counts_insert AFTER INSERT ON library_item
    WHEN {_NEW} = 1
    BEGIN
        INSERT INTO library_publicfoldercountentry (folder_id, delta) VALUES (NEW.folder_id, 1);
        INSERT INTO library_publictagusageentry (tag_id, delta)
        SELECT tag_id, 1 FROM library_itemtag WHERE item_id = NEW.id;
    END
    """,
    f"""
    CREATE TRIGGER library_public_counts_delete AFTER DELETE ON library_item
    WHEN {_OLD} = 1
    BEGIN
        INSERT INTO library_publicfoldercountentry (folder_id, delta) VALUES (OLD.folder_id, -1);
        INSERT INTO library_publictagusageentry (tag_id, delta)
        SELECT tag_id, -1 FROM library_itemtag WHERE item_id = OLD.id;
    END
    """,
    f"""
    CREATE TRIGGER library_public_counts_update
    AFTER UPDATE OF deleted_at, is_public, public_approval_status, folder_id ON library_item
    WHEN {_OLD} <> {_NEW} OR ({_OLD} = 1 AND OLD.folder_id IS NOT NEW.folder_id)
    BEGIN
        INSERT INTO library_publicfoldercountentry (folder_id, delta) SELECT OLD.folder_id, -1 WHERE {_OLD} = 1;
        INSERT INTO library_publicfoldercountentry (folder_id, delta) SELECT NEW.folder_id, 1 WHERE {_NEW} = 1;
        INSERT INTO library_publictagusageentry (tag_id, delta)
        SELECT tag_id, {_NEW} - {_OLD} FROM library_itemtag WHERE item_id = NEW.id AND {_NEW} <> {_OLD};
    END
    """,
    f"""
    CREATE TRIGGER library_public_counts_link_insert AFTER INSERT ON library_itemtag
    BEGIN
        INSERT INTO library_publictagusageentry (tag_id, delta)
        SELECT NEW.tag_id, 1 FROM library_item i WHERE i.id = NEW.item_id AND {_visible("i", postgresql=False)} = 1;
    END
    """,
    f"""
    CREATE TRIGGER library_public_counts_link_delete AFTER DELETE ON library_itemtag
    BEGIN
        INSERT INTO library_publictagusageentry (tag_id, delta)
        SELECT OLD.tag_id, -1 FROM library_item i WHERE i.id = OLD.item_id AND {_visible("i", postgresql=False)} = 1;
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS library_public_counts_insert",
    "DROP TRIGGER IF EXISTS library_public_counts_update",
    "DROP TRIGGER IF EXISTS library_public_counts_delete",
    "DROP TRIGGER IF EXISTS library_public_counts_link_insert",
    "DROP TRIGGER IF EXISTS library_public_counts_link_delete",
]

BACKFILL = [
    """
    INSERT INTO library_publicfoldercountentry (folder_id, delta)
    SELECT i.folder_id, COUNT(*) FROM library_item i WHERE {visible} = 1 GROUP BY i.folder_id
    """,
    """
    INSERT INTO library_publictagusageentry (tag_id, delta)
    SELECT t.tag_id, COUNT(*) FROM library_itemtag t JOIN library_item i ON i.id = t.item_id
    WHERE {visible} = 1 GROUP BY t.tag_id
    """,
]


def forward(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"public counts: no triggers for {schema_editor.connection.vendor}")
    for statement in POSTGRESQL_FORWARD if postgresql else SQLITE_FORWARD:
        schema_editor.execute(statement)
    for statement in BACKFILL:
        schema_editor.execute(statement.format(visible=_visible("i", postgresql=postgresql)))


def backward(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_BACKWARD if postgresql else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_seed_domains"),
        ("library", "0005_item_media_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicFolderCountEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("delta", models.BigIntegerField()),
            ],
            options={
                "verbose_name_plural": "public folder count entries",
            },
        ),
        migrations.CreateModel(
            name="PublicTagUsageEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("delta", models.BigIntegerField()),
            ],
            options={
                "verbose_name_plural": "public tag usage entries",
            },
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["folder", "folder_added_at", "id"],
                name="library_item_folder_added_idx",
            ),
        ),
        migrations.AddField(
            model_name="publicfoldercountentry",
            name="folder",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="library.folder",
            ),
        ),
        migrations.AddField(
            model_name="publictagusageentry",
            name="tag",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="library.tag",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
