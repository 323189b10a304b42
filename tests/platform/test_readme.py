"""The README's Quick start works as written, for a front-end developer trying ``make run``."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from aimg_site.api.ratelimit import LIMITS

ROOT = Path(__file__).resolve().parents[2]
QUICK_START = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]


def _command_email(command: str) -> str:
    match = re.search(rf"manage\.py {command} --email (\S+)", QUICK_START)
    assert match, command
    return match.group(1)


def _curl_posts() -> list[str]:
    """Each ``curl -X POST`` of the Quick start, its continuation lines joined."""
    commands = QUICK_START.replace("\\\n", " ")
    return [line for line in commands.splitlines() if line.startswith("curl") and "-X POST" in line]


def test_every_post_it_shows_sends_json_with_its_content_type():
    posts = _curl_posts()
    assert posts
    assert all('-H "Content-Type: application/json"' in post for post in posts)


def test_create_admin_key_and_createsuperuser_both_succeed_with_its_emails(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Console!Pass1")
    admin_email, console_email = _command_email("create_admin_key"), _command_email("createsuperuser")
    call_command("create_admin_key", "--email", admin_email, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("createsuperuser", "--noinput", "--email", console_email, stdout=io.StringIO())
    assert User.objects.filter(email__in=[admin_email, console_email]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_its_otp_sign_in_creates_the_account_as_it_says(settings):
    """requestOTP then authenticateUser, with the bodies and headers the Quick start sends."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    request_otp, authenticate = _curl_posts()[:2]
    assert "/requestOTP" in request_otp and "/authenticateUser" in authenticate
    assert "creates the account" in QUICK_START
    session = "6f1c2b9e-4d0a-4c41-9a4e-0d8f1f0c7a11"
    client = Client(HTTP_HOST="127.0.0.1")

    def post(command: str, **replace):
        body = json.loads(re.search(r"-d '([^']+)'", command).group(1))
        path = re.search(r"http://127\.0\.0\.1:8000(/\w+)", command).group(1)
        return client.post(
            path, json.dumps(body | replace), content_type="application/json", HTTP_X_SESSION_ID=session
        )

    assert post(request_otp).json()["hasError"] is False
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    email = json.loads(re.search(r"-d '([^']+)'", authenticate).group(1))["email"]
    assert not User.objects.filter(email=email).exists()
    answer = post(authenticate, otp=code).json()
    assert answer["hasError"] is False and answer["payload"]["isAuthenticated"] is True
    assert User.objects.filter(email=email).exists()


def test_it_says_how_to_lift_the_otp_limits_and_the_limits_it_quotes_are_the_real_ones():
    assert (
        "AIMG_RATELIMIT_ENABLED=false make run" in QUICK_START
    )  # the switch tests/platform/test_ratelimit.py checks
    quoted = {
        "otp-send-email": "5 requests per email",
        "otp-send-address": "30 per client address an hour",
        "otp-check-email": "10 wrong codes per",
        "otp-check-email-day": "40 a day",
        "sign-in-address": "60 sign-in attempts per address in 10 minutes",
    }
    rates = {"otp-send-email": "5/hour", "otp-send-address": "30/hour", "otp-check-email": "10/hour"}
    rates |= {"otp-check-email-day": "40/day", "sign-in-address": "60/10minute"}
    for name, words in quoted.items():
        assert " ".join(words.split()) in " ".join(QUICK_START.split()), name
        assert LIMITS[name][0] == rates[name], name
