"""pgQuery: one read-only statement as a dedicated role; every escape attempt fails with a 400."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from aimg_site.core.models import AuditLogEntry
from aimg_site.technical.pgquery.grants import READABLE_TABLES, SECRET_COLUMNS, SECRET_TABLES
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pgQuery needs PostgreSQL")


@pytest.fixture
def query(pgquery_role, admin):
    api = ApiClient()

    def run(text: str, params=None, persona=admin):
        body = {"queryText": text}
        if params is not None:
            body["queryParams"] = params
        return api.post("/pgQuery", persona=persona, body=body)

    return run


def _refused(response, *words: str):
    assert_envelope(response, 400)
    assert response.body.get("errorCode") == 1703, response
    for word in words:
        assert word in response.error.lower(), response.error


@on_postgresql
def test_a_select_answers_like_node_postgres(query):
    response = query("SELECT name, display_name FROM core_domain WHERE name = $1", ["sexy.ai"])
    assert_envelope(response, 200)
    result = response.payload
    assert result["command"] == "SELECT" and result["rowCount"] == 1
    assert result["rows"][0]["name"] == "sexy.ai" and set(result["rows"][0]) == {"name", "display_name"}
    assert [f["name"] for f in result["fields"]] == ["name", "display_name"]
    assert result["fields"][0]["dataTypeID"] == 1043  # varchar
    assert result["fields"][0]["tableID"] > 0 and result["fields"][0]["format"] == "text"


@on_postgresql
def test_values_and_parameters_are_typed_as_node_postgres_does(query):
    response = query(
        "SELECT 1::int AS i, 2::bigint AS b, 1.50::numeric AS n, true AS t, NULL AS z, "
        "'{\"x\": [1]}'::jsonb AS j, $1::int + 1 AS p, $2::text AS s, $3::int[] AS a, ($4::jsonb)->>'k' AS o, "
        "'2026-01-02T03:04:05Z'::timestamptz AS ts, '\\x0102'::bytea AS by, 'a%' LIKE 'a%' AS pct",
        [41, "it's; DROP TABLE core_domain", [1, 2], {"k": "v"}],
    )
    assert_envelope(response, 200)
    row = response.payload["rows"][0]
    assert row["i"] == 1 and row["b"] == "2" and row["n"] == "1.50" and row["t"] is True and row["z"] is None
    assert row["j"] == {"x": [1]} and row["p"] == 42 and row["s"] == "it's; DROP TABLE core_domain"
    assert row["a"] == [1, 2] and row["o"] == "v" and row["ts"].startswith("2026-01-02T03:04:05")
    assert row["by"] == "\\x0102" and row["pct"] is True
    assert [f["dataTypeID"] for f in response.payload["fields"]][:3] == [23, 20, 1700]


@on_postgresql
@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1; DELETE FROM core_domain",
        "COMMIT; DELETE FROM core_domain",
        "SELECT 1; COMMIT; SET ROLE aimg; DROP TABLE core_domain",
    ],
)
def test_several_statements_are_refused(query, text, domain):
    _refused(query(text), "multiple commands")
    assert query("SELECT count(*) AS n FROM core_domain").payload["rows"] == [{"n": "2"}]


@on_postgresql
@pytest.mark.parametrize(
    "text",
    [
        "DELETE FROM core_domain",
        "UPDATE core_domain SET name = 'x'",
        "INSERT INTO core_domain (name, display_name, frontend_url, environment) VALUES ('a', 'b', 'c', 'prod')",
        "TRUNCATE core_domain",
        "CREATE TABLE evil (id int)",
        "CREATE TEMP TABLE evil (id int)",
        "DROP TABLE core_domain",
        "ALTER TABLE core_domain ADD COLUMN x int",
        "ALTER ROLE aimg_pgquery SUPERUSER",
        "GRANT SELECT ON accounts_session TO aimg_pgquery",
        "SET ROLE aimg",
        "SET SESSION AUTHORIZATION aimg",
        "COPY core_domain TO '/tmp/x'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT * FROM pg_authid",
        "SELECT nextval('core_domain_id_seq')",
        "WITH d AS (DELETE FROM core_domain RETURNING *) SELECT * FROM d",
        "SELECT set_config('transaction_read_only', 'off', false)",
        "SELECT lo_import('/etc/passwd')",
        "SELECT lo_export(1, '/tmp/x')",
        "EXPLAIN ANALYZE DELETE FROM core_domain",
        "EXPLAIN ANALYZE WITH d AS (DELETE FROM core_domain RETURNING 1) SELECT * FROM d",
        "DO $$BEGIN DELETE FROM core_domain; END$$",
        "SELECT * FROM core_domain FOR UPDATE",
        "SELECT * FROM core_domain FOR SHARE",
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "COPY core_domain FROM '/etc/passwd'",
        "SELECT pg_ls_dir('.')",
        "SELECT pg_stat_file('/etc/passwd')",
        "SELECT pg_reload_conf()",
        "SELECT * FROM pg_shadow",
        "SELECT rolpassword FROM pg_authid",
        "LOCK TABLE core_domain",
        "VACUUM core_domain",
        "RESET ROLE",
        "PREPARE p AS DELETE FROM core_domain",
        "CREATE FUNCTION evil() RETURNS int AS 'SELECT 1' LANGUAGE sql",
        "CREATE EXTENSION dblink",
        "SELECT dblink_exec('dbname=postgres', 'DROP TABLE core_domain')",
        "SELECT query_to_xml('DELETE FROM core_domain RETURNING 1', true, false, '')",
        "SELECT * FROM accounts_session UNION ALL SELECT * FROM accounts_session",
        "SELECT (SELECT count(*) FROM accounts_adminkey)",
        "SELECT set_config('role', 'aimg', false)",
    ],
)
def test_writes_ddl_and_escapes_are_refused(query, text):
    response = query(text)
    assert_envelope(response, 400)
    assert response.body.get("errorCode") == 1703
    assert query("SELECT count(*) AS n FROM core_domain").payload["rows"] == [{"n": "2"}]


@on_postgresql
@pytest.mark.parametrize("table", sorted(SECRET_TABLES))
def test_tables_holding_secrets_are_not_readable(query, table):
    _refused(query(f"SELECT * FROM {table}"), "permission denied")
    _refused(query(f"SELECT count(*) FROM {table}"), "permission denied")


@on_postgresql
def test_password_hashes_are_not_readable_but_the_rest_of_users_is(query, owner):
    _refused(query("SELECT password FROM accounts_user"), "permission denied")
    _refused(query("SELECT * FROM accounts_user"), "permission denied")
    assert_envelope(query("SELECT id, email FROM accounts_user LIMIT 1"), 200)


def test_no_secret_table_is_in_the_grants():
    assert not (SECRET_TABLES & set(READABLE_TABLES))
    assert "password" in READABLE_TABLES["accounts_user"]
    for table, columns in SECRET_COLUMNS.items():
        assert columns and columns <= READABLE_TABLES[table], table


SECRET_COLUMN_CASES = sorted(
    (table, column) for table, columns in SECRET_COLUMNS.items() for column in columns
)


@on_postgresql
@pytest.mark.parametrize("table,column", SECRET_COLUMN_CASES)
def test_secret_columns_are_not_readable_in_any_spelling(query, table, column):
    for text in (
        f"SELECT {column} FROM {table}",
        f'SELECT "{column}" FROM {table}',
        f"SELECT * FROM {table}",
        f"SELECT t FROM {table} t",
        f"SELECT row_to_json(t) FROM {table} t",
        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL",
        f"SELECT 1 FROM {table} ORDER BY {column}",
        f"SELECT {column} FROM public.{table}",
    ):
        _refused(query(text), "permission denied")


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
@pytest.mark.parametrize("table", sorted(READABLE_TABLES))
def test_every_listed_table_is_readable_but_its_secret_columns(query, table):
    columns = _columns(table)
    assert columns, f"{table} is listed but does not exist"
    allowed = [c for c in columns if c not in READABLE_TABLES[table]]
    text = f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in allowed)} FROM {table} LIMIT 1"
    assert_envelope(query(text), 200)
    assert_envelope(query(f"SELECT count(*) AS n FROM {table}"), 200)
    if not READABLE_TABLES[table]:
        assert_envelope(query(f"SELECT * FROM {table} LIMIT 1"), 200)


@on_postgresql
def test_the_role_command_grants_exactly_the_list(pgquery_role, settings):
    """What the role holds, read from PostgreSQL's own catalogs after ``manage.py pgquery_role``
    ran twice (it is idempotent): no secret table, no secret column, nothing but SELECT."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("pgquery_role", stdout=out)
    assert "billing_giftcard" in out.getvalue() and "moderation_itemreport" in out.getvalue()
    role = settings.AIMG_PGQUERY_USER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.table_privileges "
            "WHERE grantee = %s AND table_schema = current_schema()",
            [role],
        )
        tables = cursor.fetchall()
        cursor.execute(
            "SELECT table_name, column_name, privilege_type FROM information_schema.column_privileges "
            "WHERE grantee = %s AND table_schema = current_schema()",
            [role],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [role],
        )
        attributes = cursor.fetchone()
    assert {privilege for _, privilege in tables} == {"SELECT"}
    assert {privilege for _, _, privilege in columns} == {"SELECT"}
    whole = {table for table, _ in tables}
    by_column = {table for table, _, _ in columns}
    assert whole == {t for t, excluded in READABLE_TABLES.items() if not excluded}
    assert by_column >= {t for t, excluded in READABLE_TABLES.items() if excluded}
    assert not (whole | by_column) & SECRET_TABLES
    readable_columns = {(table, column) for table, column, _ in columns}
    for table, column in SECRET_COLUMN_CASES:
        assert (table, column) not in readable_columns
        assert table not in whole
    assert attributes == (False, False, False, False)


