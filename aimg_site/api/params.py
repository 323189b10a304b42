"""Parameter parsing for query strings and JSON bodies.

Each parser takes the raw value (or the absence of one) and the parameter's
name, and raises ``InvalidParameter`` naming it. They accept what the wire
contract allows: booleans ``true/false/1/0``, comma-separated or JSON-array
lists, UUIDs, bounded ints, ISO 8601 dates.

Input serializers use these through the fields of ``aimg_site.api.fields``,
so that request schemas document every parameter; services may call them
directly for values that do not come from a serializer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from .exceptions import InvalidParameter

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidParameter(name, "must be a boolean (true, false, 1 or 0)")


def parse_int(value: Any, name: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    if isinstance(value, bool):
        raise InvalidParameter(name, "must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 20:
        number = int(value.strip())
    else:
        raise InvalidParameter(name, "must be an integer")
    if min_value is not None and number < min_value:
        raise InvalidParameter(name, f"must be at least {min_value}")
    if max_value is not None and number > max_value:
        raise InvalidParameter(name, f"must be at most {max_value}")
    return number


def parse_uuid(value: Any, name: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise InvalidParameter(name, "must be a valid UUID")


def parse_list(value: Any, name: str, *, max_items: int | None = None) -> list[str]:
    """A JSON array of strings or a comma-separated string; items are trimmed, empties dropped."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in value):
            raise InvalidParameter(name, "must be a list of strings")
        items = [str(item).strip() for item in value]
    else:
        raise InvalidParameter(name, "must be an array or a comma-separated string")
    items = [item for item in items if item]
    if max_items is not None and len(items) > max_items:
        raise InvalidParameter(name, f"must not hold more than {max_items} values")
    return items


def parse_uuid_list(value: Any, name: str, *, max_items: int | None = None) -> list[uuid.UUID]:
    result: list[uuid.UUID] = []
    seen: set[uuid.UUID] = set()
    for item in parse_list(value, name, max_items=max_items):
        parsed = parse_uuid(item, name)
        if parsed not in seen:
            seen.add(parsed)
            result.append(parsed)
    return result


def parse_datetime_value(value: Any, name: str) -> dt.datetime:
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = parse_datetime(value.strip())
            if parsed is None:
                day = parse_date(value.strip())
                if day is not None:
                    parsed = dt.datetime.combine(day, dt.time.min)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed
    raise InvalidParameter(name, "must be an ISO 8601 date or date-time")


def parse_string(value: Any, name: str, *, max_length: int | None = None, allow_blank: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(name, "must be a string")
    if not allow_blank and not value.strip():
        raise InvalidParameter(name, "must not be empty")
    if max_length is not None and len(value) > max_length:
        raise InvalidParameter(name, f"must be at most {max_length} characters long")
    if "\x00" in value:
        raise InvalidParameter(name, "must not contain NUL characters")
    return value


def parse_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise InvalidParameter(name, f"must be one of: {', '.join(choices)}")
