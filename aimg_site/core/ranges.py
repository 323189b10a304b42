"""HTTP byte ranges (RFC 9110 section 14): the one parser behind item media and the file server."""

from __future__ import annotations

import re

#: ``parse_single_range``'s answer for a range that does not overlap the file (a 416).
#: Compare with ``is``: it is one object.
UNSATISFIABLE = (-1, -1)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
#: Byte positions longer than this are read as "past any file" rather than parsed:
#: ``int()`` refuses strings over 4,300 digits, and no file has a 19-digit size.
MAX_POSITION_DIGITS = 18
#: Stands for a position too long to parse; larger than any file.
_BEYOND_ANY_FILE = 10**MAX_POSITION_DIGITS


def _position(text: str) -> int:
    text = text.lstrip("0") or "0"
    return _BEYOND_ANY_FILE if len(text) > MAX_POSITION_DIGITS else int(text)


def parse_single_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte span a ``Range`` header asks of a ``size``-byte file.

    ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` (the last n bytes); ``last`` is
    clipped to the file. ``None`` means "send the whole file" (no header, a
    malformed one, or several ranges, which servers may ignore); ``UNSATISFIABLE``
    means no byte of the file is in the range. Positions of any length are
    accepted; those past ``MAX_POSITION_DIGITS`` count as past the end.
    """
    match = _RANGE.match(header.strip().replace(" ", "")) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(size - suffix, 0), size - 1
    first = _position(first_text)
    if last_text and _position(last_text) < first:
        return None  # syntactically invalid: ignored (RFC 9110 14.1.1)
    if first >= size:
        return UNSATISFIABLE
    last = min(_position(last_text), size - 1) if last_text else size - 1
    return first, last
