"""pgQuery: run one read-only statement as the dedicated role, and set that role up.

Safe by construction, each layer on its own sufficient for writes:

* the statement runs on a connection of its own role (``connection.py``), which holds SELECT on
  the tables of ``grants.READABLE_TABLES`` only (no secrets), owns nothing and may create nothing;
* in a read-only transaction (the role's default, the connection's option and ``BEGIN READ ONLY``);
* through the extended protocol (psycopg's ``stream``: one Parse/Bind/Execute of an unnamed
  prepared statement), so ``SELECT 1; DELETE ...`` is refused by PostgreSQL as several commands,
  and ``queryParams`` are bound by the driver as ``$1``, ``$2``... exactly as node-postgres does;
* with ``statement_timeout`` (and a watchdog that cancels the query just after it, in case the
  statement changed its own timeout), a row cap and a result-size cap; the connection is closed
  after every call, so no ``SET`` outlives it.

Every call, refused or not, is written to the audit log: the text, the number of parameters (not
their values), the row count and the duration.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import math
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection

from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import BadRequest, ServiceUnavailable
from aimg_site.core.services import audit_log_record

from .connection import pgquery_connect_kwargs
from .grants import READABLE_TABLES

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger("aimg.technical.pgquery")

#: Types node-postgres answers as strings (int8, numeric, money).
_TEXT_OIDS = frozenset({20, 1700, 790})
MAX_AUDITED_TEXT = 10_000


class PgQueryRefused(BadRequest):
    """PostgreSQL refused the statement: the message is the database's."""

    error_code = ErrorCode.TECHNICAL_PGQUERY_DATABASE_ERROR


def _node_param(value: Any) -> str | None:
    """A parameter as node-postgres sends it: text (or NULL), the server infers its type."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return _array_literal(value)
    return json.dumps(value, separators=(",", ":"))


def _array_literal(values: list) -> str:
    items = []
    for item in values:
        if item is None:
            items.append("NULL")
        elif isinstance(item, list):
            items.append(_array_literal(item))
        else:
            text = _node_param(item) or ""
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _json_value(value: Any, oid: int) -> Any:
    """A loaded value as JSON, as node-postgres's result would serialize it."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value) if oid in _TEXT_OIDS else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _json_value(v, 0) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v, 0) for v in value]
    return str(value)


_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
#: Statements whose command tag PostgreSQL reports as SELECT.
_SELECT_TAGS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "("})


def command_of(query_text: str) -> str | None:
    """The command tag's verb of a statement that returned rows (``SELECT``, ``SHOW``, ``EXPLAIN``...).

    psycopg's row-by-row mode does not keep the server's command tag, so it is read off the text:
    only statements that return rows get this far, and for those the leading keyword is the tag
    (``WITH``/``VALUES``/``TABLE`` are reported as ``SELECT``, as PostgreSQL does).
    """
    rest = _LEADING_NOISE.sub("", query_text, count=1)
    match = re.match(r"\(|[A-Za-z]+", rest)
    if match is None:
        return None
    verb = match.group(0).upper()
    return "SELECT" if verb in _SELECT_TAGS else verb


