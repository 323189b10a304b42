"""Request body parsers (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``)."""

from __future__ import annotations

import json

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .exceptions import SEND_JSON, UnsupportedMediaType


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested too deeply for Python's decoder (``[[[[…``, a few
    kilobytes are enough) answered as a 400 instead of an unhandled ``RecursionError`` (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON is nested too deeply.") from None


def _is_json(raw: bytes) -> bool:
    text = raw.strip()
    if not text.startswith((b"{", b"[")):
        return False
    try:
        json.loads(text)
    except RecursionError:
        return True  # JSON nested too deeply is still JSON
    except ValueError:
        return False
    return True


class FormParser(parsers.FormParser):
    """DRF's form parser, except for a body that is JSON.

    ``curl -d '{"name": "x"}'`` sends JSON labelled ``application/x-www-form-urlencoded``; parsed
    as a form it is one field named after the whole body, and the endpoint would answer that
    some parameter is missing. Such a body is a 415 that says which header to send.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if _is_json(raw):
            raise UnsupportedMediaType(
                f"The body is JSON but its Content-Type is {media_type or self.media_type}. {SEND_JSON}"
            )
        return QueryDict(raw, encoding=parsers.get_encoding(parser_context or {}))
