"""Parameter parsing for query strings and JSON bodies: the wire rules, decided once.

Each parser takes the raw value (or the absence of one) and the parameter's
name, and raises ``InvalidParameter`` naming it. The rules (``docs/decisions.md``,
"Wire strictness"):

* numbers are ASCII digits (an optional ``-``, at most 20 digits) in a query
  string, JSON integers in a body; ``int()`` alone would also take ``"١٢٣"``,
  ``"1_000"`` or ``" 5"``, and ``str.isdigit()`` takes ``"²"``, which ``int()``
  then refuses;
* booleans are ``true``, ``false``, ``1`` or ``0``: in a body as JSON
  booleans, the numbers 1/0 or those four strings (CONTRACT.md);
* UUIDs are the canonical 8-4-4-4-12 hex form (either case), nothing else
  ``uuid.UUID`` would read (no braces, ``urn:``, bare hex or spaces);
* lists are a JSON array of strings (in a body, taken as they are) or a
  comma-separated string (items trimmed of spaces, empty ones dropped);
* text parameters take only JSON strings in a body.

Input serializers use these through the fields of ``aimg_site.api.fields``,
which also apply them to DRF's own fields before validation, so that every
endpoint behaves alike and the schema says exactly what is accepted.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .exceptions import InvalidParameter

BOOL_TEXTS = {"true": True, "false": False, "1": True, "0": False}
MAX_INT_DIGITS = 20
_INT_TEXT = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}")
#: The canonical UUID form, as a JSON Schema (ECMA-262) pattern body.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_TEXT = re.compile(UUID_PATTERN)
#: What list items are trimmed of: spaces (``"a, b"``), not every Unicode space.
LIST_TRIM = " "


def parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value in BOOL_TEXTS:
        return BOOL_TEXTS[value]
    raise InvalidParameter(name, "must be a boolean (true, false, 1 or 0)")


def is_int_text(value: str) -> bool:
    """ASCII decimal digits with an optional leading ``-`` (nothing ``int()`` would also read)."""
    return _INT_TEXT.fullmatch(value) is not None


def parse_int(
    value: Any, name: str, *, min_value: int | None = None, max_value: int | None = None, text: bool
) -> int:
    """``text``: the value comes from a query string or form (a string of ASCII digits); else
    from a JSON body (a JSON integer; an integral float such as ``5.0`` is the same number)."""
    if text:
        if not isinstance(value, str) or not is_int_text(value):
            raise InvalidParameter(name, "must be an integer (ASCII digits)")
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer() and abs(value) < 10**MAX_INT_DIGITS:
        number = int(value)
    else:
        raise InvalidParameter(name, "must be an integer (a JSON number)")
    if min_value is not None and number < min_value:
        raise InvalidParameter(name, f"must be at least {min_value}")
    if max_value is not None and number > max_value:
        raise InvalidParameter(name, f"must be at most {max_value}")
    return number


def is_uuid_text(value: str) -> bool:
    return _UUID_TEXT.fullmatch(value) is not None


def parse_uuid(value: Any, name: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and is_uuid_text(value):
        return uuid.UUID(value)
    raise InvalidParameter(name, "must be a valid UUID (8-4-4-4-12 hexadecimal digits)")


def parse_list(value: Any, name: str, *, max_items: int | None = None) -> list[str]:
    """A comma-separated string (items trimmed of spaces, empty ones dropped: ``" a, b,"``) or a
    JSON array of strings (taken as they are: an empty item is refused)."""
    if isinstance(value, str):
        items = [part.strip(LIST_TRIM) for part in value.split(",")]
        items = [item for item in items if item]
    elif isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            raise InvalidParameter(name, "must be a list of strings")
        if not all(value):
            raise InvalidParameter(name, "must not hold an empty item")
        items = list(value)
    else:
        raise InvalidParameter(name, "must be an array or a comma-separated string")
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


def parse_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise InvalidParameter(name, f"must be one of: {', '.join(choices)}")