def pgquery_run(*, query_text: str, query_params: list, audit_request) -> dict:
    """Run ``query_text`` as the pgQuery role; the node-postgres result, or a 400 with the database's
    message. ``audit_request`` is the request the audit row is written for."""
    if connection.vendor != "postgresql":
        raise BadRequest("pgQuery needs PostgreSQL; this deployment runs on SQLite.")
    started = time.perf_counter()
    details: dict[str, Any] = {
        "queryText": query_text[:MAX_AUDITED_TEXT],
        "paramCount": len(query_params),
        "rowCount": None,
    }
    try:
        result = _execute(query_text, [_node_param(p) for p in query_params])
    except BadRequest as exc:
        details["error"] = exc.message[:500]
        raise
    except ServiceUnavailable as exc:
        details["error"] = exc.message[:500]
        raise
    else:
        details["rowCount"] = result["rowCount"]
        details["command"] = result["command"]
        return result
    finally:
        details["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
        audit_log_record(request=audit_request, action="pgQuery", target_type="pgQuery", details=details)


def _execute(query_text: str, params: list[str | None]) -> dict:
    import psycopg  # the driver Django's PostgreSQL backend loads anyway; not on SQLite

    timeout_ms = settings.AIMG_PGQUERY_TIMEOUT_MS
    max_rows, max_bytes = settings.AIMG_PGQUERY_MAX_ROWS, settings.AIMG_PGQUERY_MAX_BYTES
    try:
        conn = psycopg.connect(**pgquery_connect_kwargs(), cursor_factory=psycopg.RawCursor)
    except psycopg.OperationalError as exc:
        logger.warning("pgQuery cannot connect as its role: %s", str(exc).strip()[:300])
        raise ServiceUnavailable(
            "pgQuery cannot connect as its database role (has `manage.py pgquery_role` been run?)."
        ) from None
    watchdog = threading.Timer(timeout_ms / 1000 + 1.0, conn.cancel_safe)
    try:
        conn.read_only = True
        watchdog.start()
        with conn.cursor() as cursor:
            rows: list[dict] = []
            size = 0
            oids: list[int] = []
            names: list[str] = []
            try:
                for row in cursor.stream(query_text, params or None):
                    if not names and cursor.description:
                        names = [column.name for column in cursor.description]
                        oids = [column.type_code for column in cursor.description]
                    if len(rows) >= max_rows:
                        raise BadRequest(f"The result has more than {max_rows} rows: add a LIMIT.")
                    item = {
                        name: _json_value(value, oid)
                        for name, value, oid in zip(names, row, oids, strict=True)
                    }
                    size += len(json.dumps(item, separators=(",", ":"), default=str))
                    if size > max_bytes:
                        raise BadRequest(f"The result is larger than {max_bytes} bytes: select less.")
                    rows.append(item)
            except psycopg.errors.QueryCanceled as exc:
                raise PgQueryRefused(
                    f"The query ran past the {timeout_ms} ms limit ({_message(exc)})."
                ) from None
            except psycopg.ProgrammingError as exc:
                if "didn't produce a result" in str(exc):
                    raise PgQueryRefused(
                        "pgQuery runs statements that return rows (SELECT, SHOW, VALUES, EXPLAIN...)."
                    ) from None
                raise PgQueryRefused(_message(exc)) from None
            except psycopg.Error as exc:
                raise PgQueryRefused(_message(exc)) from None
            fields = _fields(cursor)
        return {
            "command": command_of(query_text),
            "rowCount": len(rows),
            "oid": None,
            "rows": rows,
            "fields": fields,
        }
    finally:
        watchdog.cancel()
        conn.close()


def _message(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return (
        primary or str(exc).strip().splitlines()[0] if str(exc).strip() else "The database refused the query."
    )[:1000]


def _fields(cursor) -> list[dict]:
    result = cursor.pgresult
    if not cursor.description or result is None:
        return []
    fields = []
    for index, column in enumerate(cursor.description):
        fields.append(
            {
                "name": column.name,
                "tableID": result.ftable(index),
                "columnID": result.ftablecol(index),
                "dataTypeID": column.type_code,
                "dataTypeSize": result.fsize(index),
                "dataTypeModifier": result.fmod(index),
                "format": "text",
            }
        )
    return fields


# --- the role ------------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _retrying(cursor, sql: str, params: tuple = ()) -> None:
    """Role statements touch cluster-wide catalog rows that another database's set-up may be
    updating at the same moment ("tuple concurrently updated"): retry a few times."""
    for attempt in range(5):
        try:
            with connection.cursor() as inner:
                inner.execute("SAVEPOINT pgquery_role")
                try:
                    inner.execute(sql, params)
                except Exception:
                    inner.execute("ROLLBACK TO SAVEPOINT pgquery_role")
                    raise
                inner.execute("RELEASE SAVEPOINT pgquery_role")
            return
        except Exception as exc:
            text = str(exc)
            if attempt == 4 or ("concurrently" not in text and "already exists" not in text):
                raise
            if "already exists" in text:
                return
            time.sleep(0.2 * (attempt + 1))


def pgquery_role_apply(*, stdout=None) -> list[str]:
    """Create (or update) the pgQuery role and make its grants those of ``READABLE_TABLES`` in this
    database. Idempotent; needs a user allowed to create roles (the dev/CI superuser ``aimg``).
    Returns the tables the role may read."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        raise RuntimeError("pgQuery needs PostgreSQL.")
    role = settings.AIMG_PGQUERY_USER
    password = settings.AIMG_PGQUERY_PASSWORD
    timeout = settings.AIMG_PGQUERY_TIMEOUT_MS
    granted: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        if password:
            _retrying(cursor, f"{verb} ROLE {_ident(role)} {attributes} PASSWORD %s", (password,))
        else:
            _retrying(cursor, f"{verb} ROLE {_ident(role)} {attributes}")
        for name, value in (
            ("default_transaction_read_only", "on"),
            ("statement_timeout", str(timeout)),
            ("idle_in_transaction_session_timeout", str(timeout * 2)),
        ):
            cursor.execute(
                "SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                "WHERE r.rolname = %s AND s.setdatabase = 0 AND %s = ANY(s.setconfig)",
                [role, f"{name}={value}"],
            )
            if cursor.fetchone() is None:
                _retrying(cursor, f"ALTER ROLE {_ident(role)} SET {name} = '{value}'")
        database = _ident(connection.settings_dict["NAME"])
        cursor.execute("SELECT current_schema()")
        schema = _ident(cursor.fetchone()[0])
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {_ident(role)}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {_ident(role)}")
        cursor.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {_ident(role)}")
        cursor.execute(f"REVOKE CREATE, TEMPORARY ON DATABASE {database} FROM {_ident(role)}")
        cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {_ident(role)}")
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {_ident(role)}")
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
        for table, excluded in sorted(READABLE_TABLES.items()):
            if table not in columns:
                if stdout is not None:
                    stdout.write(f"skipped {table}: no such table")
                continue
            if excluded:
                allowed = ", ".join(_ident(c) for c in columns[table] if c not in excluded)
                cursor.execute(f"GRANT SELECT ({allowed}) ON {_ident(table)} TO {_ident(role)}")
            else:
                cursor.execute(f"GRANT SELECT ON {_ident(table)} TO {_ident(role)}")
            granted.append(table)
    return granted