@on_postgresql
@pytest.mark.django_db(transaction=True)  # the role reads on its own connection: the rows must be committed
def test_gift_cards_are_readable_without_their_code_hashes(query, domain):
    from aimg_site.core.scoping import domain_context
    from billing.giftcards.services import gift_cards_create

    with domain_context(domain):
        created = gift_cards_create(number_of_cards=2, external_codes=["shop-1", "shop-2"])
    response = query(
        "SELECT external_code, redeemed_at, b.tier, b.days FROM billing_giftcard c "
        "JOIN billing_giftcardbatch b ON b.id = c.batch_id WHERE c.batch_id = $1 ORDER BY external_code",
        [str(created.batch.pk)],
    )
    assert_envelope(response, 200)
    assert response.payload["rows"] == [
        {"external_code": "shop-1", "redeemed_at": None, "tier": 1, "days": 30},
        {"external_code": "shop-2", "redeemed_at": None, "tier": 1, "days": 30},
    ]
    _refused(query("SELECT code_digest FROM billing_giftcard WHERE batch_id = $1", [str(created.batch.pk)]))
    for code in created.codes:  # nor can a code be tested against the stored hashes
        _refused(query("SELECT count(*) FROM billing_giftcard WHERE code_digest LIKE $1", [code[:4] + "%"]))


