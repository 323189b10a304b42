"""uploadFile, getFile, getFileMetadata, removeFile: the file server on django-storages."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser

from aimg_site.api.exceptions import BadRequest, InvalidParameter, NotFound
from aimg_site.api.schema import ErrorEnvelope
from aimg_site.api.views import AdminPolicy, ApiView, Caller, SessionPolicy

from . import imaging, legacy, renditions, selectors, services, serving, store
from .serializers import (
    FileIdQuery,
    FileMetadataOutput,
    GetFileQuery,
    RemoveFileOutput,
    UploadFileInput,
    parse_get_file_query,
)
from .sniffing import RESIZABLE, sniff_mime
from .upload import HashingUploadHandler


def public_url_builder(request):
    """id -> the absolute getFile URL (``AIMG_PUBLIC_BASE_URL``, else the request's own origin)."""
    base = (settings.AIMG_PUBLIC_BASE_URL or request.build_absolute_uri("/")).rstrip("/")
    return lambda file_id: f"{base}/getFile?id={quote(file_id, safe='')}"


class _AdminFileApi(ApiView):
    session_policy = SessionPolicy.NONE
    admin_policy = AdminPolicy.REQUIRED
    caller = Caller.ANYONE
    tags = ("technical",)

    def metadata(self, stored):
        return self.respond(stored, context={"public_url": public_url_builder(self.request)})


class UploadFileApi(_AdminFileApi):
    """Store a file (Admins; multipart/form-data with ``file``).

    The body streams to a temporary file on disk (never held in memory) while its sha256 is
    computed; the MIME type is sniffed from the bytes. Files over ``AIMG_MAX_FILE_BYTES`` are a
    413; a taken ``id`` a 409; ``customMetadata`` must be a JSON object.
    """

    operation_id = "uploadFile"
    parser_classes = [MultiPartParser]
    body_serializer = UploadFileInput
    output_serializer = FileMetadataOutput
    audit_action = "uploadFile"
    errors = (409,)

    def initial(self, request, *args, **kwargs):
        django_request = getattr(request, "_request", request)
        django_request.upload_handlers = [HashingUploadHandler(django_request)]
        super().initial(request, *args, **kwargs)

    def post(self, request):
        data = self.input()
        upload = data["file"]
        if not hasattr(upload, "sha256"):  # pragma: no cover - only HashingUploadHandler is installed
            raise InvalidParameter("file", "was not received as a file")
        custom = None
        if "customMetadata" in data:
            try:
                custom = json.loads(data["customMetadata"])
            except (ValueError, RecursionError):
                raise InvalidParameter("customMetadata", "must be a JSON object (as text)") from None
            if not isinstance(custom, dict):
                raise InvalidParameter("customMetadata", "must be a JSON object, not another JSON value")
        stored = services.file_store(
            upload=upload,
            sha256=upload.sha256,
            content_type=sniff_mime(upload.head),
            file_name=data.get("filename") or upload.name or "file",
            file_id=data.get("id"),
            custom_metadata=custom,
            owner=self.identity.admin_key.user if self.identity.admin_key else None,
        )
        self.audit(stored, fileSize=stored.size, contentType=stored.content_type)
        return self.metadata(stored)


_BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes, with its real Content-Type.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorEnvelope, description=description)


