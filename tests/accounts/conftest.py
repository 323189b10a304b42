"""Helpers of the accounts tests: codes, pictures, and captured emails."""

from __future__ import annotations

import base64
import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from accounts.signin.otp import otp_create

STRONG_PASSWORD = "Sunny-Day-42"


@pytest.fixture
def issue_code():
    """``issue_code(email)`` → a valid raw OTP for ``email`` in the bound domain (no email sent)."""

    def issue(email: str, *, sign_up: bool = False) -> str:
        _row, code = otp_create(email=email, sign_up=sign_up)
        return code

    return issue


def image_data_uri(fmt: str = "PNG", size=(64, 48), mime: str | None = None, color=(10, 120, 200)) -> str:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt)
    mime = mime or f"image/{fmt.lower()}"
    return f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode()


def decode_data_uri(uri: str) -> Image.Image:
    header, encoded = uri.split(",", 1)
    assert header == "data:image/webp;base64"
    return Image.open(io.BytesIO(base64.b64decode(encoded)))


def code_and_link_from(body: str) -> tuple[str, dict]:
    """The 6-digit code and the decoded ``b`` of the magic link found in an email body."""
    code = re.search(r"\b(\d{6})\b", body).group(1)
    link = re.search(r"https?://\S+\?b=[A-Za-z0-9_\-]+", body).group(0)
    b = parse_qs(urlparse(link).query)["b"][0]
    decoded = json.loads(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)))
    return code, {"link": link, **decoded}


def prove_email(user) -> None:
    """Record that ``user`` once signed in with a code, as an account made by an OTP sign-up has."""
    from django.utils import timezone

    from accounts.models import UserLoginProvider

    UserLoginProvider.objects.get_or_create(
        user=user, provider_id="OTP", defaults={"last_used_at": timezone.now()}
    )
