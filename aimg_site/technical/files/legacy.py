"""``getFile?fs=true``: the legacy file server, read only at ``AIMG_LEGACY_FILE_SERVER_URL``.

The id (already checked against ``FILE_ID_PATTERN``) is one path-escaped segment after that
base, redirects are not followed, and the answer is capped in size
(``AIMG_LEGACY_FILE_MAX_BYTES``) and time (``AIMG_LEGACY_FILE_SECONDS`` in all): nothing else
can be reached through it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings

from aimg_site.api.exceptions import NotFound, ServiceUnavailable

from .selectors import FILE_NOT_FOUND
from .sniffing import sniff_mime


@dataclass(frozen=True)
class LegacyFile:
    data: bytes
    content_type: str


def legacy_url(file_id: str) -> str:
    return settings.AIMG_LEGACY_FILE_SERVER_URL.rstrip("/") + "/" + quote(file_id, safe="")


def legacy_fetch(*, file_id: str) -> LegacyFile:
    """The legacy server's bytes for ``file_id``; 404 when it has none, 503 when it fails."""
    if not settings.AIMG_LEGACY_FILE_SERVER_URL:
        raise NotFound(FILE_NOT_FOUND)
    import requests  # only when the legacy server is asked

    limit = settings.AIMG_LEGACY_FILE_MAX_BYTES
    deadline = time.monotonic() + settings.AIMG_LEGACY_FILE_SECONDS
    try:
        with requests.get(
            legacy_url(file_id),
            stream=True,
            allow_redirects=False,
            timeout=(3, settings.AIMG_LEGACY_FILE_SECONDS),
        ) as answer:
            if answer.status_code == 404:
                raise NotFound(FILE_NOT_FOUND)
            if answer.status_code != 200:
                raise ServiceUnavailable(f"The legacy file server answered {answer.status_code}.")
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise ServiceUnavailable(f"The legacy file is larger than {limit} bytes.")
            parts, received = [], 0
            for chunk in answer.iter_content(64 * 1024):
                received += len(chunk)
                if received > limit:
                    raise ServiceUnavailable(f"The legacy file is larger than {limit} bytes.")
                if time.monotonic() > deadline:
                    raise ServiceUnavailable("The legacy file server is too slow.")
                parts.append(chunk)
    except requests.RequestException as exc:
        raise ServiceUnavailable("The legacy file server cannot be reached.") from exc
    data = b"".join(parts)
    return LegacyFile(data=data, content_type=sniff_mime(data[:8192]))
