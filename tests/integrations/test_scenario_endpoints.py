"""The Scenario endpoints end to end against the stand-in: connect, disconnect, send, status."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from aimg_site.api.errors import ErrorCode
from integrations.crypto import secret_decrypt
from integrations.models import ScenarioConnection, ScenarioUpload
from tests.support.assertions import assert_envelope
from tests.support.concurrency import race_calls
from tests.support.factories.library import ItemFactory

from .media import media_file, video_bytes


@pytest.fixture
def send(api, django_capture_on_commit_callbacks):
    """POST /sendToScenario and run the queued tasks on commit (eager Celery), as after a real commit."""

    def call(persona, ids):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/sendToScenario", persona=persona, body={"imageIDs": [str(i) for i in ids]})

    return call


def status(api, persona, ids):
    return api.get("/getScenarioStatus", persona=persona, imageIDs=[str(i) for i in ids])


# ---------------------------------------------------------------- connect / disconnect


def test_connecting_checks_the_key_once_and_stores_it_encrypted(api, owner, scenario, caplog):
    caplog.set_level(logging.DEBUG)
    response = api.post(
        "/connectScenario", persona=owner, body={"apiKey": scenario.api_key, "apiSecret": scenario.api_secret}
    )
    payload = assert_envelope(response).payload
    assert payload["connected"] is True and payload["connectedDate"]
    assert scenario.api_secret not in response.raw.content.decode()
    assert len(scenario.calls("GET", "/uploads/")) == 1
    row = ScenarioConnection.objects.get(user=owner.user)
    assert (
        scenario.api_key not in row.api_key_encrypted and scenario.api_secret not in row.api_secret_encrypted
    )
    assert secret_decrypt(row.api_secret_encrypted) == scenario.api_secret
    assert scenario.api_secret not in caplog.text and scenario.api_key not in caplog.text


def test_refused_credentials_are_a_400_and_nothing_is_stored(api, owner, scenario):
    response = api.post("/connectScenario", persona=owner, body={"apiKey": "wrong", "apiSecret": "wrong"})
    assert (
        response.status == 400
        and response.body["errorCode"] == ErrorCode.INTEGRATIONS_SCENARIO_CREDENTIALS_REFUSED
    )
    assert not ScenarioConnection.objects.filter(user=owner.user).exists()


def test_an_unreachable_scenario_is_a_503(api, owner, settings):
    settings.AIMG_SCENARIO_API_URL = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    settings.AIMG_SCENARIO_RETRY_ATTEMPTS = 1
    response = api.post("/connectScenario", persona=owner, body={"apiKey": "k", "apiSecret": "s"})
    assert response.status == 503


def test_connecting_again_replaces_the_key(api, owner, scenario, connect):
    connect(owner.user)
    scenario.api_secret = "rotated-secret"
    assert_envelope(
        api.post(
            "/connectScenario",
            persona=owner,
            body={"apiKey": scenario.api_key, "apiSecret": "rotated-secret"},
        )
    )
    rows = ScenarioConnection.objects.filter(user=owner.user)
    assert rows.count() == 1 and secret_decrypt(rows.get().api_secret_encrypted) == "rotated-secret"


def test_guests_cannot_connect(api, guest, scenario):
    response = api.post("/connectScenario", persona=guest, body={"apiKey": "k", "apiSecret": "s"})
    assert response.status == 401


def test_missing_fields_are_named(api, owner, scenario):
    response = api.post("/connectScenario", persona=owner, body={"apiKey": "k"})
    assert response.status == 400 and "apiSecret" in response.error


def test_the_connection_is_shown_without_its_secrets_and_can_be_removed(api, owner, other_user, connect):
    connect(owner.user)
    shown = assert_envelope(api.get("/getScenarioConnection", persona=owner)).payload
    assert shown["connected"] is True and set(shown) == {"connected", "connectedDate"}
    assert (
        assert_envelope(api.get("/getScenarioConnection", persona=other_user)).payload["connected"] is False
    )
    assert (
        assert_envelope(api.post("/disconnectScenario", persona=owner, body={})).payload["connected"] is False
    )
    assert not ScenarioConnection.objects.filter(user=owner.user).exists()
    assert assert_envelope(api.get("/getScenarioConnection", persona=owner)).payload["connected"] is False


# ---------------------------------------------------------------- send and status


def test_sending_items_uploads_each_once_and_reports_the_asset(api, owner, scenario, connect, send, settings):
    settings.AIMG_SCENARIO_PART_BYTES = 40  # an 8x8 PNG is ~80 bytes: several parts
    connect(owner.user)
    image = ItemFactory(owner=owner.user)
    video = ItemFactory(owner=owner.user, media=media_file(video_bytes("mp4"), "v.mp4"), mtype="video")
    payload = assert_envelope(send(owner, [image.pk, video.pk, image.pk])).payload
    assert payload["sendID"] and [row["imageID"] for row in payload["items"]] == [
        str(image.pk),
        str(video.pk),
    ]
    rows = assert_envelope(status(api, owner, [image.pk, video.pk])).payload
    assert [row["status"] for row in rows] == ["imported", "imported"]
    assert all(row["assetID"].startswith("asset_") for row in rows)
    assert len(scenario.imported()) == 2 and scenario.calls("POST", "/v1/uploads").count("/v1/uploads") == 2
    by_kind = {u["kind"]: u for u in scenario.uploads.values()}
    assert by_kind["video"]["contentType"] == "video/mp4" and by_kind["image"]["contentType"] == "image/png"
    assert by_kind["image"]["partsCount"] > 1
    assert scenario.file_of(by_kind["image"]["id"]) == image.media.open("rb").read()


def test_an_item_never_sent_has_status_none(api, owner):
    item = ItemFactory(owner=owner.user)
    (row,) = assert_envelope(status(api, owner, [item.pk])).payload
    assert row == {
        "imageID": str(item.pk),
        "status": "none",
        "assetID": None,
        "errorMessage": None,
        "sendID": None,
        "updatedDate": None,
    }


def test_another_users_item_is_a_404_to_send_and_to_read(api, owner, other_user, connect, send):
    connect(other_user.user)
    item = ItemFactory(owner=owner.user)
    assert send(other_user, [item.pk]).status == 404
    assert status(api, other_user, [item.pk]).status == 404
    assert not ScenarioUpload.objects.exists()


def test_another_users_public_item_cannot_be_sent(api, owner, other_user, connect, send):
    connect(other_user.user)
    public = ItemFactory(owner=owner.user, public=True)
    assert send(other_user, [public.pk]).status == 403
    assert status(api, other_user, [public.pk]).status == 404


def test_an_admin_sends_only_their_own_items(api, admin, owner, connect, send):
    connect(admin.user)
    assert send(admin, [ItemFactory(owner=owner.user).pk]).status == 404


def test_sending_without_a_connection_is_a_409(api, owner, send):
    response = send(owner, [ItemFactory(owner=owner.user).pk])
    assert (
        response.status == 409 and response.body["errorCode"] == ErrorCode.INTEGRATIONS_SCENARIO_NOT_CONNECTED
    )


def test_a_send_is_bounded(api, owner, connect, send, settings):
    settings.AIMG_SCENARIO_MAX_ITEMS_PER_SEND = 2
    connect(owner.user)
    items = [ItemFactory(owner=owner.user) for _ in range(3)]
    response = send(owner, [i.pk for i in items])
    assert response.status == 400 and "at most 2" in response.error
    assert not ScenarioUpload.objects.exists()


def test_guests_and_anonymous_sessions_are_refused(api, guest, owner):
    item = ItemFactory(owner=owner.user)
    assert api.post("/sendToScenario", persona=guest, body={"imageIDs": [str(item.pk)]}).status == 401
    assert status(api, guest, [item.pk]).status == 401


def test_bad_ids_are_named(api, owner):
    response = api.post("/sendToScenario", persona=owner, body={"imageIDs": ["nope"]})
    assert response.status == 400 and "imageIDs" in response.error
    response = api.post("/sendToScenario", persona=owner, body={"imageIDs": []})
    assert response.status == 400 and "imageIDs" in response.error


def test_a_failed_import_shows_scenarios_reason(api, owner, scenario, connect, send):
    scenario.fail_with = "The file is corrupted"
    connect(owner.user)
    item = ItemFactory(owner=owner.user)
    assert_envelope(send(owner, [item.pk]))
    (row,) = assert_envelope(status(api, owner, [item.pk])).payload
    assert row["status"] == "failed" and row["errorMessage"] == "Scenario: The file is corrupted"
    assert row["assetID"] is None


def test_sending_again_makes_a_new_upload_and_status_shows_the_latest(api, owner, scenario, connect, send):
    connect(owner.user)
    item = ItemFactory(owner=owner.user)
    first = assert_envelope(send(owner, [item.pk])).payload["sendID"]
    second = assert_envelope(send(owner, [item.pk])).payload["sendID"]
    (row,) = assert_envelope(status(api, owner, [item.pk])).payload
    assert row["sendID"] == second != first and len(scenario.imported()) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_connects_at_once_leave_one_connection(owner, scenario):
    from integrations.scenario.services import scenario_connect

    race_calls(
        [
            lambda: scenario_connect(
                user=owner.user, api_key=scenario.api_key, api_secret=scenario.api_secret
            ),
            lambda: scenario_connect(
                user=owner.user, api_key=scenario.api_key, api_secret=scenario.api_secret
            ),
        ]
    )
    assert ScenarioConnection.objects.filter(user=owner.user).count() == 1
