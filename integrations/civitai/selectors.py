"""Reads of the Civitai flow: the item behind a signed link, and the details Civitai shows."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aimg_site.api.exceptions import NotFound
from aimg_site.core.scoping import current_domain
from library.models import GeneratorVersion, Item

from .client import MAX_DETAILS
from .links import LinkClaims


def item_for_link(*, claims: LinkClaims) -> Item:
    """The live item a link names, on the request's domain, still owned by whom it was shared by."""
    if claims.domain != current_domain().name:
        raise NotFound("No such link.")
    item = (
        Item.objects.select_related("domain")
        .filter(pk=claims.item_id, owner_id=claims.owner_id, deleted_at__isnull=True)
        .first()
    )
    if item is None:
        raise NotFound("No such link.")
    return item


def _scalar(value):
    return (
        value if isinstance(value, str | int | float | bool) and not isinstance(value, type(None)) else None
    )


def civitai_details_values(*, item: Item) -> dict:
    """At most ``MAX_DETAILS`` string/number/boolean values from the generation parameters."""
    lora = ", ".join(str(name) for name in item.lora or [] if _scalar(name) is not None)
    candidates: list[tuple[str, object]] = [
        ("model", item.model_name or item.model_id),
        (
            "workflowTemplate",
            item.workflow_template_name if item.generator_version == GeneratorVersion.WORKFLOWS else "",
        ),
        ("steps", item.steps),
        ("seed", item.seed),
        ("sampler", item.sampler),
        ("cfgScale", item.cfgscale),
        ("size", f"{item.width}x{item.height}" if item.width and item.height else ""),
        ("negativePrompt", item.negprompt),
        ("lora", lora),
        ("restoreFaces", item.restore_faces),
        ("mediaType", item.media_type),
    ]
    details: dict = {}
    for key, value in candidates:
        if value is None or value == "":
            continue
        details[key] = value
        if len(details) == MAX_DETAILS:
            break
    return details


def civitai_details(*, item: Item) -> dict:
    """Civitai's details JSON for ``item``: ``source``, ``createUrl``, ``referenceUrl``, ``details``."""
    domain = item.domain
    home = domain.frontend_url.rstrip("/")
    create_query = urlencode({"prompt": item.prompt, "model": item.model_id}, quote_via=quote)
    reference = f"{home}/image/{item.pk}" if item.is_publicly_visible else home
    return {
        "source": {"name": domain.display_name, "homepage": home},
        "createUrl": f"{home}/create?{create_query}",
        "referenceUrl": reference,
        "details": civitai_details_values(item=item),
    }