@on_postgresql
def test_a_statement_past_the_timeout_is_cancelled(query, settings):
    settings.AIMG_PGQUERY_TIMEOUT_MS = 500
    started = time.monotonic()
    _refused(query("SELECT pg_sleep(10)"), "500 ms")
    assert time.monotonic() - started < 5
    started = time.monotonic()
    # A statement that lifts its own timeout is cancelled by the watchdog.
    _refused(query("SELECT set_config('statement_timeout', '0', false), pg_sleep(10)"))
    assert time.monotonic() - started < 5


@on_postgresql
def test_huge_results_are_refused(query, settings):
    settings.AIMG_PGQUERY_MAX_ROWS = 100
    response = query("SELECT g FROM generate_series(1, 200000) AS g")
    assert_envelope(response, 400)
    assert "100 rows" in response.error
    settings.AIMG_PGQUERY_MAX_BYTES = 100_000
    response = query("SELECT repeat('x', 50000) AS big FROM generate_series(1, 50)")
    assert_envelope(response, 400)
    assert "100000 bytes" in response.error
    assert_envelope(query("SELECT g FROM generate_series(1, 100) AS g"), 200)


@on_postgresql
def test_database_errors_carry_the_database_message(query):
    _refused(query("SELEC 1"), "syntax error")
    _refused(query("SELECT * FROM no_such_table"), "does not exist")
    _refused(query("SELECT $1::int", ["not a number"]), "invalid input syntax")
    _refused(query("SELECT $1, $2", [1]), "")


