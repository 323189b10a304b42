"""requestOTP: the email, the magic link, hashed single-use codes, limits, and sign-up errors."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import OneTimePassword
from accounts.signin.otp import otp_consume
from accounts.tasks import purge_expired_otps, send_otp_email
from aimg_site.api.exceptions import RateLimited
from aimg_site.core.mail import TransientMailError
from aimg_site.core.scoping import domain_context
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient

from .conftest import code_and_link_from


def request_code(api, persona, email, capture, **extra):
    with capture(execute=True):
        return api.post("/requestOTP", persona=persona, email=email, **extra)


def test_it_emails_a_six_digit_code_and_a_magic_link_that_decodes_to_the_email_and_code(
    api, guest, django_capture_on_commit_callbacks
):
    response = request_code(api, guest, "New.Person@Example.com", django_capture_on_commit_callbacks)

    assert_envelope(response, 200)
    assert response.payload["success"] is True
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    code, link = code_and_link_from(message.body)
    assert link["email"] == "new.person@example.com" and link["otp"] == code
    assert link["link"].startswith("https://freejourney.ai/")
    html = message.alternatives[0]
    assert html[1] == "text/html" and code in html[0] and link["link"] in html[0].replace("&amp;", "&")


def test_it_sends_nothing_before_the_transaction_commits(api, guest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert_envelope(api.post("/requestOTP", persona=guest, email="a@example.com"), 200)
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_the_magic_link_uses_the_domain_of_the_request(
    other_domain, guest, django_capture_on_commit_callbacks
):
    sexy = ApiClient("api.sexy.ai")
    assert_envelope(request_code(sexy, guest, "x@example.com", django_capture_on_commit_callbacks), 200)
    _code, link = code_and_link_from(mail.outbox[0].body)
    assert link["link"].startswith(other_domain.frontend_url.rstrip("/"))


def test_it_stores_only_a_digest_of_the_code(api, guest, django_capture_on_commit_callbacks):
    request_code(api, guest, "digest@example.com", django_capture_on_commit_callbacks)
    code, _link = code_and_link_from(mail.outbox[0].body)
    row = OneTimePassword.objects.get(email="digest@example.com")
    assert code not in row.code_digest
    assert row.code_digest != hashlib.sha256(code.encode()).hexdigest()
    assert (
        dt.timedelta(hours=23, minutes=59)
        < row.expires_at - row.created_at
        <= dt.timedelta(hours=24, seconds=1)
    )


def test_a_code_works_once(issue_code):
    code = issue_code("once@example.com")
    assert otp_consume(email="once@example.com", code=code) is True
    assert otp_consume(email="once@example.com", code=code) is False


def test_a_code_expires_after_24_hours(issue_code):
    code = issue_code("late@example.com")
    OneTimePassword.objects.filter(email="late@example.com").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert otp_consume(email="late@example.com", code=code) is False


def test_a_code_only_works_for_its_own_email(issue_code):
    code = issue_code("mine@example.com")
    assert otp_consume(email="yours@example.com", code=code) is False
    assert otp_consume(email="MINE@example.com", code=code) is True


def test_a_code_of_one_domain_does_not_work_in_another(issue_code, other_domain):
    code = issue_code("cross@example.com")
    with domain_context(other_domain):
        assert otp_consume(email="cross@example.com", code=code) is False


def test_wrong_codes_are_limited_per_email_even_before_the_right_one(issue_code):
    code = issue_code("guess@example.com")
    wrong = [c for c in (f"{n:06d}" for n in range(20)) if c != code][:10]
    for guess in wrong:
        assert otp_consume(email="guess@example.com", code=guess) is False
    with pytest.raises(RateLimited):
        otp_consume(email="guess@example.com", code=code)
    assert OneTimePassword.objects.get(email="guess@example.com").used_at is None
    other = issue_code("other-guess@example.com")
    assert otp_consume(email="other-guess@example.com", code=other) is True


def test_signing_up_with_a_registered_email_is_a_409(api, guest, owner):
    response = api.post("/requestOTP", persona=guest, email="OWNER@example.com", signUp=True)
    assert_envelope(response, 409)
    assert "already registered" in response.error
    assert mail.outbox == []


def test_signing_in_with_a_registered_email_sends_a_code(
    api, guest, owner, django_capture_on_commit_callbacks
):
    assert_envelope(request_code(api, guest, "owner@example.com", django_capture_on_commit_callbacks), 200)
    assert len(mail.outbox) == 1


def test_a_deleted_account_gets_no_code(api, guest, owner):
    owner.user.is_disabled = True
    owner.user.save()
    assert_envelope(api.post("/requestOTP", persona=guest, email="owner@example.com"), 403)


def test_a_banned_account_gets_no_code(api, guest, owner):
    owner.user.abuse_level = 9
    owner.user.save()
    assert_envelope(api.post("/requestOTP", persona=guest, email="owner@example.com"), 403)


def test_an_invalid_email_is_a_400_naming_it(api, guest):
    response = assert_envelope(api.post("/requestOTP", persona=guest, email="not-an-email"), 400)
    assert "email" in response.error


#: 172 characters as sent, 272 once lower-cased ("İ".lower() is two characters): past the column's 254.
LENGTHENED_BY_LOWERCASE = ("a" * 64) + "@" + ".".join(["\u0130" * 25] * 4) + ".com"


@pytest.mark.parametrize(
    ("email", "says"),
    [
        (LENGTHENED_BY_LOWERCASE, "at most 254"),
        ("user@localhost", "internet domain"),
        ("user@[127.0.0.1]", "internet domain"),
        ('"quoted local"@example.com', "not a valid"),
        ("a@b@example.com", "not a valid"),
        ("user@example..com", "not a valid"),
        ("user@-example.com", "not a valid"),
    ],
    ids=["lengthened-by-lowercase", "bare-host", "ip-literal", "quoted", "two-ats", "empty-label", "dash"],
)
def test_odd_email_forms_are_a_400_naming_the_email_and_send_nothing(api, guest, email, says, mailoutbox):
    response = assert_envelope(api.post("/requestOTP", persona=guest, email=email), 400)

    assert "'email'" in response.error and says in response.error
    assert not OneTimePassword.objects.exists()


def test_an_international_domain_is_accepted(api, guest, django_capture_on_commit_callbacks):
    response = request_code(api, guest, "Ana@Exämple.com", django_capture_on_commit_callbacks)

    assert_envelope(response, 200)
    assert OneTimePassword.objects.get().email == "ana@exämple.com"


def test_a_missing_email_is_a_400(api, guest):
    assert_envelope(api.post("/requestOTP", persona=guest), 400)


def test_the_session_header_is_required(api):
    assert_envelope(api.post("/requestOTP", email="a@example.com"), 400)


def test_sends_are_limited_per_email(api, guest, django_capture_on_commit_callbacks):
    for _ in range(5):
        assert_envelope(request_code(api, guest, "many@example.com", django_capture_on_commit_callbacks), 200)
    response = api.post("/requestOTP", persona=guest, email="many@example.com")
    assert_envelope(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert len(mail.outbox) == 5
    # Another email from the same address still works.
    assert_envelope(request_code(api, guest, "fresh@example.com", django_capture_on_commit_callbacks), 200)


def test_sends_are_limited_per_client_address(api, guest, django_capture_on_commit_callbacks):
    for n in range(30):
        assert_envelope(
            request_code(api, guest, f"p{n}@example.com", django_capture_on_commit_callbacks), 200
        )
    response = api.post("/requestOTP", persona=guest, email="p31@example.com")
    assert_envelope(response, 429)
    assert "address" in response.error


def test_the_task_retries_transient_mail_failures_with_backoff_and_jitter():
    assert send_otp_email.autoretry_for == (TransientMailError,)
    assert send_otp_email.retry_backoff and send_otp_email.retry_jitter
    assert 0 < send_otp_email.max_retries <= 10


def test_the_task_sends_nothing_for_a_used_code(issue_code):
    code = issue_code("used@example.com")
    row = OneTimePassword.objects.get(email="used@example.com")
    assert otp_consume(email="used@example.com", code=code)
    assert send_otp_email(str(row.pk), code) is False
    assert mail.outbox == []


def test_the_task_sends_nothing_for_an_unknown_code():
    assert send_otp_email("00000000-0000-0000-0000-000000000000", "123456") is False
    assert mail.outbox == []


def test_housekeeping_deletes_only_expired_codes(issue_code, other_domain):
    issue_code("live@example.com")
    issue_code("dead@example.com")
    with domain_context(other_domain):
        issue_code("dead-elsewhere@example.com")
    OneTimePassword.all_domains.filter(email__startswith="dead").update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert purge_expired_otps() == 2
    assert list(OneTimePassword.all_domains.values_list("email", flat=True)) == ["live@example.com"]
