"""Civitai post intents: the intent endpoint, the signed media and details links, the limits."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from aimg_site.api.errors import ErrorCode
from generation.catalog import catalog_load
from generation.models import GenerationJob, GenerationModel, JobStatus
from integrations.civitai import links
from integrations.civitai.client import intent_url
from integrations.media import media_probe
from library.models import GeneratorVersion
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import ItemFactory, TagFactory
from tests.support.time import CLOCK_SLACK, when

from .media import image_bytes, media_file, video_bytes


def intent(api, persona, item, **params):
    return api.get("/getCivitaiPostIntent", persona=persona, imageID=str(item.pk), **params)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def token_of(url: str) -> str:
    return query_of(url)["token"]


@pytest.fixture
def item(owner):
    made = ItemFactory(
        owner=owner.user,
        prompt="a red fox, in the snow & moonlight",
        model_id="f222",
        model_name="F222",
        seed=42,
        steps=30,
        cfgscale=6.5,
        sampler="Euler a",
        width=8,
        height=8,
    )
    for name in ("fox", "snow", "winter", "night", "moon", "extra"):
        made.tag_links.create(tag=TagFactory(name=name.lower()))
    return made


# ---------------------------------------------------------------- the intent


def test_the_owner_gets_an_intent_url_with_every_documented_parameter(api, owner, item):
    payload = assert_envelope(intent(api, owner, item)).payload
    url = payload["intentUrl"]
    assert url.startswith("https://civitai.com/intent/post?")
    params = query_of(url)
    assert params["mediaUrl"] == payload["mediaUrl"] and params["detailsUrl"] == payload["detailsUrl"]
    assert params["title"] == "a red fox, in the snow & moonlight"
    assert params["description"] == item.prompt
    assert params["tags"] == "fox,snow,winter,night,moon"  # at most 5, deduplicated
    # Correctly encoded: spaces are %20, the nested URLs' own & ? = are escaped.
    raw = urlsplit(url).query
    assert "%20" in raw and "+" not in raw and raw.count("&") == 4 and "%26" in raw
    assert payload["mediaUrl"].startswith("http://api.freejourney.ai/getCivitaiMedia?token=")
    expires = payload["expiresDate"]
    assert expires.endswith("Z") or "+00:00" in expires


def test_title_description_and_extra_tags_can_be_given(api, owner, item):
    payload = assert_envelope(
        intent(api, owner, item, title="My fox", description="Made with care", tags="Forest, fox ,art")
    ).payload
    params = query_of(payload["intentUrl"])
    assert params["title"] == "My fox" and params["description"] == "Made with care"
    assert params["tags"] == "Forest,fox,art,snow,winter"


def test_the_intent_url_encoder_keeps_every_value_intact():
    url = intent_url(
        media_url="https://x.test/m?a=1&b=2",
        title="50% off: yes/no?",
        tags=["a,b", "c"],
        details_url="https://x.test/d",
    )
    params = query_of(url)
    assert params == {
        "mediaUrl": "https://x.test/m?a=1&b=2",
        "title": "50% off: yes/no?",
        "tags": "a b,c",
        "detailsUrl": "https://x.test/d",
    }


def test_another_users_private_item_is_a_404(api, other_user, item):
    response = intent(api, other_user, item)
    assert response.status == 404 and response.body["hasError"] is True


def test_a_guest_gets_a_404_for_a_private_item(api, guest, item):
    assert intent(api, guest, item).status == 404


def test_another_users_public_item_is_a_403(api, other_user, owner):
    public = ItemFactory(owner=owner.user, public=True)
    response = intent(api, other_user, public)
    assert response.status == 403 and "owner" in response.error


def test_an_admin_is_not_the_owner_either(api, admin, item):
    assert intent(api, admin, item).status == 404


def test_a_deleted_item_is_a_404(api, owner):
    deleted = ItemFactory(owner=owner.user, deleted=True)
    assert intent(api, owner, deleted).status == 404


def test_an_item_whose_generation_is_not_completed_is_a_409(api, owner, domain):
    catalog_load(domain=domain)
    queued = ItemFactory(owner=owner.user)
    GenerationJob.objects.create(item=queued, user=owner.user, model=GenerationModel.objects.get(name="f222"))
    response = intent(api, owner, queued)
    assert response.status == 409 and response.body["errorCode"] == ErrorCode.INTEGRATIONS_ITEM_NOT_COMPLETED
    GenerationJob.objects.filter(item=queued).update(status=JobStatus.COMPLETED)
    assert intent(api, owner, queued).status == 200


def test_bad_input_names_the_parameter(api, owner):
    response = api.get("/getCivitaiPostIntent", persona=owner, imageID="not-a-uuid")
    assert response.status == 400 and "imageID" in response.error
    response = api.get("/getCivitaiPostIntent", persona=owner)
    assert response.status == 400 and "imageID" in response.error


# ---------------------------------------------------------------- the limits


@pytest.mark.parametrize(
    ("data", "name", "mtype", "limit"),
    [
        (image_bytes("GIF"), "a.gif", "image", "png, jpg, jpeg and webp"),
        (image_bytes("BMP"), "a.png", "image", "png, jpg, jpeg and webp"),  # the name lies: the bytes decide
        (video_bytes("mov"), "a.mp4", "video", "mp4 and webm"),
        (video_bytes("mkv"), "a.webm", "video", "mp4 and webm"),
        (video_bytes("mp4", seconds=121, fps=1), "a.mp4", "video", "120 seconds"),
        (video_bytes("mp4", width=4096, height=2160, seconds=1, fps=1), "a.mp4", "video", "4K"),
        (video_bytes("webm", width=2176, height=3840, seconds=1, fps=1), "a.webm", "video", "4K"),
    ],
)
def test_media_outside_civitais_limits_is_a_400_naming_the_limit(api, owner, data, name, mtype, limit):
    made = ItemFactory(owner=owner.user, media=media_file(data, name), mtype=mtype)
    response = intent(api, owner, made)
    assert response.status == 400 and limit in response.error
    assert response.body["errorCode"] == ErrorCode.INTEGRATIONS_CIVITAI_MEDIA_LIMIT


@pytest.mark.parametrize(
    ("data", "name", "mtype", "content_type"),
    [
        (image_bytes("JPEG"), "a.jpg", "image", "image/jpeg"),
        (image_bytes("WEBP"), "a.webp", "image", "image/webp"),
        (video_bytes("mp4", seconds=120, fps=1), "a.mp4", "video", "video/mp4"),
        (video_bytes("webm", width=3840, height=2160, seconds=1, fps=1), "a.webm", "video", "video/webm"),
    ],
)
def test_media_within_the_limits_is_offered_and_served_with_its_real_type(
    api, owner, data, name, mtype, content_type
):
    made = ItemFactory(owner=owner.user, media=media_file(data, name), mtype=mtype)
    payload = assert_envelope(intent(api, owner, made)).payload
    served = ApiClient().client.get(
        urlsplit(payload["mediaUrl"]).path, {"token": token_of(payload["mediaUrl"])}
    )
    assert served.status_code == 200 and served["Content-Type"] == content_type
    assert b"".join(served.streaming_content) == data


def test_an_image_over_50_mb_is_refused_from_the_stored_size(api, owner):
    made = ItemFactory(owner=owner.user)
    with open(default_storage.path(made.media.name), "r+b") as handle:  # sparse: no 50 MB written
        handle.seek(50 * 1000 * 1000)
        handle.write(b"\0")
    assert media_probe(made.media.name).format == "png"
    response = intent(api, owner, made)
    assert response.status == 400 and "50 MB" in response.error


def test_a_video_over_500_mb_is_refused(api, owner):
    made = ItemFactory(owner=owner.user, media=media_file(video_bytes("mp4"), "a.mp4"), mtype="video")
    with open(default_storage.path(made.media.name), "r+b") as handle:
        handle.seek(500 * 1000 * 1000)
        handle.write(b"\0")
    response = intent(api, owner, made)
    assert response.status == 400 and "500 MB" in response.error
    os.truncate(default_storage.path(made.media.name), 0)


# ---------------------------------------------------------------- the media link


@pytest.fixture
def links_of(api, owner, item):
    payload = assert_envelope(intent(api, owner, item)).payload
    return payload


def fetch(path_url: str, *, host="api.freejourney.ai", **headers):
    client = ApiClient(host=host).client
    parts = urlsplit(path_url)
    return client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, headers=headers)


def test_the_media_link_works_without_a_session_with_cors_and_the_real_type(links_of, item):
    response = fetch(links_of["mediaUrl"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Accept-Ranges"] == "bytes"
    body = b"".join(response.streaming_content)
    assert body == default_storage.open(item.media.name).read()


def test_the_media_link_serves_byte_ranges(links_of, item):
    data = default_storage.open(item.media.name).read()
    response = fetch(links_of["mediaUrl"], Range="bytes=2-9")
    assert response.status_code == 206 and response["Content-Range"] == f"bytes 2-9/{len(data)}"
    assert b"".join(response.streaming_content) == data[2:10]
    suffix = fetch(links_of["mediaUrl"], Range="bytes=-4")
    assert b"".join(suffix.streaming_content) == data[-4:]
    beyond = fetch(links_of["mediaUrl"], Range=f"bytes={len(data) + 5}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"


def test_a_tampered_link_is_a_404_envelope(links_of):
    token = token_of(links_of["mediaUrl"])
    response = fetch(f"/getCivitaiMedia?token={token[:-3]}abc")
    assert response.status_code == 404 and response.json()["hasError"] is True


def test_a_details_token_does_not_open_the_media_and_back(links_of):
    assert fetch(f"/getCivitaiMedia?token={token_of(links_of['detailsUrl'])}").status_code == 404
    assert fetch(f"/getCivitaiPostDetails?token={token_of(links_of['mediaUrl'])}").status_code == 404


def test_an_expired_link_is_a_410_envelope(item, settings):
    issued = links.link_token(item=item, kind=links.MEDIA)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 25 * 3600):
        response = fetch(f"/getCivitaiMedia?token={issued}")
    assert response.status_code == 410
    assert response.json()["errorCode"] == ErrorCode.INTEGRATIONS_LINK_EXPIRED
    settings.AIMG_CIVITAI_LINK_SECONDS = 25 * 3600
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 24.5 * 3600):
        assert fetch(f"/getCivitaiMedia?token={issued}").status_code == 200


def test_the_answer_says_when_the_links_expire(api, owner, item, settings):
    settings.AIMG_CIVITAI_LINK_SECONDS = 3600
    payload = assert_envelope(intent(api, owner, item)).payload
    expected = timezone.now() + timedelta(seconds=3600)
    assert abs(when(payload["expiresDate"]) - expected) < CLOCK_SLACK


def test_a_link_dies_with_its_item(links_of, item):
    item.deleted_at = item.completed_at
    item.save(update_fields=["deleted_at"])
    assert fetch(links_of["mediaUrl"]).status_code == 404
    assert fetch(links_of["detailsUrl"]).status_code == 404


def test_a_link_does_not_work_on_another_domains_host(links_of):
    assert fetch(links_of["mediaUrl"], host="api.sexy.ai").status_code == 404


def test_a_link_without_a_token_is_a_400(api):
    response = fetch("/getCivitaiMedia")
    assert response.status_code == 400 and "token" in response.json()["errorMessage"]


# ---------------------------------------------------------------- the details link


def test_the_details_link_answers_civitais_json(links_of, item):
    response = fetch(links_of["detailsUrl"])
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert set(body) == {"source", "createUrl", "referenceUrl", "details"}  # Civitai's shape, no envelope
    assert body["source"] == {
        "name": item.domain.display_name,
        "homepage": item.domain.frontend_url.rstrip("/"),
    }
    assert body["createUrl"].startswith(item.domain.frontend_url.rstrip("/"))
    assert "prompt=a%20red%20fox" in body["createUrl"]
    details = body["details"]
    assert details["model"] == "F222" and details["steps"] == 30 and details["seed"] == 42
    assert details["sampler"] == "Euler a" and details["cfgScale"] == 6.5 and details["size"] == "8x8"
    assert len(details) <= 10
    assert all(isinstance(v, str | int | float | bool) for v in details.values())


def test_details_hold_at_most_ten_values_and_the_workflow_template(owner):
    from integrations.civitai.selectors import civitai_details_values

    made = ItemFactory(
        owner=owner.user,
        generator_version=GeneratorVersion.WORKFLOWS,
        workflow_template_name="Portrait v2",
        negprompt="blurry",
        lora=["detail-tweaker", {"bad": 1}],
        restore_faces=True,
        width=512,
        height=768,
    )
    details = civitai_details_values(item=made)
    assert details["workflowTemplate"] == "Portrait v2" and details["lora"] == "detail-tweaker"
    assert len(details) == 10


def test_a_public_items_details_link_to_its_page(api, owner):
    public = ItemFactory(owner=owner.user, public=True)
    payload = assert_envelope(intent(api, owner, public)).payload
    body = fetch(payload["detailsUrl"]).json()
    assert body["referenceUrl"].endswith(f"/image/{public.pk}")


def test_the_media_of_a_head_request_is_not_sent(api, owner):
    item = ItemFactory(owner=owner.user)
    url = assert_envelope(api.get("/getCivitaiPostIntent", persona=owner, imageID=str(item.pk))).payload[
        "mediaUrl"
    ]
    parts = urlsplit(url)
    response = ApiClient().client.head(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
    assert response.status_code == 200 and int(response["Content-Length"]) == item.media.size
    assert b"".join(response.streaming_content) == b""
