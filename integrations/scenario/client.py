"""Scenario's uploads API over HTTP, and nothing else (no database, no settings beyond defaults).

Endpoints (``AIMG_SCENARIO_API_URL``, ``https://api.cloud.scenario.com/v1`` by default; HTTP Basic
with the user's API key and secret):

- ``POST /uploads`` ``{kind, fileName, contentType, fileSize, parts}`` → ``{"upload": {..., parts:
  [{number, url, expires}]}}``; each part's bytes are then PUT to its presigned URL (no auth);
- ``POST /uploads/{id}/action`` ``{"action": "complete"}`` (Scenario's public reference,
  "Trigger Action", see docs/decisions.md);
- ``GET /uploads/{id}``, polled until ``imported``/``complete``/``failed`` or an ``entityId``.

Every request goes through ``integrations.outbound.OutboundClient`` (SSRF rules, caps). Failures
are classified: ``ScenarioTransientError`` (network, 5xx, 429 with its ``Retry-After``) is retried
here a few times with exponential backoff and jitter (tenacity), honouring ``Retry-After`` up to a
cap, and then raised for the caller (a Celery task) to retry later; ``ScenarioPermanentError``
(other 4xx, malformed answers, refused URLs) is raised at once with a readable message;
``ScenarioPartExpired`` says a presigned part URL is no longer accepted.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_any
from tenacity.stop import stop_base

from integrations.outbound import (
    OutboundBlocked,
    OutboundClient,
    OutboundError,
    OutboundRedirect,
    OutboundResponse,
    OutboundTooLarge,
    OutboundUnavailable,
)

T = TypeVar("T")

#: Statuses after which an upload changes no more.
TERMINAL_STATUSES = frozenset({"imported", "complete", "failed"})
#: The id of ``check_credentials``'s probe: no upload has it, so a valid key gets a 404.
CREDENTIALS_PROBE_ID = "aimg-credentials-check"


class ScenarioError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ScenarioTransientError(ScenarioError):
    """Worth retrying later; ``retry_after`` (seconds) when Scenario said when."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class ScenarioPermanentError(ScenarioError):
    """Retrying the same request will not help; ``status`` is Scenario's HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


class ScenarioAuthError(ScenarioPermanentError):
    """Scenario refused the API key and secret."""


class ScenarioPartExpired(ScenarioError):
    """A presigned part URL was refused as expired: the upload has to start over."""


@dataclass(frozen=True)
class UploadPart:
    number: int
    url: str
    expires: str = ""


@dataclass(frozen=True)
class ScenarioUploadState:
    """The fields of Scenario's ``upload`` object that we act on."""

    id: str
    status: str
    entity_id: str = ""
    error_message: str = ""
    parts: tuple[UploadPart, ...] = field(default_factory=tuple)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES or bool(self.entity_id)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _message_of(response: OutboundResponse) -> str:
    body = response.json()
    if isinstance(body, dict):
        for key in ("message", "error", "errorMessage", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:300]
    return ""


def _state_of(response: OutboundResponse, where: str) -> ScenarioUploadState:
    body = response.json()
    upload = body.get("upload") if isinstance(body, dict) else None
    if not isinstance(upload, dict) or not isinstance(upload.get("id"), str) or not upload["id"]:
        raise ScenarioPermanentError(f"Scenario's answer to {where} has no upload in it.")
    parts = []
    for part in upload.get("parts") or []:
        if (
            isinstance(part, dict)
            and isinstance(part.get("url"), str)
            and isinstance(part.get("number"), int | float)
        ):
            parts.append(
                UploadPart(number=int(part["number"]), url=part["url"], expires=str(part.get("expires", "")))
            )
    return ScenarioUploadState(
        id=upload["id"],
        status=str(upload.get("status") or ""),
        entity_id=str(upload.get("entityId") or ""),
        error_message=str(upload.get("errorMessage") or ""),
        parts=tuple(sorted(parts, key=lambda p: p.number)),
    )


class _RetryAfterTooLong(stop_base):
    """Stop retrying here when Scenario asks to wait longer than ``cap`` (the task waits instead)."""

    def __init__(self, cap: float):
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return retry_after is not None and retry_after > self.cap