class GetFileApi(ApiView):
    """A file's bytes, inline, with its real Content-Type (no key needed: front ends show these files).

    ``ETag``/``Last-Modified`` with 304s, one byte range (206/416), CORS for any origin. The stored
    sha256 is checked unless ``skipChecksum`` (a damaged file is a 500, never served as whole).
    ``width``/``height`` (1 to 4096) and ``mode`` (``fit``: inside the box, the default; ``fill``:
    cover and crop) resize png, jpeg and gif files, never enlarging them; as the reference says,
    resizing does not check the source's checksum. Each rendition is kept in storage (with its own
    checksum: a damaged one is made again). ``fs=true`` also looks in the legacy file server
    (its resized images are kept in storage for a while too).
    """

    operation_id = "getFile"
    session_policy = SessionPolicy.NONE
    caller = Caller.ANYONE
    query_serializer = GetFileQuery
    tags = ("technical",)

    @extend_schema(
        responses={
            (200, "*/*"): _BINARY,
            (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The requested byte range."),
            304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
            (400, "application/json"): _error("Bad input; the message names the parameter."),
            (404, "application/json"): _error("No file has this id."),
            (414, "application/json"): _error("The request line is too long."),
            (416, "application/json"): _error("No byte of the file is in the requested range."),
            (500, "application/json"): _error("The stored file is damaged (errorCode 1702)."),
            (503, "application/json"): _error("The legacy file server failed (fs=true)."),
        }
    )
    def get(self, request):
        data = parse_get_file_query(request.query_params)
        file_id = data["id"]
        box = None
        if data.get("width") or data.get("height"):
            box = imaging.Box(
                width=data.get("width"), height=data.get("height"), mode=data.get("mode") or "fit"
            )
        elif "mode" in data:
            raise InvalidParameter("mode", "needs width or height")
        skip = bool(data.get("skipChecksum"))
        if box is not None:
            return self.rendition(file_id, box, fs=bool(data.get("fs")), skip_checksum=skip)
        stored = selectors.file_find(file_id=file_id)
        if stored is None:
            if not data.get("fs"):
                raise NotFound(selectors.FILE_NOT_FOUND)
            return self.legacy(file_id, None, skip_checksum=skip)
        return serving.serve(
            request,
            storage_name=stored.storage_name,
            size=stored.size,
            content_type=stored.content_type,
            file_name=stored.file_name,
            etag=f'"{stored.checksum}"',
            last_modified=stored.created_at,
            checksum=None if skip else stored.checksum,
        )

    def rendition(self, file_id: str, box: imaging.Box, *, fs: bool, skip_checksum: bool):
        """A resized image: from the cache's note (no SQL), else the database, else made now.

        The source's checksum is not checked when resizing (the reference says so), but each
        rendition is stored with its own, checked whenever it is served (unless ``skipChecksum``):
        a damaged (or vanished) rendition is dropped and made again, never served.
        """
        width, height = box.width or 0, box.height or 0
        key = renditions.cache_key(file_id, width, height, box.mode)
        ref = renditions.remembered(file_id, width, height, box.mode)
        if ref is not None:
            served = self.serve_rendition(ref, skip_checksum=skip_checksum)
            if served is not None:
                return served
            # Its bytes are gone (the file was removed meanwhile) or damaged: go on through the database.
            renditions.forget([key])
        stored, found = selectors.file_with_rendition(
            file_id=file_id, width=width, height=height, mode=box.mode
        )
        if stored is None:
            if not fs:
                raise NotFound(selectors.FILE_NOT_FOUND)
            return self.legacy(file_id, box, skip_checksum=skip_checksum)
        if found is not None:
            ref = renditions.rendition_ref(found, file_name=stored.file_name, checksum=stored.checksum)
            served = self.serve_rendition(ref, skip_checksum=skip_checksum)
            if served is not None:
                renditions.remember(file_id, width, height, box.mode, ref)
                return served
        self.check_resizable(stored.content_type, stored.size)
        try:
            made, data = services.rendition_create(file=stored, box=box)
        except imaging.ImageRejected as exc:
            raise BadRequest(str(exc)) from None
        ref = renditions.rendition_ref(made, file_name=stored.file_name, checksum=stored.checksum)
        renditions.remember(file_id, width, height, box.mode, ref)
        if data is None:  # another request stored it first
            served = self.serve_rendition(ref, skip_checksum=skip_checksum)
            if served is None:
                raise NotFound(selectors.FILE_NOT_FOUND)  # removed meanwhile
            return served
        return serving.serve_bytes(
            self.request,
            data=data,
            content_type=ref.content_type,
            file_name=ref.file_name,
            etag=ref.etag,
            last_modified=ref.created_at,
        )

    def serve_rendition(self, ref: renditions.RenditionRef, *, skip_checksum: bool):
        """The response for a stored rendition; ``None`` (and the rendition dropped) when its bytes
        are missing or no longer match their checksum."""
        try:
            return serving.serve(
                self.request,
                storage_name=ref.storage_name,
                size=ref.size,
                content_type=ref.content_type,
                file_name=ref.file_name,
                etag=ref.etag,
                last_modified=ref.created_at,
                checksum=None if skip_checksum or not ref.checksum else ref.checksum,
            )
        except serving.FileCorrupted:
            pass
        except Exception as exc:
            if not store.is_missing(exc):
                raise
        services.rendition_discard(storage_name=ref.storage_name)
        return None

    @staticmethod
    def check_resizable(content_type: str, size: int) -> None:
        if content_type not in RESIZABLE:
            raise InvalidParameter("width", f"resizes png, jpeg and gif files only, not {content_type}")
        if size > settings.AIMG_FILE_MAX_RESIZE_SOURCE_BYTES:
            raise BadRequest(
                f"The image is larger than {settings.AIMG_FILE_MAX_RESIZE_SOURCE_BYTES} bytes: it is not resized."
            )

    def legacy(self, file_id: str, box: imaging.Box | None, *, skip_checksum: bool):
        """``fs=true``: the legacy file server's file; a resized one is kept in storage for a while
        (``LegacyRendition``) and served from there until it expires."""
        if box is not None:
            kept = selectors.legacy_rendition_find(
                legacy_id=file_id, width=box.width or 0, height=box.height or 0, mode=box.mode
            )
            if kept is not None:
                try:
                    return serving.serve(
                        self.request,
                        storage_name=kept.storage_name,
                        size=kept.size,
                        content_type=kept.content_type,
                        file_name=file_id,
                        etag=f'"legacy-{kept.checksum[:40]}"',
                        last_modified=kept.created_at,
                        checksum=None if skip_checksum else kept.checksum,
                    )
                except serving.FileCorrupted:
                    services.legacy_rendition_discard(rendition=kept)  # made again below
                except Exception as exc:
                    if not store.is_missing(exc):
                        raise
                    services.legacy_rendition_discard(rendition=kept)
        found = legacy.legacy_fetch(file_id=file_id)
        body, content_type = found.data, found.content_type
        last_modified, digest = timezone.now(), None
        if box is not None:
            self.check_resizable(content_type, len(body))
            try:
                body = imaging.resize(body, content_type, box)
            except imaging.ImageRejected as exc:
                raise BadRequest(str(exc)) from None
            kept = services.legacy_rendition_store(
                legacy_id=file_id, box=box, data=body, content_type=content_type
            )
            if kept is not None:
                last_modified, digest = kept.created_at, kept.checksum
        return serving.serve_bytes(
            self.request,
            data=body,
            content_type=content_type,
            file_name=file_id,
            etag=f'"legacy-{(digest or hashlib.sha256(body).hexdigest())[:40]}"',
            last_modified=last_modified,
        )


class GetFileMetadataApi(_AdminFileApi):
    """A file's FileMetadata (Admins)."""

    operation_id = "getFileMetadata"
    query_serializer = FileIdQuery
    output_serializer = FileMetadataOutput
    audit_action = "getFileMetadata"
    errors = (404,)

    def get(self, request):
        stored = selectors.file_get(file_id=self.input()["id"])
        self.audit(stored)
        return self.metadata(stored)


class RemoveFileApi(_AdminFileApi):
    """Delete a file, its renditions and their bytes (Admins)."""

    operation_id = "removeFile"
    query_serializer = FileIdQuery
    output_serializer = RemoveFileOutput
    audit_action = "removeFile"
    errors = (404,)

    def delete(self, request):
        removed = services.file_remove(file_id=self.input()["id"])
        self.audit(removed)
        return self.respond({"success": True})
