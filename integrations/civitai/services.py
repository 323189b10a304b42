"""The Civitai flow's one operation: build a post intent for an item its owner shares.

Nothing is written: the links are signed (``links``), so they need no table and survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from aimg_site.api.exceptions import BadRequest
from integrations.media import MediaUnreadable, media_probe
from integrations.selectors import item_tag_names, owned_item_for_export
from library.items.media import public_base_url

from .client import intent_url
from .limits import civitai_limits_check
from .links import DETAILS, MEDIA, link_expires_at, link_token


@dataclass(frozen=True)
class PostIntent:
    intent_url: str
    media_url: str
    details_url: str
    expires_at: datetime


def civitai_intent_build(
    *, viewer, item_id, request=None, title: str = "", description: str = "", tags=()
) -> PostIntent:
    """The intent for ``viewer``'s item ``item_id``, after checking its media against Civitai's limits.

    ``title`` defaults to the start of the prompt, ``description`` to the prompt; ``tags`` come
    before the item's own tags (at most 5 in all, deduplicated).
    """
    item = owned_item_for_export(viewer=viewer, item_id=item_id)
    try:
        facts = media_probe(item.media.name or "")
    except MediaUnreadable as exc:
        raise BadRequest(f"The item's media cannot be shared: {exc}") from exc
    civitai_limits_check(facts)
    issued_at = timezone.now()
    base = public_base_url(request)
    media_url = f"{base}{reverse('getCivitaiMedia')}?token={link_token(item=item, kind=MEDIA)}"
    details_url = f"{base}{reverse('getCivitaiPostDetails')}?token={link_token(item=item, kind=DETAILS)}"
    prompt = " ".join(item.prompt.split())
    url = intent_url(
        media_url=media_url,
        title=title or prompt[:100] or f"Made on {item.domain.display_name}",
        description=description or item.prompt,
        tags=[*tags, *item_tag_names(item=item)],
        details_url=details_url,
    )
    return PostIntent(
        intent_url=url,
        media_url=media_url,
        details_url=details_url,
        expires_at=link_expires_at(issued_at=issued_at),
    )