class ScenarioClient:
    """One user's Scenario client. ``sleep`` is for tests; the retry figures default to settings."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        base_url: str | None = None,
        outbound: OutboundClient | None = None,
        attempts: int | None = None,
        backoff_base: float | None = None,
        retry_after_cap: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        # Bytes: requests would encode text as Latin-1 and fail on any other character.
        self._auth = (api_key.encode(), api_secret.encode())
        self.base_url = (base_url or settings.AIMG_SCENARIO_API_URL).rstrip("/")
        self.outbound = outbound or OutboundClient()
        self.attempts = attempts or settings.AIMG_SCENARIO_RETRY_ATTEMPTS
        self.backoff_base = (
            settings.AIMG_SCENARIO_RETRY_BASE_SECONDS if backoff_base is None else backoff_base
        )
        self.retry_after_cap = (
            settings.AIMG_SCENARIO_RETRY_AFTER_CAP_SECONDS if retry_after_cap is None else retry_after_cap
        )
        self._sleep = sleep

    def __repr__(self) -> str:  # never the key or secret
        return f"<ScenarioClient {self.base_url}>"

    # ------------------------------------------------------------------ retries

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        backoff = self.backoff_base * (2 ** (state.attempt_number - 1))
        return backoff + random.uniform(0, self.backoff_base)  # jitter

    def _with_retries(self, call: Callable[[], T]) -> T:
        retrying = Retrying(
            stop=stop_any(stop_after_attempt(self.attempts), _RetryAfterTooLong(self.retry_after_cap)),
            wait=self._wait,
            retry=retry_if_exception_type(ScenarioTransientError),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(call)

    # ------------------------------------------------------------------ transport

    def _send(
        self,
        method: str,
        url: str,
        *,
        where: str,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> OutboundResponse:
        try:
            response = self.outbound.request(
                method,
                url,
                json_body=json_body,
                data=data,
                headers={"Accept": "application/json", **(headers or {})},
                auth=self._auth if auth else None,
            )
        except OutboundUnavailable as exc:
            raise ScenarioTransientError(f"Scenario could not be reached ({where}): {exc.message}") from exc
        except OutboundRedirect as exc:
            raise ScenarioPermanentError(
                f"Scenario answered {where} with a redirect, which is not followed."
            ) from exc
        except OutboundTooLarge as exc:
            raise ScenarioPermanentError(f"Scenario's answer to {where} is too large.") from exc
        except OutboundBlocked as exc:
            raise ScenarioPermanentError(f"The address for {where} is refused: {exc.message}") from exc
        except OutboundError as exc:  # pragma: no cover - every subclass is handled above
            raise ScenarioPermanentError(exc.message) from exc
        status = response.status
        if status == 429:
            raise ScenarioTransientError(
                f"Scenario is rate limiting {where}.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise ScenarioTransientError(
                f"Scenario had a problem with {where} (HTTP {status}).",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403) and auth:
            raise ScenarioAuthError("Scenario refused the API key and secret.", status=status)
        if status >= 400:
            detail = _message_of(response)
            raise ScenarioPermanentError(
                f"Scenario refused {where} (HTTP {status})" + (f": {detail}" if detail else "."),
                status=status,
            )
        return response

    def _api(self, method: str, path: str, *, where: str, json_body: Any = None) -> OutboundResponse:
        return self._with_retries(
            lambda: self._send(method, self.base_url + path, where=where, json_body=json_body)
        )

    # ------------------------------------------------------------------ the API

    def check_credentials(self) -> None:
        """Raise ``ScenarioAuthError`` unless Scenario accepts the key and secret.

        Asks for an upload no one has: a valid key gets a 404, an invalid one a 401/403.
        """
        try:
            self._api("GET", f"/uploads/{CREDENTIALS_PROBE_ID}", where="the credentials check")
        except ScenarioAuthError:
            raise
        except ScenarioPermanentError as exc:
            if exc.status != 404:
                raise

    def create_upload(
        self, *, file_name: str, content_type: str, file_size: int, parts: int, kind: str
    ) -> ScenarioUploadState:
        body = {
            "kind": kind,
            "fileName": file_name,
            "contentType": content_type,
            "fileSize": file_size,
            "parts": parts,
        }
        state = _state_of(
            self._api("POST", "/uploads", where="creating the upload", json_body=body), "POST /uploads"
        )
        if len(state.parts) != parts or [p.number for p in state.parts] != list(range(1, parts + 1)):
            raise ScenarioPermanentError(
                f"Scenario's upload has {len(state.parts)} part URLs where {parts} were asked for."
            )
        return state

    def put_part(self, part: UploadPart, data: bytes) -> str:
        """PUT ``data`` to the part's presigned URL; the answer's ETag (may be empty)."""
        where = f"part {part.number}"

        def attempt() -> OutboundResponse:
            try:
                return self._send("PUT", part.url, where=where, data=data, auth=False)
            except ScenarioPermanentError as exc:
                if exc.status == 403:
                    # S3 answers an expired (or otherwise no longer valid) presigned URL with 403.
                    raise ScenarioPartExpired(f"The upload URL of {where} is no longer accepted.") from exc
                raise

        response = self._with_retries(attempt)
        return response.headers.get("ETag", "")

    def complete_upload(self, upload_id: str) -> ScenarioUploadState:
        return _state_of(
            self._api(
                "POST",
                f"/uploads/{upload_id}/action",
                where="completing the upload",
                json_body={"action": "complete"},
            ),
            "POST /uploads/{id}/action",
        )

    def get_upload(self, upload_id: str) -> ScenarioUploadState:
        return _state_of(
            self._api("GET", f"/uploads/{upload_id}", where="reading the upload"), "GET /uploads/{id}"
        )

    def wait_for_upload(
        self, upload_id: str, *, timeout: float, interval: float, clock: Callable[[], float] = time.monotonic
    ) -> ScenarioUploadState:
        """Poll until the upload is finished or ``timeout`` passes (then its last state)."""
        deadline = clock() + timeout
        while True:
            state = self.get_upload(upload_id)
            if state.finished or clock() >= deadline:
                return state
            self._sleep(interval)
