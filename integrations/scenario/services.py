"""Writes of the Scenario flow: connect, disconnect, send Items, and run one Item's upload.

An upload (``ScenarioUpload``) goes queued → uploading → processing → imported | failed. The
task that runs it claims the row with a conditional update setting a lease, so a redelivered
task (``acks_late``) does nothing while another holds it, and resumes from what is recorded once
a dead worker's lease has expired: with no Scenario upload id it creates one; with one, it asks
Scenario where that upload stands first, and only re-sends the parts of an upload that is still
``pending`` (PUTting a part again replaces it), so no Item is ever imported twice for one send.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import BadRequest, Conflict, ServiceUnavailable
from aimg_site.core.scoping import domain_context
from integrations.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from integrations.media import MediaUnreadable, media_probe
from integrations.models import (
    ACTIVE_UPLOAD_STATUSES,
    ScenarioConnection,
    ScenarioSend,
    ScenarioUpload,
    UploadStatus,
)
from integrations.selectors import owned_items_for_export

from .client import (
    ScenarioAuthError,
    ScenarioClient,
    ScenarioPartExpired,
    ScenarioPermanentError,
    ScenarioTransientError,
    ScenarioUploadState,
)

logger = logging.getLogger("aimg.integrations.scenario")

#: Scenario's own bound on ``parts``.
MAX_PARTS = 10_000
ClientFactory = Callable[..., ScenarioClient]


def _client(api_key: str, api_secret: str) -> ScenarioClient:
    return ScenarioClient(api_key=api_key, api_secret=api_secret)


def _checking_client(api_key: str, api_secret: str) -> ScenarioClient:
    """One attempt only: the check runs inside a request, which must not wait through backoffs."""
    return ScenarioClient(api_key=api_key, api_secret=api_secret, attempts=1)


# ---------------------------------------------------------------- connection


def scenario_connect(
    *, user, api_key: str, api_secret: str, client_factory: ClientFactory = _checking_client
) -> ScenarioConnection:
    """Check the key and secret against Scenario once, then store them encrypted (replacing any).

    400 (``INTEGRATIONS_SCENARIO_CREDENTIALS_REFUSED``) when Scenario refuses them, 503 when it
    cannot be reached.
    """
    client = client_factory(api_key, api_secret)
    try:
        client.check_credentials()
    except ScenarioAuthError as exc:
        raise BadRequest(
            "Scenario refused this API key and secret.",
            error_code=ErrorCode.INTEGRATIONS_SCENARIO_CREDENTIALS_REFUSED,
        ) from exc
    except ScenarioTransientError as exc:
        raise ServiceUnavailable("Scenario cannot be reached to check the key. Try again later.") from exc
    except ScenarioPermanentError as exc:
        raise ServiceUnavailable(f"Scenario could not check the key: {exc.message}") from exc
    now = timezone.now()
    with transaction.atomic():
        connection, _created = ScenarioConnection.objects.update_or_create(
            user=user,
            defaults={
                "api_key_encrypted": secret_encrypt(api_key),
                "api_secret_encrypted": secret_encrypt(api_secret),
                "updated_at": now,
            },
            create_defaults={
                "api_key_encrypted": secret_encrypt(api_key),
                "api_secret_encrypted": secret_encrypt(api_secret),
                "created_at": now,
                "updated_at": now,
            },
        )
    return connection


def scenario_disconnect(*, user) -> bool:
    """Forget the user's Scenario key and secret; uploads not yet done then fail. False if none."""
    deleted, _ = ScenarioConnection.objects.filter(user=user).delete()
    return deleted > 0


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendResult:
    send: ScenarioSend
    uploads: list[ScenarioUpload]


