"""Nobody can lock an owner out by guessing wrong, and guessing still gets nowhere (issue 13, item 3).

Before, the per-email counters counted everyone's attempts and then refused
everyone: 80 wrong codes from rotating addresses made the owner's correct,
fresh code a 429, and 30 wrong passwords did the same to the owner's
password. Now:

- codes: each (email, client address) gets 10 checks an hour (429 for that
  address only). Past 10 checks an hour (or 40 a day) for the email from
  everyone, the live codes are void, and a code requested meanwhile works
  only from the address that asked for it (3 wrong tries at most);
- passwords: each (email, client address) gets 10 checks a quarter hour.
  Past 10 wrong ones for the email from everyone, an address the account has
  not signed in from waits its turn, one attempt at a time with a wait that
  doubles; an address the account signed in from in the last 30 days does not.

The attacker's addresses come through a trusted proxy's ``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from django.core import mail

from accounts.models import OneTimePassword
from accounts.signin.throttle import PASSWORD_BACKOFF_MAX_SECONDS, password_backoff_seconds
from tests.conftest import ApiClient, Persona, assert_envelope

from .conftest import STRONG_PASSWORD, code_and_link_from, prove_email

VICTIM = "victim@example.com"
OWNER_ADDRESS = "203.0.113.7"
_attackers = (f"198.51.{a}.{b}" for a in range(100, 110) for b in range(1, 255))


@pytest.fixture(autouse=True)
def behind_a_proxy(settings):
    settings.AIMG_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def victim(make_user) -> Persona:
    persona = make_user(VICTIM, password=STRONG_PASSWORD)
    prove_email(persona.user)
    return persona


@pytest.fixture
def attackers():
    return iter(itertools.islice(_attackers, 0, None))


def call(path: str, address: str, **body):
    persona = Persona(session_id="0b3f1f7e-4c2d-4a8e-9a51-6f0e9d2c7b10")
    return ApiClient().post(path, persona=persona, headers={"X-Forwarded-For": address}, **body)


def request_code(address: str, capture) -> str:
    with capture(execute=True):
        assert_envelope(call("/requestOTP", address, email=VICTIM))
    return code_and_link_from(mail.outbox[-1].body)[0]


def guesses(code: str | None = None):
    return (f"{n:06d}" for n in itertools.count() if f"{n:06d}" != code)


def flood_codes(attackers, count: int, *, avoid: str | None = None, per_address: int = 1) -> list[int]:
    statuses = []
    wrong = guesses(avoid)
    for _ in range(count):
        address = next(attackers)
        for _ in range(per_address):
            statuses.append(call("/authenticateUser", address, email=VICTIM, otp=next(wrong)).status)
    return statuses


def flood_passwords(attackers, count: int) -> list[int]:
    return [
        call("/authenticateUser", next(attackers), email=VICTIM, password=f"Wrong-Pass-{n}").status
        for n in range(count)
    ]


# --- codes ----------------------------------------------------------------------------------------


def test_a_flood_of_wrong_codes_from_many_addresses_never_stops_the_owners_fresh_code(
    victim, attackers, django_capture_on_commit_callbacks
):
    assert set(flood_codes(attackers, 80)) == {401}
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert set(flood_codes(attackers, 40, avoid=code, per_address=2)) == {401}  # still going on
    response = call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code)
    assert assert_envelope(response).payload["userID"] == str(victim.user.id)


def test_past_the_ceiling_the_live_codes_are_void_so_guessing_them_is_pointless(
    victim, attackers, django_capture_on_commit_callbacks
):
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert set(flood_codes(attackers, 10, avoid=code)) == {401}
    # The eleventh check of the hour finds the code void, even the right guess from anywhere.
    assert_envelope(call("/authenticateUser", next(attackers), email=VICTIM, otp=code), 401)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code), 401)
    assert OneTimePassword.objects.get().used_at is None
    fresh = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=fresh))


def test_a_code_asked_for_under_attack_works_only_from_the_address_that_asked(
    victim, attackers, django_capture_on_commit_callbacks
):
    flood_codes(attackers, 11)
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert_envelope(call("/authenticateUser", next(attackers), email=VICTIM, otp=code), 401)  # a lucky guess
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code))


def test_a_code_bound_to_an_address_takes_three_wrong_tries_at_most(
    victim, attackers, django_capture_on_commit_callbacks
):
    flood_codes(attackers, 11)
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    wrong = guesses(code)
    for _ in range(3):
        assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=next(wrong)), 401)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code), 401)


def test_codes_others_ask_for_under_attack_do_not_push_the_owners_out(
    victim, attackers, django_capture_on_commit_callbacks
):
    flood_codes(attackers, 11)
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    for _ in range(3):
        request_code(next(attackers), django_capture_on_commit_callbacks)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code))


def test_one_address_gets_ten_checks_of_an_emails_codes_an_hour(victim, attackers):
    address = next(attackers)
    wrong = guesses()
    for _ in range(10):
        assert_envelope(call("/authenticateUser", address, email=VICTIM, otp=next(wrong)), 401)
    response = call("/authenticateUser", address, email=VICTIM, otp=next(wrong))
    assert_envelope(response, 429)
    assert "address" in response.error
    assert_envelope(call("/authenticateUser", next(attackers), email=VICTIM, otp=next(wrong)), 401)


def test_an_address_the_owner_signed_in_from_still_gets_a_code_when_others_used_up_the_sends(
    victim, attackers, django_capture_on_commit_callbacks
):
    code = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=code))
    for _ in range(4):
        request_code(next(attackers), django_capture_on_commit_callbacks)
    assert_envelope(call("/requestOTP", next(attackers), email=VICTIM), 429)
    fresh = request_code(OWNER_ADDRESS, django_capture_on_commit_callbacks)
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, otp=fresh))


# --- passwords ------------------------------------------------------------------------------------


def test_a_flood_of_wrong_passwords_never_stops_the_owners_password_where_they_signed_in_before(
    victim, attackers
):
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, password=STRONG_PASSWORD))
    statuses = flood_passwords(attackers, 30)
    assert 200 not in statuses and set(statuses) <= {401, 429}
    response = call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, password=STRONG_PASSWORD)
    assert assert_envelope(response).payload["userID"] == str(victim.user.id)


def test_past_the_free_attempts_other_addresses_wait_their_turn_so_guessing_gets_nowhere(victim, attackers):
    assert set(flood_passwords(attackers, 10)) == {401}
    assert flood_passwords(attackers, 1) == [401]  # one attempt goes through, then the email waits
    # Even the right password is not looked at while the email waits (a guess cannot succeed).
    response = call("/authenticateUser", next(attackers), email=VICTIM, password=STRONG_PASSWORD)
    assert_envelope(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert "code" in response.error  # the way in that always works: a code sent to the address


def test_the_wait_doubles_up_to_a_ceiling():
    waits = [password_backoff_seconds(level) for level in range(20)]
    assert waits[:4] == [1, 2, 4, 8]
    assert waits == sorted(waits) and waits[-1] == PASSWORD_BACKOFF_MAX_SECONDS


def test_one_address_gets_ten_password_checks_for_an_email_a_quarter_hour(victim, attackers):
    address = next(attackers)
    for n in range(10):
        assert_envelope(call("/authenticateUser", address, email=VICTIM, password=f"Wrong-Pass-{n}"), 401)
    assert_envelope(call("/authenticateUser", address, email=VICTIM, password=STRONG_PASSWORD), 429)


def test_the_console_follows_the_same_rules(victim, attackers):
    from django.test import Client

    from accounts.models import User

    User.objects.filter(pk=victim.user.pk).update(is_staff=True, roles=["admin"])
    assert_envelope(call("/authenticateUser", OWNER_ADDRESS, email=VICTIM, password=STRONG_PASSWORD))
    for n in range(30):
        Client(HTTP_HOST="api.freejourney.ai").post(
            "/console/login/?next=/console/",
            {"username": VICTIM, "password": f"Wrong-Pass-{n}"},
            headers={"X-Forwarded-For": next(attackers)},
        )
    owner = Client(HTTP_HOST="api.freejourney.ai")
    owner.post(
        "/console/login/?next=/console/",
        {"username": VICTIM, "password": STRONG_PASSWORD},
        headers={"X-Forwarded-For": OWNER_ADDRESS},
    )
    assert owner.get("/console/accounts/user/").status_code == 200


def test_once_queued_the_email_gets_no_new_free_attempts_when_the_quarter_hour_ends(victim, attackers):
    from aimg_site.api import ratelimit
    from aimg_site.core.selectors import domain_get

    assert set(flood_passwords(attackers, 11)) == {401}  # the free ten, then one queued attempt
    # A new quarter hour: the free attempts' window starts over, the queue does not.
    ratelimit.clear("password-check-email", key=f"{domain_get('freejourney.ai').pk}:{VICTIM}")
    assert_envelope(call("/authenticateUser", next(attackers), email=VICTIM, password=STRONG_PASSWORD), 429)