@on_postgresql
@pytest.mark.parametrize(
    "text,command",
    [
        ("  -- a comment\n/* and another */ select 1", "SELECT"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT"),
        ("VALUES (1), (2)", "SELECT"),
        ("SHOW statement_timeout", "SHOW"),
        ("EXPLAIN SELECT 1", "EXPLAIN"),
    ],
)
def test_the_command_is_named(query, text, command):
    response = query(text)
    assert_envelope(response, 200)
    assert response.payload["command"] == command


@on_postgresql
def test_statements_without_rows_are_refused_clearly(query):
    _refused(query("SET work_mem = '1MB'"), "return rows")


@on_postgresql
def test_every_query_is_audited(query, admin):
    query("SELECT name FROM core_domain WHERE name <> $1", ["x"])
    query("DELETE FROM core_domain")
    entries = list(AuditLogEntry.objects.filter(action="pgQuery").order_by("created_at"))
    assert len(entries) == 2
    ok, refused = entries[0].details, entries[1].details
    assert ok["queryText"].startswith("SELECT name") and ok["paramCount"] == 1 and ok["rowCount"] == 2
    assert ok["durationMs"] >= 0 and entries[0].actor_id == admin.user.pk
    assert (
        refused["queryText"] == "DELETE FROM core_domain" and refused["rowCount"] is None and refused["error"]
    )
    assert "x" not in str(ok.get("params", ""))  # parameter values are not stored


@on_postgresql
def test_bad_input_is_a_400_naming_the_parameter(admin):
    api = ApiClient()
    for body, name in (
        ({}, "queryText"),
        ({"queryText": 5}, "queryText"),
        ({"queryText": "SELECT 1", "queryParams": "x"}, "queryParams"),
    ):
        response = api.post("/pgQuery", persona=admin, body=body)
        assert_envelope(response, 400)
        assert name in response.error


@on_postgresql
def test_a_missing_role_is_a_503(query, settings):
    settings.AIMG_PGQUERY_USER = "aimg_no_such_role"
    response = query("SELECT 1")
    assert_envelope(response, 503)
    assert "pgquery_role" in response.error


def test_pgquery_is_admin_only(api, owner, other_user, guest):
    for persona in (owner, other_user, guest, None):
        response = api.post("/pgQuery", persona=persona, body={"queryText": "SELECT 1"})
        assert_envelope(response, 403)
    assert AuditLogEntry.objects.filter(action="pgQuery").count() == 0


def test_on_sqlite_pgquery_says_it_needs_postgresql(api, admin, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    response = api.post("/pgQuery", persona=admin, body={"queryText": "SELECT 1"})
    assert_envelope(response, 400)
    assert "needs PostgreSQL" in response.error
