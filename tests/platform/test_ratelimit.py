"""Named rate limits: 429 envelope with Retry-After past the limit, per key."""

import pytest

from aimg_site.api import ratelimit
from aimg_site.api.exceptions import RateLimited
from tests.support.assertions import assert_envelope
from tests.support.concurrency import race

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_an_endpoint_answers_429_with_retry_after_past_its_limit(api, guest):
    for _ in range(3):
        assert_envelope(api.get("/testLimited", persona=guest))
    response = assert_envelope(api.get("/testLimited", persona=guest), 429)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    # The message says when to retry too, for a person reading it.
    assert response.error == f"Slow down, test. Try again in {retry_after} second{'s' * (retry_after != 1)}."


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


@pytest.mark.parametrize(
    ("retry_after", "words"),
    [
        (1, "1 second"),
        (42, "42 seconds"),
        (119, "119 seconds"),
        (600, "10 minutes"),
        (601, "11 minutes"),
        (7200, "2 hours"),
        (86_000, "24 hours"),
    ],
)
def test_a_429_message_says_when_to_retry_rounded_up(retry_after, words):
    error = RateLimited("Too many codes.", retry_after=retry_after)
    assert error.message == f"Too many codes. Try again in {words}."
    assert error.headers["Retry-After"] == str(retry_after)
