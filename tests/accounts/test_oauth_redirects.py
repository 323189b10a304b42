"""The pieces of OAuth sign-in that need no provider: where results may go, how they travel, the sealed state."""

from __future__ import annotations

import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.oauth.flowstate import FLOW_MAX_AGE_SECONDS, OAuthFlow, flow_seal, flow_unseal
from accounts.oauth.providers import provider_key, provider_key_split, provider_label
from accounts.oauth.redirects import (
    RedirectNotAllowed,
    envelope_decode,
    envelope_encode,
    redirect_url_validate,
    url_with_result,
)

FRONT = "https://freejourney.ai"


@pytest.mark.parametrize(
    "url",
    [
        "https://freejourney.ai",
        "https://FreeJourney.AI/Auth",
        "https://freejourney.ai./auth",
        "https://app.freejourney.ai:8443/auth?x=1#y",
    ],
)
def test_it_allows_the_front_end_and_its_subdomains(url):
    assert redirect_url_validate(f"  {url} ", frontend_url=FRONT) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "required"),
        (None, "required"),
        (42, "required"),
        ("https://freejourney.ai/" + "a" * 2000, "at most"),
        ("https://freejourney.ai/\tx", "without spaces"),
        ("https:\\\\freejourney.ai", "backslashes"),
        ("ftp://freejourney.ai/", "absolute http(s)"),
        ("https:///path", "absolute http(s)"),
        ("https://[::1/", "not a valid URL"),
        ("https://a:b@freejourney.ai/", "credentials"),
        ("http://freejourney.ai/", "https"),
        ("https://xfreejourney.ai/", "freejourney.ai"),
        ("https://freejourney.ai.example/", "freejourney.ai"),
    ],
)
def test_it_refuses_anything_else_and_says_why(url, says):
    with pytest.raises(RedirectNotAllowed, match=says.replace("(", r"\(").replace(")", r"\)")):
        redirect_url_validate(url, frontend_url=FRONT)


def test_extra_hosts_come_from_the_setting_as_a_list_or_a_string(settings):
    settings.AIMG_OAUTH_REDIRECT_HOSTS = "localhost, dev.example."
    assert redirect_url_validate("http://localhost:5173/cb", frontend_url=FRONT)
    assert redirect_url_validate("http://dev.example/cb", frontend_url=FRONT)
    settings.AIMG_OAUTH_REDIRECT_HOSTS = ["localhost"]
    with pytest.raises(RedirectNotAllowed):
        redirect_url_validate("http://dev.example/cb", frontend_url=FRONT)


def test_the_envelope_travels_as_unpadded_base64url_json():
    envelope = {"hasError": False, "payload": {"username": "Zoë ✓", "n": 1, "tricky": "?&=/+"}}

    encoded = envelope_encode(envelope)

    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert envelope_decode(encoded) == envelope
    assert envelope_decode(encoded + "=" * (-len(encoded) % 4)) == envelope


def test_the_result_parameter_replaces_a_stale_one_and_keeps_the_rest():
    url = url_with_result(
        "https://freejourney.ai/cb?x=1&b=old&y=a%20b#frag", {"hasError": True, "payload": None}
    )

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["x"] == ["1"] and query["y"] == ["a b"] and len(query["b"]) == 1
    assert envelope_decode(query["b"][0]) == {"hasError": True, "payload": None}
    assert parts.fragment == "frag"


def _flow(**fields) -> OAuthFlow:
    return OAuthFlow(
        **{
            "provider": "github",
            "domain": "freejourney.ai",
            "redirect_url": "https://freejourney.ai/cb",
            "session_key": "0b0e8f7e-3a7c-4a51-9c38-4c1f0d5c9a11",
            "ref_list": ["https://a.example"],
            "rs": "aff",
            "is_at_least_18_confirmed": True,
            **fields,
        }
    )


def test_a_sealed_flow_opens_to_the_same_flow_and_hides_its_content():
    flow = _flow()

    sealed = flow_seal(flow)

    assert flow_unseal(sealed) == flow
    assert "0b0e8f7e" not in sealed and "freejourney" not in sealed
    assert str(flow.old_session_key) == flow.session_key
    assert _flow(session_key=None).old_session_key is None


@pytest.mark.parametrize("token", [None, "", 7, "garbage", "gAAAAAB" + "A" * 80])
def test_a_missing_or_forged_seal_opens_to_nothing(token):
    assert flow_unseal(token) is None


def test_a_tampered_seal_opens_to_nothing():
    sealed = flow_seal(_flow())
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]

    assert flow_unseal(tampered) is None


def test_a_seal_made_with_another_secret_opens_to_nothing(settings):
    sealed = flow_seal(_flow())
    settings.SECRET_KEY = "another-secret-key-for-another-deployment"

    assert flow_unseal(sealed) is None


def test_an_old_seal_opens_to_nothing():
    with mock.patch("time.time", return_value=time.time() - FLOW_MAX_AGE_SECONDS - 5):
        sealed = flow_seal(_flow())

    assert flow_unseal(sealed) is None


def test_provider_keys_name_the_domain_and_labels_follow_the_reference():
    assert provider_key("github", "sexy.ai") == "github:sexy.ai"
    assert provider_key_split("github:sexy.ai") == ("github", "sexy.ai")
    assert provider_key_split("github") == ("github", None)
    assert [provider_label(p) for p in ("google:sexy.ai", "discord", "github:freejourney.ai")] == [
        "Google",
        "Discord",
        "GitHub",
    ]
