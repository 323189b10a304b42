"""injectBoostyAdminAccountCookies (Admins): validation, encryption at rest, expiry; the Boosty
client and the subscriber sync against a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import io
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
from billing.boosty.services import (
    BoostySyncReport,
    boosty_cookies,
    boosty_level_plans,
    boosty_subscriptions_sync,
)
from billing.catalog import plans_catalog_load
from billing.entitlements import user_entitlement
from billing.models import BillingPlan, BoostyAccount, Subscription
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


# --- the subscriber sync: Boosty level -> plan (BillingPlan.boosty_level), beat task, command -------


@pytest.fixture
def catalog(domain):
    """The catalog's plans: on freejourney.ai the monthly plans map the levels PRO, PRO+ and MAX."""
    plans_catalog_load(domain=domain)
    return boosty_level_plans(domain=domain)


@pytest.fixture
def injected(api, admin):
    assert_envelope(_inject(api, admin))


def _sync(state: FakeBoosty, domain) -> BoostySyncReport:
    with fake_boosty(state) as url:
        return boosty_subscriptions_sync(domain=domain, client=BoostyClient(url))


def _boosty_row(user) -> Subscription:
    return Subscription.objects.get(user=user, payment_provider="boosty")


def test_the_catalog_maps_boosty_levels_to_plans_and_the_console_edits_them(catalog, domain):
    assert {level: plan.tier for level, plan in catalog.items()} == {"pro": 1, "pro+": 2, "max": 3}
    assert catalog["pro+"].plan_id == "freejourney-tier2-monthly"
    BillingPlan.objects.filter(plan_id="freejourney-tier3-monthly").update(boosty_level="")
    BillingPlan.objects.filter(plan_id="freejourney-tier3-yearly", env="prod").update(boosty_level="VIP")
    assert boosty_level_plans(domain=domain)["vip"].plan_id == "freejourney-tier3-yearly"
    assert "max" not in boosty_level_plans(domain=domain)


def test_a_second_plan_for_the_same_level_is_refused_by_the_database(catalog):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BillingPlan.objects.filter(plan_id="freejourney-tier1-yearly", env="prod").update(boosty_level="pro")


def test_the_sync_gives_subscribers_with_an_account_the_tier_of_their_levels_plan(
    catalog, injected, owner, other_user, domain
):
    state = FakeBoosty(
        token=TOKEN,
        subscribers=[
            _subscriber(1, email="OWNER@example.com", level="PRO+"),
            _subscriber(2, email="stranger@example.com"),
            _subscriber(3, email=other_user.user.email, subscribed=False),
        ],
    )
    report = _sync(state, domain)
    assert (report.accounts, report.written, report.ended, report.failed_accounts) == (1, 1, 0, [])
    entitlement = user_entitlement(user=owner.user)
    assert entitlement.tier == 2 and entitlement.merchant_processor == "boosty"
    row = _boosty_row(owner.user)
    assert row.product_id == "freejourney-tier2-monthly" and row.payer_id == "sexyai/1"
    assert row.tier_expiration == dt.datetime.fromtimestamp(state.subscribers[0]["nextPayTime"], tz=dt.UTC)
    assert row.price["currency"] == "RUB" and row.price["value"] == 500
    assert user_entitlement(user=other_user.user).tier == 0
    assert not Subscription.objects.filter(user=other_user.user).exists()


def test_a_later_paid_until_date_extends_the_subscription_and_a_level_change_moves_the_tier(
    catalog, injected, owner, domain
):
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email, level="PRO")])
    _sync(state, domain)
    first = _boosty_row(owner.user).tier_expiration
    later = int((timezone.now() + dt.timedelta(days=50)).timestamp())
    state.subscribers[0].update(nextPayTime=later, level={"name": "max", "price": 900, "currency": "rub"})
    assert _sync(state, domain).written == 1
    row = _boosty_row(owner.user)  # still one row
    assert row.tier == 3 and row.product_id == "freejourney-tier3-monthly"
    assert row.tier_expiration > first and int(row.tier_expiration.timestamp()) == later
    assert user_entitlement(user=owner.user).tier == 3


def test_an_unsubscribed_fan_keeps_the_tier_until_the_date_paid_for(catalog, injected, owner, domain):
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email)])
    _sync(state, domain)
    state.subscribers[0]["subscribed"] = False
    assert _sync(state, domain).ended == 1
    row = _boosty_row(owner.user)
    assert row.status == "cancelling" and row.tier_expiration > timezone.now()
    assert user_entitlement(user=owner.user).tier == 1


@pytest.mark.parametrize("change", ["unmapped level", "unlisted", "unsubscribed and unpaid"])
def test_the_tier_ends_at_once_when_boosty_no_longer_grants_it(catalog, injected, owner, domain, change):
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email)])
    _sync(state, domain)
    assert user_entitlement(user=owner.user).tier == 1
    if change == "unmapped level":
        state.subscribers[0]["level"] = {"name": "Follower", "price": 0, "currency": "rub"}
    elif change == "unlisted":
        state.subscribers = []
    else:
        state.subscribers[0].update(subscribed=False, nextPayTime=None)
    assert _sync(state, domain).ended == 1
    row = _boosty_row(owner.user)
    assert row.status == "expired" and row.tier_expiration <= timezone.now()
    assert user_entitlement(user=owner.user).tier == 0
    assert _sync(state, domain).ended == 0  # nothing more to end


def test_a_resubscribed_fan_gets_the_tier_back_on_the_same_row(catalog, injected, owner, domain):
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email)])
    _sync(state, domain)
    state.subscribers = []
    _sync(state, domain)
    state.subscribers = [_subscriber(1, email=owner.user.email)]
    assert _sync(state, domain).written == 1
    assert _boosty_row(owner.user).status == "active" and user_entitlement(user=owner.user).tier == 1


@pytest.mark.parametrize("failure", [{"token": "other"}, {"fail_status": 503}])
def test_refused_cookies_or_a_boosty_failure_end_nothing(catalog, injected, owner, domain, caplog, failure):
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email)])
    _sync(state, domain)
    report = _sync(FakeBoosty(subscribers=[], **{"token": TOKEN, **failure}), domain)
    assert report.failed_accounts == ["sexyai"] and report.ended == 0
    assert user_entitlement(user=owner.user).tier == 1
    assert all(SECRET_VALUE not in r.getMessage() and TOKEN not in r.getMessage() for r in caplog.records)


def test_expired_cookies_are_not_used(catalog, injected, owner, domain):
    BoostyAccount.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email)])
    assert _sync(state, domain).accounts == 0 and state.requests == []


def test_the_beat_task_and_the_command_run_the_sync(catalog, injected, owner, domain, settings):
    from django.core.management import call_command

    import billing.tasks  # noqa: F401  (registers the task, as the worker's autodiscovery does)
    from aimg_site.celery import app as celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["sync-boosty-subscriptions"]
    assert entry["task"] == "billing.sync_boosty_subscriptions" and entry["task"] in celery_app.tasks
    state = FakeBoosty(token=TOKEN, subscribers=[_subscriber(1, email=owner.user.email, level="MAX")])
    with fake_boosty(state) as url:
        settings.AIMG_BOOSTY_API_URL = url
        assert celery_app.tasks[entry["task"]].delay().get() == 1
        assert user_entitlement(user=owner.user).tier == 3
        out = io.StringIO()
        call_command("sync_boosty", "--domain", "freejourney.ai", stdout=out)
    assert "freejourney.ai: 1 Boosty account(s), 1 subscription(s) written, 0 ended" in out.getvalue()
    assert len(state.requests) == 2
