"""Folder ids on the wire: the one module that parses and renders them.

A private folder is shown as its UUID, a public one as ``"p-" + UUID``; the
form says the kind. Every endpoint that takes a folder id reads it with
``folder_ref_parse``, which accepts exactly:

* an optional ``p-`` prefix, in either case (``p-`` or ``P-``): a public folder;
  no prefix: a private folder;
* then a UUID in its canonical hyphenated 8-4-4-4-12 form, hex digits in
  either case.

Nothing else: no surrounding whitespace, no braces, no ``urn:uuid:``, no
32-digit form (which ``uuid.UUID`` alone would take). Endpoints that accept
the root folder also take the literal ``"root"`` (``ROOT``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

PUBLIC_PREFIX = "p-"
ROOT = "root"
#: A canonical UUID, for the schema's ``pattern`` (ECMA-262) and for parsing.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PUBLIC_PATTERN = f"[pP]-{UUID_PATTERN}"
ANY_PATTERN = f"([pP]-)?{UUID_PATTERN}"
_WIRE_ID = re.compile(f"(?P<prefix>[pP]-)?(?P<uuid>{UUID_PATTERN})")


@dataclass(frozen=True)
class FolderRef:
    """A folder named on the wire: its row id and the kind its form says it is."""

    id: uuid.UUID
    is_public: bool

    @property
    def wire_id(self) -> str:
        return folder_wire_id(self.id, is_public=self.is_public)


def folder_wire_id(folder_id: uuid.UUID, *, is_public: bool) -> str:
    """The id the API shows: ``p-<uuid>`` for a public folder, the bare UUID for a private one."""
    return f"{PUBLIC_PREFIX}{folder_id}" if is_public else str(folder_id)


def folder_ref_parse(value: object, *, is_public: bool | None = None) -> FolderRef:
    """Parse one wire id (see the module's rule); ``is_public`` None accepts both kinds.

    Raises ``ValueError`` for anything else, and for an id of the other kind.
    """
    match = _WIRE_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("not a folder id")
    public = match["prefix"] is not None
    if is_public is not None and public != is_public:
        raise ValueError("a folder id of the other kind")
    return FolderRef(id=uuid.UUID(match["uuid"]), is_public=public)


def form_text(*, is_public: bool | None, allow_root: bool = False) -> str:
    """What a parameter taking a folder id of ``is_public``'s kind must be (for 400 messages)."""
    if is_public is False:
        text = "must be a private folder id (a UUID)"
    elif is_public is True:
        text = "must be a public folder id ('p-' followed by a UUID)"
    else:
        text = "must be a folder id (a UUID, or 'p-' followed by a UUID)"
    return f"{text} or '{ROOT}'" if allow_root else text
