"""Civitai's HTTP surface as we use it: the post-intent URL a browser opens (HTTP only).

Nothing is sent to Civitai from our side: the user's browser opens
``https://civitai.com/intent/post?mediaUrl=...&title=...&description=...&tags=...&detailsUrl=...``
and Civitai then fetches ``mediaUrl`` and ``detailsUrl`` from us
(shared/spec/civitai-post-intent.txt).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

INTENT_URL = "https://civitai.com/intent/post"
MAX_TAGS = 5
MAX_DETAILS = 10
TITLE_CHARS = 100
DESCRIPTION_CHARS = 2000


def clean_tags(tags: list[str]) -> list[str]:
    """At most ``MAX_TAGS`` tags, trimmed, without commas, deduplicated case-insensitively, in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for tag in tags:
        text = " ".join(str(tag).replace(",", " ").split())
        if not text or text.lower() in seen:
            continue
        seen.add(text.lower())
        kept.append(text)
        if len(kept) == MAX_TAGS:
            break
    return kept


def intent_url(
    *, media_url: str, title: str = "", description: str = "", tags: Sequence[str] = (), details_url: str = ""
) -> str:
    """The intent URL, every value percent-encoded (``quote``, so spaces are ``%20``)."""
    params: list[tuple[str, str]] = [("mediaUrl", media_url)]
    if title:
        params.append(("title", title[:TITLE_CHARS]))
    if description:
        params.append(("description", description[:DESCRIPTION_CHARS]))
    kept = clean_tags(list(tags))
    if kept:
        params.append(("tags", ",".join(kept)))
    if details_url:
        params.append(("detailsUrl", details_url))
    return f"{INTENT_URL}?{urlencode(params, quote_via=quote, safe='')}"
