"""Named rate limits: 429 envelope with Retry-After past the limit, per key."""

import pytest

from aimg_site.api import ratelimit
from aimg_site.api.exceptions import RateLimited
from tests.concurrency import race
from tests.conftest import assert_envelope

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_an_endpoint_answers_429_with_retry_after_past_its_limit(api, guest):
    for _ in range(3):
        assert_envelope(api.get("/testLimited", persona=guest))
    response = assert_envelope(api.get("/testLimited", persona=guest), 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.error == "Slow down, test."


def test_limits_are_per_key():
    ratelimit.register("per-key", "2/minute", "no")
    for _ in range(2):
        ratelimit.hit("per-key", key="a@example.com")
    with pytest.raises(RateLimited):
        ratelimit.hit("per-key", key="A@example.com")  # keys are case-insensitive
    ratelimit.hit("per-key", key="b@example.com")


def test_a_malformed_rate_fails_at_registration():
    with pytest.raises(ValueError):
        ratelimit.register("broken", "lots per fortnight", "no")


def test_the_limit_can_be_switched_off(settings):
    settings.AIMG_RATELIMIT_ENABLED = False
    ratelimit.register("off", "1/minute", "no")
    for _ in range(5):
        ratelimit.hit("off", key="k")


def test_concurrent_hits_never_pass_more_than_the_limit():
    ratelimit.register("race", "10/minute", "no")
    results = race(30, lambda _i: ratelimit.hit("race", key="same"))
    assert sum(1 for r in results if r is None) == 10
    assert all(isinstance(r, RateLimited) for r in results if r is not None)
