"""File ids: what a client may name a file, and the random names its bytes are stored under.

An id is only ever a database key (and, for the legacy file server, one path-escaped URL
segment): storage names are made here from random UUIDs, so an id such as ``../../etc/passwd``
cannot point anywhere, and is refused besides (400).
"""

from __future__ import annotations

import re
import uuid

#: Letters, digits, ``.``, ``_``, ``-``; starting with a letter or digit; at most 128 characters.
FILE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
_FILE_ID = re.compile(FILE_ID_PATTERN)


def is_file_id(value: str) -> bool:
    return _FILE_ID.fullmatch(value) is not None


def new_file_id() -> str:
    return str(uuid.uuid4())


def new_storage_name(kind: str = "files") -> str:
    """A fresh name in storage, e.g. ``files/3f/3f2a…``; never derived from client input."""
    token = uuid.uuid4().hex
    return f"{kind}/{token[:2]}/{token}"
