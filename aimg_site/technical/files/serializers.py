"""Input and output shapes of the file server (FileMetadata)."""

from __future__ import annotations

from rest_framework import serializers

from aimg_site.api.fields import BoolParam

from .ids import FILE_ID_PATTERN

#: The longest ``customMetadata`` accepted (characters of its JSON text).
MAX_CUSTOM_METADATA = 16_384
#: The largest ``width``/``height`` getFile resizes to.
MAX_RESIZE = 4096


def _file_id(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(
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
    customMetadata = serializers.CharField(
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
