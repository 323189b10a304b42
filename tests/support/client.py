"""The API client that speaks the envelope, and the response it returns."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from tests.support.personas import Persona


@dataclass
class ApiResponse:
    status: int
    body: dict
    headers: dict
    raw: object

    @property
    def payload(self):
        return self.body.get("payload")

    @property
    def error(self) -> str | None:
        return self.body.get("errorMessage")

    @property
    def metadata(self):
        return self.body.get("metadata")

    def __repr__(self) -> str:
        return f"<ApiResponse {self.status} {json.dumps(self.body)[:500]}>"


class ApiClient:
    """Calls endpoints like a front end: JSON bodies for POST, query strings for GET/DELETE.

    Every response is checked to be the envelope; ``host`` picks the domain.
    """

    def __init__(self, host: str = "api.freejourney.ai"):
        self.client = Client(HTTP_HOST=host)
        self.host = host

    def request(
        self, method: str, path: str, *, persona: Persona | None = None, headers=None, body=None, **params
    ):
        all_headers = {}
        if persona is not None:
            all_headers["X-Session-ID"] = persona.session_id
            if persona.admin_key:
                all_headers["X-Administration-Key"] = persona.admin_key
            all_headers.update(persona.headers)
        all_headers.update(headers or {})
        kwargs = {"headers": all_headers}
        method = method.upper()
        if method in ("GET", "DELETE"):
            query = {
                k: (",".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in params.items()
            }
            query = {
                k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items() if v is not None
            }
            if method == "GET":
                response = self.client.get(path, query, **kwargs)
            else:
                response = self.client.delete(f"{path}?{urlencode(query)}" if query else path, **kwargs)
        else:
            data = body if body is not None else params
            response = self.client.generic(
                method,
                path,
                json.dumps(data) if not isinstance(data, str | bytes) else data,
                content_type="application/json",
                **kwargs,
            )
        _check_documented(method, path, response.status_code)
        content = response.content
        try:
            parsed = json.loads(content) if content else {}
        except ValueError:
            parsed = {"_raw": content[:200]}
        return ApiResponse(
            status=response.status_code, body=parsed, headers=dict(response.headers), raw=response
        )

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


#: Statuses every route may answer without listing them: 405 is Django's answer to a method the
#: view does not have (the schema has no operation for it to document).
_UNLISTED = {405}

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


#: The project's URLconf (a test's ``pytest.mark.urls`` changes ``ROOT_URLCONF``, not this).
PROJECT_URLCONF = settings.ROOT_URLCONF


@functools.cache
def _schema_statuses() -> dict[tuple[str, str], frozenset[int]]:
    """``(METHOD, /path/{param})`` to the statuses /api/schema/ lists, built once per test process
    from the project's URLconf, whatever URLconf the first test to ask runs with."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf=PROJECT_URLCONF).get_schema(request=None, public=True)
    statuses = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation.get("responses", {}) if code.isdigit()}
            statuses[(method.upper(), path)] = frozenset(codes)
    return statuses


def documented_statuses(method: str, path: str) -> frozenset[int] | None:
    """The statuses the OpenAPI schema lists for ``method path``; ``None`` for a route it does not
    describe (test-only URLconfs, media files, the admin console)."""
    try:
        match = resolve(path.split("?", 1)[0], urlconf=PROJECT_URLCONF)
    except Resolver404:
        return None
    if settings.ROOT_URLCONF != PROJECT_URLCONF and not _same_view(path, match):
        return None  # a test-only URLconf's own view at this path
    template = "/" + _ROUTE_PARAM.sub(r"{\1}", match.route)
    return _schema_statuses().get((method.upper(), template))


def _same_view(path: str, project_match) -> bool:
    try:
        return resolve(path.split("?", 1)[0]).func is project_match.func
    except Resolver404:
        return False


def _check_documented(method: str, path: str, status: int) -> None:
    """Every answer a test sees is one the schema documents (schemathesis's ST103, on every test)."""
    documented = documented_statuses(method, path)
    if documented is None or status in documented or status in _UNLISTED:
        return
    raise AssertionError(
        f"{method} {path} answered {status}, which the schema does not document: {sorted(documented)}"
    )