def scenario_send_create(*, user, item_ids: list[uuid.UUID]) -> SendResult:
    """Queue one upload per chosen Item (duplicates dropped), each run by its own task.

    The rows and the send are written in one transaction; the tasks are enqueued after commit.
    409 when the user has not connected Scenario; 404/403/409 for an item that is not theirs,
    missing or not completed (``owned_items_for_export``).
    """
    ids = list(dict.fromkeys(item_ids))
    limit = settings.AIMG_SCENARIO_MAX_ITEMS_PER_SEND
    if len(ids) > limit:
        raise BadRequest(f"Parameter 'imageIDs' holds {len(ids)} items; at most {limit} can be sent at once.")
    if not ScenarioConnection.objects.filter(user=user).exists():
        raise Conflict(
            "Connect your Scenario account first (connectScenario).",
            error_code=ErrorCode.INTEGRATIONS_SCENARIO_NOT_CONNECTED,
        )
    items = owned_items_for_export(viewer=user, item_ids=ids)
    with transaction.atomic():
        send = ScenarioSend.objects.create(user=user)
        uploads = ScenarioUpload.objects.bulk_create(
            [ScenarioUpload(send=send, item=item, user=user) for item in items]
        )
        upload_ids = [str(upload.pk) for upload in uploads]

        def enqueue() -> None:
            from integrations.tasks import scenario_upload

            for upload_id in upload_ids:
                scenario_upload.delay(upload_id)

        transaction.on_commit(enqueue)
    return SendResult(send=send, uploads=uploads)


# ---------------------------------------------------------------- one upload (the task's body)


def _lease_seconds() -> int:
    return int(settings.CELERY_TASK_TIME_LIMIT) + 60


def _claim(upload_id: uuid.UUID) -> bool:
    now = timezone.now()
    claimed = (
        ScenarioUpload.objects.filter(pk=upload_id, status__in=ACTIVE_UPLOAD_STATUSES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + timedelta(seconds=_lease_seconds()), attempts=F("attempts") + 1, updated_at=now
        )
    )
    return claimed == 1


def _save(upload: ScenarioUpload, **fields) -> None:
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(upload, name, value)
    ScenarioUpload.objects.filter(pk=upload.pk).update(**fields)


def _finish(upload: ScenarioUpload, state: ScenarioUploadState) -> str:
    if state.status == "failed":
        message = state.error_message or "Scenario could not import the file."
        _save(upload, status=UploadStatus.FAILED, error_message=f"Scenario: {message}", lease_until=None)
        return UploadStatus.FAILED
    _save(
        upload,
        status=UploadStatus.IMPORTED,
        asset_id=state.entity_id,
        scenario_upload_id=state.id,
        error_message="",
        lease_until=None,
    )
    return UploadStatus.IMPORTED


def scenario_upload_fail(*, upload_id: uuid.UUID, message: str) -> None:
    """Mark an unfinished upload failed with ``message`` (for the user to read)."""
    ScenarioUpload.objects.filter(pk=upload_id, status__in=ACTIVE_UPLOAD_STATUSES).update(
        status=UploadStatus.FAILED, error_message=message, lease_until=None, updated_at=timezone.now()
    )


def _send_parts(
    upload: ScenarioUpload, client: ScenarioClient, state: ScenarioUploadState, size: int, part_bytes: int
) -> None:
    with default_storage.open(upload.item.media.name or "", "rb") as handle:
        for part in state.parts:
            handle.seek((part.number - 1) * part_bytes)
            data = handle.read(part_bytes)
            client.put_part(part, data)
    logger.info(
        "scenario parts sent", extra={"upload": str(upload.pk), "parts": len(state.parts), "bytes": size}
    )


def _upload_file(upload: ScenarioUpload, client: ScenarioClient) -> ScenarioUploadState:
    """Create Scenario's upload, send its parts (once more on a new upload if the URLs expired), complete."""
    item = upload.item
    facts = media_probe(item.media.name or "")
    part_bytes = max(1, settings.AIMG_SCENARIO_PART_BYTES)
    parts = max(1, math.ceil(facts.size / part_bytes))
    if parts > MAX_PARTS:
        part_bytes = math.ceil(facts.size / MAX_PARTS)
        parts = math.ceil(facts.size / part_bytes)
    for attempt in (1, 2):
        state = client.create_upload(
            file_name=f"{item.pk}.{facts.extension}",
            content_type=facts.content_type,
            file_size=facts.size,
            parts=parts,
            kind="video" if facts.kind == "video" else "image",
        )
        _save(upload, scenario_upload_id=state.id, status=UploadStatus.UPLOADING)
        try:
            _send_parts(upload, client, state, facts.size, part_bytes)
            break
        except ScenarioPartExpired:
            if attempt == 2:
                raise ScenarioTransientError("Scenario's upload URLs expired twice in a row.") from None
            logger.info("scenario part URLs expired; starting a new upload", extra={"upload": str(upload.pk)})
    completed = client.complete_upload(state.id)
    _save(upload, status=UploadStatus.PROCESSING)
    return completed


