"""The production server's configuration (``gunicorn.conf.py``) fits the API's own caps.

The longest request line a valid request can have is computed from the query serializers
and the schema; a real gunicorn, started from the repository root as in production, must
hand such requests (and long invalid ones) to Django, which answers with the envelope,
while still refusing what no valid request needs (an over-long line, oversized headers).
"""

from __future__ import annotations

import http.client
import json
import os
import re._parser as re_parser
import runpy
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import serializers

from aimg_site.api.fields import BoolParam, CommaListField, PaginationIndexField
from aimg_site.api.views import ApiView
from library.folders.serializers import MAX_BULK_IDS
from tests.support.processes import gunicorn_running, production_environment

ROOT = Path(__file__).resolve().parents[2]
CONFIG = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
#: Every byte of a value that is not ASCII-alphanumeric may be sent percent-encoded (3 bytes), and a
#: character of free text may take 4 bytes of UTF-8: 12 bytes on the wire.
ENCODED_SEPARATOR = quote(", ", safe="")


def _api_views(resolver: URLResolver | None = None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if isinstance(view, type) and issubclass(view, ApiView) and view.query_serializer is not None:
                yield prefix + str(pattern.pattern), view


def _longest_value(field: serializers.Field, schema: dict) -> int:
    """Bytes on the wire of the longest value the schema allows for this query parameter."""
    if "oneOf" in schema:
        return max(_longest_value(field, branch) for branch in schema["oneOf"])
    if isinstance(field, CommaListField):
        assert field.max_items is not None and field.item_max_length is not None, field
        item_bytes = field.item_max_length * (1 if field.item_pattern.startswith(("[0-9a-f", "[pP]")) else 3)
        return field.max_items * (item_bytes + len(ENCODED_SEPARATOR))
    if isinstance(field, PaginationIndexField):
        return 60
    if isinstance(field, BoolParam | serializers.BooleanField):
        return len("false")
    if "enum" in schema:
        return max(len(quote(str(choice), safe="")) for choice in schema["enum"])
    if schema.get("type") == "integer":
        return max(len(str(schema.get("minimum", -(10**19)))), len(str(schema.get("maximum", 10**20))))
    if schema.get("format") == "uuid":
        return 36
    if "maxLength" in schema:
        return schema["maxLength"] * 12
    width = re_parser.parse(schema.get("pattern", ".*")).getwidth()[1]
    assert width < re_parser.MAXREPEAT, f"an unbounded query parameter: {field!r}"
    return width * 12


def longest_request_lines() -> dict[str, int]:
    """Per endpoint: the longest valid request line (method, path, every parameter at its longest)."""
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    lines = {}
    for route, view in _api_views():
        fields = view.query_serializer().fields
        for method in ("get", "delete"):
            operation = document["paths"].get("/" + route, {}).get(method)
            if operation is None:
                continue
            query = [p for p in operation["parameters"] if p["in"] == "query"]
            length = sum(len(p["name"]) + 2 + _longest_value(fields[p["name"]], p["schema"]) for p in query)
            lines[f"{method.upper()} /{route}"] = len(f"{method.upper()} /{route}? HTTP/1.1") + length
    return lines


def test_the_request_line_limit_holds_every_valid_request_and_stays_bounded():
    lines = longest_request_lines()
    assert {"DELETE /deleteItems", "GET /getPublicFolders", "GET /getSelfFolders"} <= set(lines)
    longest = max(lines.values())
    assert lines["DELETE /deleteItems"] > 36 * MAX_BULK_IDS
    assert longest <= CONFIG["limit_request_line"] <= 2 * longest, sorted(lines.items(), key=lambda x: -x[1])[
        :3
    ]


def test_the_header_limits_keep_gunicorns_protection():
    assert 0 < CONFIG["limit_request_fields"] <= 100
    assert 0 < CONFIG["limit_request_field_size"] <= 8190


def test_the_image_and_the_compose_stack_run_gunicorn_with_this_configuration():
    import yaml

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and "COPY . ." in dockerfile
    assert 'CMD ["gunicorn", "aimg_site.wsgi"]' in dockerfile  # no flag overriding gunicorn.conf.py
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not any(Path("gunicorn.conf.py").match(pattern) for pattern in ignored)
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    assert web["command"] == ["gunicorn", "aimg_site.wsgi"]
    assert "WEB_CONCURRENCY" in web["environment"] and "DATABASE_URL" in web["environment"]


def test_bind_and_workers_come_from_the_environment():
    env = {"PORT": "18123", "GUNICORN_BIND_HOST": "127.0.0.1", "WEB_CONCURRENCY": "5"}
    code = "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); print(json.dumps([c['bind'], c['workers']]))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert json.loads(result.stdout) == ["127.0.0.1:18123", 5], result.stderr


# --- a real gunicorn ------------------------------------------------------------------------------


def _send(port: int, raw: bytes) -> tuple[int, str, bytes]:
    """One raw HTTP/1.1 request; the status, Content-Type and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.getheader("Content-Type", ""), response.read()


def _request(port: int, method: str, target: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return _send(port, ("\r\n".join(lines) + "\r\n\r\n").encode())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn aimg_site.wsgi, started from the repository root, on a fresh SQLite database."""
    work = tmp_path_factory.mktemp("gunicorn")
    env = production_environment(work)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    with gunicorn_running(env, work / "gunicorn.log") as port:
        yield port


def _envelope(answer: tuple[int, str, bytes], status: int) -> dict:
    code, content_type, body = answer
    assert code == status, (code, body[:300])
    assert content_type.startswith("application/json"), (content_type, body[:300])
    envelope = json.loads(body)
    assert envelope["hasError"] is (status >= 400)
    return envelope


def test_a_thousand_id_delete_items_gets_an_envelope(server):
    ids = [str(uuid.uuid4()) for _ in range(MAX_BULK_IDS)]
    target = f"/deleteItems?imageIDs={ENCODED_SEPARATOR.join(ids)}"
    assert len(target) > 40_000
    answer = _request(server, "DELETE", target, {"X-Session-ID": str(uuid.uuid4())})
    outcomes = _envelope(answer, 200)["payload"]
    assert [outcome["id"] for outcome in outcomes] == ids


def test_the_longest_valid_request_line_gets_an_envelope(server):
    ids = ENCODED_SEPARATOR.join(f"p-{uuid.uuid4()}" for _ in range(MAX_BULK_IDS))
    target = (
        f"/getPublicFolders?folderIDs={ids}{ENCODED_SEPARATOR}&userID={uuid.uuid4()}"
        f"&paginationIndex={'9' * 60}&limit=1000&skipCount=10000000&reversePagination=false"
    )
    assert len(target) > 44_000
    envelope = _envelope(_request(server, "GET", target, {"X-Session-ID": str(uuid.uuid4())}), 200)
    assert envelope["payload"] == []


def test_a_five_thousand_character_parameter_gets_an_envelope(server):
    answer = _request(server, "GET", "/getUser?username=" + "n" * 5000, {"X-Session-ID": str(uuid.uuid4())})
    assert "'username'" in _envelope(answer, 400)["errorMessage"]
    answer = _request(
        server, "GET", "/getLatestItems?paginationIndex=" + "1" * 5000, {"X-Session-ID": str(uuid.uuid4())}
    )
    assert "'paginationIndex'" in _envelope(answer, 400)["errorMessage"]


def test_a_line_longer_than_any_valid_request_is_refused_with_an_envelope(server):
    target = "/getUser?username=" + "n" * (CONFIG["limit_request_line"] + 10)
    envelope = _envelope(_request(server, "GET", target), 414)
    assert "too long" in envelope["errorMessage"] and "nnnn" not in envelope["errorMessage"]


def test_oversized_or_too_many_headers_are_refused_with_an_envelope(server):
    assert (
        "headers" in _envelope(_request(server, "GET", "/health", {"X-Big": "b" * 9000}), 431)["errorMessage"]
    )
    many = {f"X-Header-{n}": "v" for n in range(CONFIG["limit_request_fields"] + 1)}
    assert "headers" in _envelope(_request(server, "GET", "/health", many), 431)["errorMessage"]


def test_malformed_http_is_a_400_envelope_with_a_request_id(server):
    status, content_type, body = _send(server, b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert status == 400 and content_type.startswith("application/json")
    assert json.loads(body)["hasError"] is True
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert uuid.UUID(response.getheader("X-Request-ID"))
