"""The MIME type of a file, from its first bytes (puremagic: pure Python, no libmagic needed).

The client's declared type is never trusted. Types the sniffer does not know are
``application/octet-stream``, except UTF-8 text without NUL bytes, which is ``text/plain``.
"""

from __future__ import annotations

OCTET_STREAM = "application/octet-stream"
#: The image types getFile resizes.
RESIZABLE = frozenset({"image/png", "image/jpeg", "image/gif"})
#: Names puremagic gives some types, mapped to the registered ones.
_CANONICAL = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


def sniff_mime(head: bytes) -> str:
    if not head:
        return OCTET_STREAM
    import puremagic  # loads its magic table: only when a file is sniffed, not at start-up

    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        if match.mime_type:
            mime = match.mime_type.lower()
            return _CANONICAL.get(mime, mime)
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a character cut by the sniffing window is still text
                return OCTET_STREAM
        return "text/plain"
    return OCTET_STREAM