def _advance(upload: ScenarioUpload, client: ScenarioClient) -> ScenarioUploadState:
    if upload.scenario_upload_id:
        state = client.get_upload(upload.scenario_upload_id)
        if state.finished:
            return state
        if state.status != "pending":  # validating / validated: completion was triggered
            if upload.status != UploadStatus.PROCESSING:
                _save(upload, status=UploadStatus.PROCESSING)
            return state
        # Still pending: our parts may be partial and their URLs stale; a fresh upload is safe
        # (the old one is never completed, so it never becomes an asset).
    return _upload_file(upload, client)


def scenario_upload_run(*, upload_id: uuid.UUID) -> str:
    """Run (or resume) one Item's upload; returns the status it reached, or ``"skipped"``.

    ``ScenarioTransientError`` propagates with the row released for a later retry; permanent
    failures mark the row failed with a readable message.
    """
    send = ScenarioSend.all_domains.select_related("domain").filter(uploads__pk=upload_id).first()
    if send is None:
        return "missing"
    with domain_context(send.domain):
        if not _claim(upload_id):
            return "skipped"
        upload = ScenarioUpload.objects.select_related("item", "user").get(pk=upload_id)
        if upload.item.deleted_at is not None:
            scenario_upload_fail(upload_id=upload_id, message="The item was deleted before it was sent.")
            return UploadStatus.FAILED
        connection = ScenarioConnection.objects.filter(user_id=upload.user_id).first()
        if connection is None:
            scenario_upload_fail(
                upload_id=upload_id, message="Scenario was disconnected before the item was sent."
            )
            return UploadStatus.FAILED
        try:
            client = _client(
                secret_decrypt(connection.api_key_encrypted), secret_decrypt(connection.api_secret_encrypted)
            )
        except SecretUnreadable:
            scenario_upload_fail(
                upload_id=upload_id, message="The stored Scenario key cannot be read; connect Scenario again."
            )
            return UploadStatus.FAILED
        try:
            state = _advance(upload, client)
            if not state.finished:
                state = client.wait_for_upload(
                    state.id,
                    timeout=settings.AIMG_SCENARIO_POLL_SECONDS,
                    interval=settings.AIMG_SCENARIO_POLL_INTERVAL_SECONDS,
                )
            if not state.finished:
                raise ScenarioTransientError(
                    "Scenario is still processing the file.", retry_after=settings.AIMG_SCENARIO_POLL_SECONDS
                )
            return _finish(upload, state)
        except ScenarioTransientError as exc:
            _save(upload, lease_until=None, error_message=f"Retrying: {exc.message}")
            raise
        except ScenarioAuthError:
            scenario_upload_fail(
                upload_id=upload_id,
                message="Scenario refused the stored API key and secret; connect Scenario again.",
            )
            return UploadStatus.FAILED
        except ScenarioPermanentError as exc:
            scenario_upload_fail(upload_id=upload_id, message=exc.message)
            return UploadStatus.FAILED
        except ScenarioPartExpired as exc:  # pragma: no cover - _upload_file turns it into a retry
            scenario_upload_fail(upload_id=upload_id, message=exc.message)
            return UploadStatus.FAILED
        except MediaUnreadable as exc:
            scenario_upload_fail(upload_id=upload_id, message=f"The item's file cannot be read: {exc}")
            return UploadStatus.FAILED
        except BaseException:
            _save(upload, lease_until=None)
            raise
