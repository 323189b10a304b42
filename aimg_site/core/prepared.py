"""``PreparedQuery``: a queryset of fixed shape compiled to SQL once, then run with other values.

Turning a queryset into SQL (resolving lookups and joins, building the select
list) costs Django more CPU than PostgreSQL takes to run an indexed read of one
row: on the reads almost every request makes, compiling was most of the
request. A ``PreparedQuery`` builds its queryset once per database alias with
unique stand-in values, finds where each stand-in landed among the compiled
parameters, and from then on runs that SQL with the real values, converted as
Django converts them (``Field.get_db_prep_value``) and with Django's converters
applied to the results (``values_list`` rows)::

    ITEM_OWNER = PreparedQuery(
        lambda p: Item.all_domains.filter(domain_id=p.domain, pk=p.item).values_list("owner_id")[:1],
        {"domain": Item._meta.get_field("domain"), "item": Item._meta.pk},
    )
    rows = ITEM_OWNER.rows(domain=current_domain().pk, item=item_id)

A value must reach the SQL as a parameter each time it is used (comparisons
do); building fails loudly otherwise. Numbers Django writes into the SQL text,
``LIMIT`` and ``OFFSET`` of a slice, are named in ``inline`` and made parameters.
The queryset is built outside any bound domain: filter by domain explicitly.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import QuerySet

from .scoping import bind_domain, unbind_domain


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: For each SQL parameter: the name of a value, or ``None`` for a constant (``constants[i]``).
    slots: tuple[str | None, ...]
    constants: tuple
    converters: tuple[tuple[int, tuple, Any], ...]


def _stand_in(field: models.Field):
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    internal = target.get_internal_type()
    if internal == "UUIDField":
        return uuid.uuid4()
    if internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField"):
        return _stand_in_number()
    if internal in ("CharField", "TextField"):
        return f"stand-in-{uuid.uuid4().hex}"
    if internal == "DateTimeField":
        return dt.datetime(2200, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=_stand_in_number())
    raise TypeError(f"PreparedQuery: no stand-in value for a {internal}")


def _stand_in_number() -> int:
    return random.randrange(10**12, 10**13)


def _cursor(connection):
    """The project's PostgreSQL backend's ``prepared_cursor`` (prepared, generic plan), else a cursor."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def _placeholders_before(sql: str, end: int) -> int:
    """How many ``%s`` placeholders ``sql[:end]`` holds (``%%`` is an escaped percent sign)."""
    count, i = 0, 0
    while i < end:
        if sql[i] == "%" and i + 1 < len(sql):
            count += sql[i + 1] == "s"
            i += 2
        else:
            i += 1
    return count


def _sql_literal(value) -> str | None:
    """``value`` written as SQL (a ``%s``-style query: percent signs doubled), or ``None`` for a
    type left as a parameter. Strings need ``standard_conforming_strings`` (PostgreSQL's default)."""
    if isinstance(value, int) and not isinstance(value, bool):  # choices' members too
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value:
        return "'" + str.replace(value, "'", "''").replace("%", "%%") + "'"
    return None


def _constants_inlined(sql: str, slots: list, constants: list) -> tuple[str, list, list]:
    """The SQL with its constant parameters (the queryset's own values, such as ``'approved'``)
    written in as literals.

    A generic plan (the connection's ``plan_cache_mode``) knows only what the text says: with
    ``status = $2`` PostgreSQL cannot prove a partial index's ``WHERE status = 'approved'`` and
    falls back to a worse plan; with the literal it uses the index as a custom plan would.
    """
    out: list[str] = []
    kept_slots, kept_constants = [], []
    index, i, start = 0, 0, 0
    while i < len(sql):
        if sql[i] == "%" and i + 1 < len(sql):
            if sql[i + 1] == "s":
                literal = _sql_literal(constants[index]) if slots[index] is None else None
                if literal is None:
                    kept_slots.append(slots[index])
                    kept_constants.append(constants[index])
                else:
                    out.append(sql[start:i] + literal)
                    start = i + 2
                index += 1
            i += 2
        else:
            i += 1
    out.append(sql[start:])
    if index != len(slots):
        raise ValueError("PreparedQuery: the SQL's placeholders and parameters disagree")
    return "".join(out), kept_slots, kept_constants


class PreparedQuery:
    def __init__(
        self, build: Callable[[Any], QuerySet], fields: dict[str, Any], *, inline: tuple[str, ...] = ()
    ):
        self.build = build
        self.fields = fields
        self.inline = inline
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        stand_ins = {name: _stand_in(field) for name, field in self.fields.items()}
        numbers = {name: _stand_in_number() for name in self.inline}
        # No domain bound: a domain-scoped manager would write the domain of the request that
        # happened to compile the query into SQL that every domain then runs (it raises instead).
        token = bind_domain(None)
        try:
            queryset = self.build(SimpleNamespace(**stand_ins, **numbers))
        finally:
            unbind_domain(token)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        prepared = {
            name: self.fields[name].get_db_prep_value(value, connection, prepared=False)
            for name, value in stand_ins.items()
        }
        slots: list[str | None] = []
        for param in params:
            names = [
                name for name, value in prepared.items() if type(value) is type(param) and value == param
            ]
            slots.append(names[0] if names else None)
        constants = list(params)
        for name, number in numbers.items():
            found = [match.start() for match in re.finditer(rf"\b{number}\b", sql)]
            if len(found) != 1:
                raise ValueError(f"PreparedQuery: {name!r} is not written once into the SQL")
            index = _placeholders_before(sql, found[0])
            sql = sql[: found[0]] + "%s" + sql[found[0] + len(str(number)) :]
            slots.insert(index, name)
            constants.insert(index, None)
        missing = (set(self.fields) | set(self.inline)) - set(slots)
        if missing:
            raise ValueError(f"PreparedQuery: {sorted(missing)} did not reach the SQL as parameters")
        if connection.vendor == "postgresql":
            sql, slots, constants = _constants_inlined(sql, slots, constants)
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        )
        return _Compiled(sql, tuple(slots), tuple(constants), converters)

    def compiled(self, alias: str = DEFAULT_DB_ALIAS) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    def _params(self, connection, compiled: _Compiled, values: dict[str, Any]) -> list:
        if values.keys() != set(self.fields) | set(self.inline):
            raise TypeError(f"PreparedQuery needs exactly {sorted([*self.fields, *self.inline])}")
        prepared = {
            name: int(value)
            if name in self.inline
            else self.fields[name].get_db_prep_value(value, connection, prepared=False)
            for name, value in values.items()
        }
        return [
            prepared[name] if name is not None else constant
            for name, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]

    def count(self, **values: Any) -> int:
        """How many rows ``rows(**values)`` returns, counted by the database (one row read back)."""
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self.compiled(DEFAULT_DB_ALIAS)
        params = self._params(connection, compiled, values)
        with _cursor(connection) as cursor:
            cursor.execute(f"SELECT count(*) FROM ({compiled.sql}) AS counted", params)  # noqa: S608
            return int(cursor.fetchone()[0])

    def rows(self, **values: Any) -> list[tuple]:
        """The rows (as ``values_list`` tuples) of the queryset built with ``values``."""
        using = DEFAULT_DB_ALIAS
        connection = connections[using]
        compiled = self.compiled(using)
        params = self._params(connection, compiled, values)
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in compiled.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted
