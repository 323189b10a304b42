"""Each site's mail comes from that site (issue 13, item 13)."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from django.core import mail

from aimg_site.core.selectors import domain_get, domain_sender
from tests.conftest import ApiClient, assert_envelope


@pytest.mark.parametrize(
    ("host", "sender"),
    [
        ("api.freejourney.ai", ("FreeJourney.AI", "no-reply@freejourney.ai")),
        ("api.sexy.ai", ("Sexy.AI", "no-reply@sexy.ai")),
    ],
)
def test_the_code_is_sent_from_the_site_it_was_asked_on(
    host, sender, guest, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(ApiClient(host).post("/requestOTP", persona=guest, email="someone@example.com"))
    (message,) = mail.outbox
    assert parseaddr(message.from_email) == sender
    assert parseaddr(message.message()["From"]) == sender


def test_the_sender_follows_a_configured_template(settings):
    settings.AIMG_FROM_EMAIL = "{display_name} Team <codes@mail.{domain}>"
    assert domain_sender(domain_get("sexy.ai")) == '"Sexy.AI Team" <codes@mail.sexy.ai>'


def test_one_fixed_sender_for_every_site_is_still_possible(settings):
    settings.AIMG_FROM_EMAIL = "AIMG <no-reply@example.com>"
    assert domain_sender(domain_get("sexy.ai")) == "AIMG <no-reply@example.com>"


def test_a_display_name_with_special_characters_is_quoted(domain):
    domain.display_name = 'Free "Journey", AI'
    assert domain_sender(domain) == '"Free \\"Journey\\", AI" <no-reply@freejourney.ai>'
