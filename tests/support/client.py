"""The API client that speaks the envelope, and the response it returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.test import Client

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
