"""Errors the integrations answer beyond the shared layer's (``aimg_site.api.exceptions``)."""

from __future__ import annotations

from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import ApiError, BadRequest, Conflict


class Gone(ApiError):
    """410: a signed link that has expired."""

    status = 410
    default_message = "This link has expired."
    error_code = ErrorCode.INTEGRATIONS_LINK_EXPIRED


class MediaLimitExceeded(BadRequest):
    """400 naming the Civitai limit the item's media is outside of."""

    error_code = ErrorCode.INTEGRATIONS_CIVITAI_MEDIA_LIMIT


class ItemNotCompleted(Conflict):
    default_message = "The item is not completed yet."
    error_code = ErrorCode.INTEGRATIONS_ITEM_NOT_COMPLETED
