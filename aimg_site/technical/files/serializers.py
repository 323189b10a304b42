"""Input and output shapes of the file server (FileMetadata)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimg_site.api import params
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.api.fields import BoolParam

from .ids import FILE_ID_PATTERN, is_file_id

#: The longest ``customMetadata`` accepted (characters of its JSON text).
MAX_CUSTOM_METADATA = 16_384
#: The largest ``width``/``height`` getFile resizes to.
MAX_RESIZE = 4096


@extend_schema_field({"type": "string", "pattern": FILE_ID_PATTERN, "maxLength": 128})
class _FileIdField(serializers.RegexField):
    pass


#: customMetadata's text: a JSON object (the service parses it; the schema says what it can).
CUSTOM_METADATA_PATTERN = r"^\s*\{[\s\S]*\}\s*$"


@extend_schema_field({"type": "string", "pattern": CUSTOM_METADATA_PATTERN, "maxLength": MAX_CUSTOM_METADATA})
class _CustomMetadataField(serializers.CharField):
    pass


def _file_id(**kwargs) -> serializers.RegexField:
    return _FileIdField(
        FILE_ID_PATTERN,
        max_length=128,
        error_messages={
            "invalid": "must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"
        },
        **kwargs,
    )


class UploadFileInput(serializers.Serializer):
    file = serializers.FileField(help_text="The file (multipart/form-data; its filename is the file's name).")
    id = _file_id(required=False, help_text="The file's id; a new UUID when not given. Taken ids are a 409.")
    filename = serializers.CharField(
        required=False, max_length=255, help_text="The file's name, when not the one of the file part."
    )
    customMetadata = _CustomMetadataField(
        required=False,
        max_length=MAX_CUSTOM_METADATA,
        trim_whitespace=False,
        help_text="A JSON object, as text (at most 16384 characters).",
    )


class FileIdQuery(serializers.Serializer):
    id = _file_id(help_text="The unique identifier of the File.")


class GetFileQuery(FileIdQuery):
    skipChecksum = BoolParam(required=False, help_text="Serve without checking the stored sha256.")
    width = serializers.IntegerField(required=False, min_value=1, max_value=MAX_RESIZE)
    height = serializers.IntegerField(required=False, min_value=1, max_value=MAX_RESIZE)
    mode = serializers.ChoiceField(
        choices=["fit", "fill"], required=False, help_text="Resize mode (default fit)."
    )
    fs = BoolParam(required=False, help_text="Also look in the legacy file server when not found here.")


class FileMetadataOutput(serializers.Serializer):
    id = serializers.CharField()
    publicUrl = serializers.SerializerMethodField(help_text="Where getFile serves the file.")
    fileName = serializers.CharField(source="file_name")
    contentType = serializers.CharField(source="content_type", help_text="Sniffed from the bytes.")
    fileSize = serializers.IntegerField(source="size")
    createdDate = serializers.DateTimeField(source="created_at", help_text="ISO 8601.")
    checksum = serializers.CharField(help_text="Hex digest of the bytes.")
    checksumAlgorithm = serializers.ChoiceField(
        source="checksum_algorithm", choices=["md5", "sha1", "sha256", "sha512"]
    )
    ownerId = serializers.SerializerMethodField()
    customMetadata = serializers.JSONField(source="custom_metadata", allow_null=True, required=False)

    class Meta:
        ref_name = "FileMetadata"

    def get_publicUrl(self, obj) -> str:
        return self.context["public_url"](obj.pk)

    def get_ownerId(self, obj) -> str | None:
        return str(obj.owner_id) if obj.owner_id is not None else None


class RemoveFileOutput(serializers.Serializer):
    success = serializers.BooleanField()


def parse_get_file_query(query) -> dict:
    """``GetFileQuery``'s rules applied straight to the query string, for the hottest route.

    getFile answers every ``<img>`` of a page: DRF builds and deep-copies a serializer per request,
    which cost more than serving a cached rendition. The rules (and messages) are those of
    ``aimg_site.api.params``; ``GetFileQuery`` documents them in the schema, and the tests send
    every bad value through both.
    """
    data: dict = {}
    for name in ("id", "skipChecksum", "width", "height", "mode", "fs"):
        values = query.getlist(name)
        if not values:
            continue
        if len(values) > 1:
            raise InvalidParameter(name, "must be given only once")
        if values[0] == "":
            raise InvalidParameter(name, "must not be empty")
        data[name] = values[0]
    if "id" not in data:
        raise InvalidParameter("id", "is required")
    if len(data["id"]) > 128 or not is_file_id(data["id"]):
        raise InvalidParameter(
            "id", "must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    for name in ("skipChecksum", "fs"):
        if name in data:
            data[name] = params.parse_bool(data[name], name)
    for name in ("width", "height"):
        if name in data:
            data[name] = params.parse_int(data[name], name, min_value=1, max_value=MAX_RESIZE, text=True)
    if "mode" in data and data["mode"] not in ("fit", "fill"):
        raise InvalidParameter("mode", 'must be "fit" or "fill"')
    return data
