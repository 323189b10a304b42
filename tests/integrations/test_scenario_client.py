"""The Scenario client against the stand-in: the documented flow, its errors and its retries."""

from __future__ import annotations

import email.utils
import time

import pytest

from integrations.scenario.client import (
    ScenarioAuthError,
    ScenarioClient,
    ScenarioPartExpired,
    ScenarioPermanentError,
    ScenarioTransientError,
    parse_retry_after,
)

from .servers import Fault


@pytest.fixture
def slept():
    return []


@pytest.fixture
def client(scenario, slept):
    return ScenarioClient(
        api_key=scenario.api_key,
        api_secret=scenario.api_secret,
        attempts=3,
        backoff_base=0.01,
        sleep=slept.append,
    )


def upload_bytes(client, data: bytes, part_size: int, kind="image"):
    parts = -(-len(data) // part_size)
    state = client.create_upload(
        file_name="fox.png", content_type="image/png", file_size=len(data), parts=parts, kind=kind
    )
    for part in state.parts:
        client.put_part(part, data[(part.number - 1) * part_size : part.number * part_size])
    client.complete_upload(state.id)
    return state


def test_it_uploads_a_file_in_parts_and_waits_for_the_asset(scenario, client):
    data = bytes(range(256)) * 10
    state = upload_bytes(client, data, part_size=1000)
    assert len(state.parts) == 3 and state.status == "pending"
    assert scenario.file_of(state.id) == data
    done = client.wait_for_upload(state.id, timeout=2, interval=0.01)
    assert done.status == "imported" and done.entity_id.startswith("asset_") and done.finished


def test_it_sends_the_documented_bodies_with_basic_auth(scenario, client):
    upload_bytes(client, b"abc", part_size=10)
    (method, path, headers), *_ = scenario.requests
    assert (method, path) == ("POST", "/v1/uploads")
    assert headers["Authorization"].startswith("Basic ")
    put = next(h for m, p, h in scenario.requests if m == "PUT")
    assert "Authorization" not in put  # presigned URLs carry their own signature
    assert (
        scenario.calls("POST", "/action")
        and scenario.uploads[next(iter(scenario.uploads))]["status"] == "validating"
    )


def test_wrong_credentials_are_an_auth_error(scenario):
    bad = ScenarioClient(api_key="nope", api_secret="nope", attempts=1)
    with pytest.raises(ScenarioAuthError):
        bad.check_credentials()
    with pytest.raises(ScenarioAuthError):
        bad.get_upload("anything")


def test_valid_credentials_pass_the_check(scenario, client):
    client.check_credentials()  # the probe id is unknown: a 404 means the key was accepted
    assert scenario.calls("GET", "/uploads/")


def test_5xx_answers_are_retried_with_backoff(scenario, client, slept):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=502, times=2))
    state = client.create_upload(
        file_name="a.png", content_type="image/png", file_size=3, parts=1, kind="image"
    )
    assert state.id and len(scenario.calls("POST", "/v1/uploads")) == 3
    assert len(slept) == 2 and slept[1] > slept[0] - 0.01  # exponential, with jitter


def test_a_dropped_connection_is_retried(scenario, client):
    scenario.faults.append(Fault("GET", "/uploads/", drop=True))
    upload = upload_bytes(client, b"abc", part_size=10)
    assert client.get_upload(upload.id).id == upload.id


def test_a_429_waits_as_long_as_retry_after_says(scenario, client, slept):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=429, headers={"Retry-After": "3"}))
    client.create_upload(file_name="a.png", content_type="image/png", file_size=3, parts=1, kind="image")
    assert slept == [3.0]


def test_a_429_asking_for_longer_than_the_cap_is_left_to_the_task(scenario, client, slept):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=429, headers={"Retry-After": "120"}))
    with pytest.raises(ScenarioTransientError) as caught:
        client.create_upload(file_name="a.png", content_type="image/png", file_size=3, parts=1, kind="image")
    assert caught.value.retry_after == 120 and slept == []
    assert len(scenario.calls("POST", "/v1/uploads")) == 1


def test_persistent_5xx_gives_up_after_the_attempts_with_a_transient_error(scenario, client):
    scenario.faults.append(Fault("GET", "/uploads/", status=503, times=10))
    with pytest.raises(ScenarioTransientError, match="HTTP 503"):
        client.get_upload("upload_x")
    assert len(scenario.calls("GET", "/uploads/")) == 3


def test_other_4xx_are_permanent_and_readable(scenario, client):
    with pytest.raises(ScenarioPermanentError, match="parts must be between 1 and 10000") as caught:
        client.create_upload(file_name="a.png", content_type="image/png", file_size=3, parts=0, kind="image")
    assert caught.value.status == 400
    assert len(scenario.calls("POST", "/v1/uploads")) == 1  # not retried


def test_completing_before_every_part_arrived_is_refused(scenario, client):
    state = client.create_upload(
        file_name="a.png", content_type="image/png", file_size=20, parts=2, kind="image"
    )
    client.put_part(state.parts[0], b"x" * 10)
    with pytest.raises(ScenarioPermanentError, match="Missing parts"):
        client.complete_upload(state.id)


def test_an_expired_part_url_is_reported_as_such(scenario, client):
    scenario.expire_next_uploads = 1
    state = client.create_upload(
        file_name="a.png", content_type="image/png", file_size=3, parts=1, kind="image"
    )
    with pytest.raises(ScenarioPartExpired):
        client.put_part(state.parts[0], b"abc")


def test_a_failed_import_is_finished_with_scenarios_message(scenario, client):
    scenario.fail_with = "Unsupported image"
    state = upload_bytes(client, b"abc", part_size=10)
    done = client.wait_for_upload(state.id, timeout=2, interval=0.01)
    assert done.status == "failed" and done.error_message == "Unsupported image" and done.finished


def test_waiting_stops_at_the_timeout_with_the_last_state(scenario, client):
    scenario.polls_until_done = 10_000
    state = upload_bytes(client, b"abc", part_size=10)
    done = client.wait_for_upload(state.id, timeout=0.05, interval=0.01, clock=time.monotonic)
    assert done.status == "validating" and not done.finished


def test_an_answer_without_an_upload_is_permanent(scenario, client):
    scenario.faults.append(Fault("GET", "/uploads/", status=200, body={"unexpected": True}))
    with pytest.raises(ScenarioPermanentError, match="no upload"):
        client.get_upload("upload_x")


def test_the_client_never_shows_the_secret():
    client = ScenarioClient(api_key="k", api_secret="very-secret-value", attempts=1)
    assert "very-secret-value" not in repr(client)


def test_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    now = time.time()
    assert 29 <= parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) <= 31
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
