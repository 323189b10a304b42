"""injectBoostyAdminAccountCookies (Admins): validation, encryption at rest, expiry; the Boosty
client and the subscriber sync against a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import logging
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone

from aimg_site.core import encryption
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from billing.boosty.client import BoostyAuthError, BoostyClient, BoostyUnavailable
from billing.boosty.services import boosty_cookies, boosty_subscriptions_sync
from billing.entitlements import user_entitlement
from billing.models import BoostyAccount
from tests.support.assertions import assert_envelope

from .boosty_server import FakeBoosty, fake_boosty

SECRET_VALUE = "s3cr3t-session-value-9f8e7d"
TOKEN = "access-token-abc123"


def _cookies() -> list[dict]:
    auth = quote(json.dumps({"accessToken": TOKEN, "refreshToken": "r", "expiresAt": 1}))
    return [
        {"name": "auth", "value": auth, "domain": ".boosty.to", "path": "/"},
        {"name": "session", "value": SECRET_VALUE, "domain": ".boosty.to", "httpOnly": True},
    ]


def _inject(api, persona, **overrides):
    body = {"accountId": "sexyai", "cookies": _cookies(), **overrides}
    return api.post("/injectBoostyAdminAccountCookies", persona=persona, body=body)


def test_an_admin_injects_cookies_stored_encrypted_for_seven_days(api, admin, caplog):
    caplog.set_level(logging.DEBUG)
    assert assert_envelope(_inject(api, admin)).payload == {"success": True}
    account = BoostyAccount.objects.get()
    assert account.account_id == "sexyai" and account.cookie_count == 2
    assert dt.timedelta(days=6, hours=23) < account.expires_at - timezone.now() <= dt.timedelta(days=7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM billing_boostyaccount")
        stored = repr(cursor.fetchall())
    assert SECRET_VALUE not in stored and TOKEN not in stored
    assert boosty_cookies(account=account) == _cookies()
    entry = AuditLogEntry.objects.get(action="injectBoostyAdminAccountCookies")
    assert entry.details["cookieCount"] == 2 and SECRET_VALUE not in json.dumps(entry.details)
    assert all(SECRET_VALUE not in r.getMessage() for r in caplog.records)


def test_a_second_injection_replaces_the_cookies(api, admin):
    assert_envelope(_inject(api, admin))
    assert_envelope(_inject(api, admin, cookies=[{"name": "auth", "value": "x"}]))
    account = BoostyAccount.objects.get()
    assert boosty_cookies(account=account) == [{"name": "auth", "value": "x"}]


def test_cookies_are_not_used_after_seven_days(api, admin):
    assert_envelope(_inject(api, admin))
    BoostyAccount.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert boosty_cookies(account=BoostyAccount.objects.get()) is None


def test_domain_identifier_picks_the_domain_and_an_unknown_one_is_a_400(api, admin, other_domain):
    assert_envelope(_inject(api, admin, domainIdentifier="sexy.ai"))
    assert not BoostyAccount.objects.exists()
    with domain_context(other_domain):
        assert BoostyAccount.objects.get().account_id == "sexyai"
    response = assert_envelope(_inject(api, admin, domainIdentifier="example.org"), 400)
    assert "domainIdentifier" in response.error


@pytest.mark.parametrize(
    "cookies",
    [
        [],
        "auth=x",
        [{"value": "x"}],
        [{"name": "auth"}],
        [{"name": 5, "value": "x"}],
        [{"name": "a", "value": "x"}] * 101,
        [{"name": "a", "value": "x" * 8193}],
    ],
)
def test_malformed_or_oversized_cookies_are_a_400_naming_cookies(api, admin, cookies):
    assert "cookies" in assert_envelope(_inject(api, admin, cookies=cookies), 400).error
    assert not BoostyAccount.objects.exists()


def test_a_bad_account_id_is_a_400(api, admin):
    assert "accountId" in assert_envelope(_inject(api, admin, accountId="../x"), 400).error


@pytest.mark.parametrize("persona_name", ["guest", "owner"])
def test_only_admins_inject_cookies(api, request, persona_name):
    assert_envelope(_inject(api, request.getfixturevalue(persona_name)), 403)
    assert not BoostyAccount.objects.exists()


def test_the_key_rotates_old_tokens_still_open_and_reencrypt_moves_them(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AIMG_ENCRYPTION_KEYS = [old]
    token = encryption.encrypt(b"cookies")
    settings.AIMG_ENCRYPTION_KEYS = [new, old]
    assert encryption.decrypt(token) == b"cookies"
    rotated = encryption.reencrypt(token)
    settings.AIMG_ENCRYPTION_KEYS = [new]
    assert encryption.decrypt(rotated) == b"cookies"
    with pytest.raises(encryption.InvalidToken):
        encryption.decrypt(token)


def test_a_malformed_key_fails_at_start_up():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="AIMG_ENCRYPTION_KEY"):
        encryption.parse_keys("not-a-key")


# --- the client against a real local server -----------------------------------------------------


def _subscriber(n: int, *, email: str, level: str = "PRO", subscribed: bool = True) -> dict:
    return {
        "id": n,
        "name": f"fan {n}",
        "email": email,
        "subscribed": subscribed,
        "price": 500,
        "level": {"name": level, "price": 500, "currency": "rub"},
        "nextPayTime": int((timezone.now() + dt.timedelta(days=20)).timestamp()),
    }


def test_the_client_pages_through_subscribers_with_the_cookies_and_token():
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(i, email=f"f{i}@example.com") for i in range(5)])
    with fake_boosty(state) as url:
        found = list(BoostyClient(url, page_size=2).subscribers(account_id="sexyai", cookies=_cookies()))
    assert [s.email for s in found] == [f"f{i}@example.com" for i in range(5)]
    assert found[0].level_name == "PRO" and found[0].currency == "RUB" and found[0].paid_until
    assert [r["query"]["offset"] for r in state.requests] == ["0", "2", "4"]
    assert all(r["path"] == "/v1/blog/sexyai/subscribers" for r in state.requests)
    assert SECRET_VALUE in state.requests[0]["headers"]["Cookie"]


def test_refused_cookies_and_server_failures_are_told_apart():
    with (
        fake_boosty(FakeBoosty(token="other", subscribers=[])) as url,
        pytest.raises(BoostyAuthError) as refused,
    ):
        list(BoostyClient(url).subscribers(account_id="sexyai", cookies=_cookies()))
    assert SECRET_VALUE not in str(refused.value) and TOKEN not in str(refused.value)
    with (
        fake_boosty(FakeBoosty(token=TOKEN, subscribers=[], fail_status=502)) as url,
        pytest.raises(BoostyUnavailable),
    ):
        list(BoostyClient(url).subscribers(account_id="sexyai", cookies=_cookies()))
    with pytest.raises(BoostyUnavailable):  # nothing listens on this port of the range
        list(
            BoostyClient("http://127.0.0.1:18499", timeout=2).subscribers(account_id="a", cookies=_cookies())
        )


def test_the_sync_gives_subscribers_with_an_account_the_tier_of_their_level(api, admin, owner, domain):
    assert_envelope(_inject(api, admin))
    state = FakeBoosty(
        token=TOKEN,
        subscribers=[
            _subscriber(1, email="OWNER@example.com", level="PRO+"),
            _subscriber(2, email="stranger@example.com"),
            _subscriber(3, email="other@example.com", subscribed=False),
        ],
    )
    with fake_boosty(state) as url:
        written = boosty_subscriptions_sync(
            domain=domain, levels={"pro": 1, "pro+": 2}, client=BoostyClient(url)
        )
    assert written == 1
    entitlement = user_entitlement(user=owner.user)
    assert entitlement.tier == 2 and entitlement.merchant_processor == "boosty"
    assert entitlement.tier_expiration is not None
