"""HTTP client of Boosty's web API (``AIMG_BOOSTY_API_URL``), authenticated by the admin account's
cookies: HTTP only, no database.

Boosty publishes no API; this follows the requests its own web app makes for
the blog owner: ``GET /v1/blog/<account>/subscribers?limit=&offset=`` answering
``{"data": [...], "total": n}``, with the access token of the ``auth`` cookie
(URL-encoded JSON holding ``accessToken``) as a Bearer token and the cookies as
sent by the browser. Cookie values never reach a log line or an exception message.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote

import requests
from django.conf import settings


class BoostyError(Exception):
    """Boosty answered something unusable."""


class BoostyAuthError(BoostyError):
    """Boosty refused the cookies (401/403): inject fresh ones."""


class BoostyUnavailable(BoostyError):
    """A network failure, a timeout or a 5xx: may work later."""


@dataclass(frozen=True)
class BoostySubscriber:
    id: int | str
    email: str
    name: str
    subscribed: bool
    level_name: str
    price: float
    currency: str
    paid_until: dt.datetime | None


def _access_token(cookies: list[dict]) -> str:
    for cookie in cookies:
        if cookie.get("name") == "auth":
            try:
                data = json.loads(unquote(str(cookie.get("value", ""))))
            except ValueError:
                return ""
            return str(data.get("accessToken", "")) if isinstance(data, dict) else ""
    return ""


def _parse_subscriber(row: dict) -> BoostySubscriber:
    level = row.get("level") or {}
    next_pay = row.get("nextPayTime") or row.get("next_pay_time")
    paid_until = dt.datetime.fromtimestamp(int(next_pay), tz=dt.UTC) if next_pay else None
    return BoostySubscriber(
        id=row.get("id", ""),
        email=str(row.get("email") or ""),
        name=str(row.get("name") or ""),
        subscribed=bool(row.get("subscribed", False)),
        level_name=str(level.get("name") or ""),
        price=float(row.get("price") or level.get("price") or 0),
        currency=str(level.get("currency") or row.get("currency") or "USD").upper(),
        paid_until=paid_until,
    )


class BoostyClient:
    """One Boosty API origin; ``timeout`` seconds per request; ``page_size`` subscribers per page."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 15, page_size: int = 100):
        self.base_url = (base_url or settings.AIMG_BOOSTY_API_URL).rstrip("/")
        self.timeout = timeout
        self.page_size = page_size
        self.session = requests.Session()

    def _get(self, path: str, *, cookies: list[dict], params: dict) -> dict:
        headers = {
            "Accept": "application/json",
            "Cookie": "; ".join(f"{c['name']}={c.get('value', '')}" for c in cookies if c.get("name")),
        }
        token = _access_token(cookies)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.session.get(
                f"{self.base_url}{path}", params=params, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise BoostyUnavailable(f"Boosty could not be reached ({type(exc).__name__})") from None
        if response.status_code in (401, 403):
            raise BoostyAuthError(f"Boosty refused the admin account's cookies ({response.status_code})")
        if response.status_code >= 500:
            raise BoostyUnavailable(f"Boosty answered {response.status_code}")
        if response.status_code != 200:
            raise BoostyError(f"Boosty answered {response.status_code} for {path}")
        try:
            data = response.json()
        except ValueError:
            raise BoostyError("Boosty answered something that is not JSON") from None
        if not isinstance(data, dict):
            raise BoostyError("Boosty answered an unexpected shape")
        return data

    def subscribers(self, *, account_id: str, cookies: list[dict]) -> Iterator[BoostySubscriber]:
        """Every subscriber of the blog ``account_id``, page by page."""
        offset = 0
        path = f"/v1/blog/{quote(account_id, safe='')}/subscribers"
        while True:
            data = self._get(
                path,
                cookies=cookies,
                params={"limit": self.page_size, "offset": offset, "sort_by": "on_time"},
            )
            rows = data.get("data") or []
            if not isinstance(rows, list):
                raise BoostyError("Boosty answered an unexpected shape")
            for row in rows:
                if isinstance(row, dict):
                    yield _parse_subscriber(row)
            offset += len(rows)
            total = data.get("total")
            if not rows or len(rows) < self.page_size or (isinstance(total, int) and offset >= total):
                return
