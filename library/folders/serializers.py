"""Input and output shapes of the folder endpoints (Private, Public and Common Folder Management).

Folder ids have two wire forms (``library.folders.ids`` parses and renders
them): a private folder is a bare UUID, a public folder ``"p-" + UUID``.
``*Self*`` endpoints accept only the first form and ``*Public*`` endpoints
only the second (another form is a 400 naming the parameter);
``moveItemsBetweenFolders`` and the tag endpoints accept both, and the form
says which kind of folder is meant.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimg_site.api.fields import CommaListField, UUIDListField, iso_utc
from aimg_site.api.pagination import PaginationQuery
from library.items.media import media_url_builder
from library.models import ApprovalStatus

from .ids import ANY_PATTERN, PUBLIC_PATTERN, ROOT, UUID_PATTERN, folder_ref_parse, folder_wire_id, form_text

MAX_BULK_IDS = 1000
MAX_FOLDER_NAME = 200
MAX_FOLDER_DESCRIPTION = 5000


class FolderIdField(serializers.Field):
    """One folder id of the kind ``is_public`` (None: either kind); validated into a ``FolderRef``."""

    is_public: bool | None = None

    def __init__(self, *, allow_root: bool = False, **kwargs):
        self.allow_root = allow_root
        if allow_root:
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if self.allow_root and data == ROOT:
            return None
        try:
            return folder_ref_parse(data, is_public=self.is_public)
        except ValueError:
            raise serializers.ValidationError(
                form_text(is_public=self.is_public, allow_root=self.allow_root)
            ) from None

    def to_representation(self, value):
        return value.wire_id if value is not None else None


@extend_schema_field({"type": "string", "format": "uuid", "description": "A private folder id."})
class PrivateFolderIdField(FolderIdField):
    is_public = False


@extend_schema_field(
    {"type": "string", "pattern": f"^{PUBLIC_PATTERN}$", "description": "A public folder id: p-<UUID>."}
)
class PublicFolderIdField(PrivateFolderIdField):
    is_public = True


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": f"^({ANY_PATTERN}|{ROOT})$",
        "description": "A private folder id (UUID), a public one (p-<UUID>), or null (or 'root') for the root folder.",
    }
)
class AnyFolderIdField(FolderIdField):
    is_public = None


@extend_schema_field({"type": "string", "pattern": f"^{ANY_PATTERN}$"})
class TagTargetFolderIdField(FolderIdField):
    is_public = None


class FolderIdListField(CommaListField):
    """A comma-separated list (or JSON array) of folder ids of one kind (at most 1,000)."""

    is_public = False
    item_pattern = UUID_PATTERN
    item_max_length = 36

    def __init__(self, **kwargs):
        super().__init__(max_items=MAX_BULK_IDS, **kwargs)

    def to_internal_value(self, data):
        refs = []
        for value in super().to_internal_value(data):
            try:
                refs.append(folder_ref_parse(value, is_public=self.is_public))
            except ValueError:
                raise serializers.ValidationError(
                    f"'{value[:80]}' {form_text(is_public=self.is_public)}"
                ) from None
        return refs


class PublicFolderIdListField(FolderIdListField):
    is_public = True
    item_pattern = PUBLIC_PATTERN
    item_max_length = 38


# --- inputs ---------------------------------------------------------------------------------


class FolderListQuery(PaginationQuery):
    """getSelfFolders."""

    folderIDs = FolderIdListField(required=False, help_text="Comma-separated ids: only these folders.")


class PublicFolderListQuery(PaginationQuery):
    """getPublicFolders."""

    userID = serializers.UUIDField(
        required=False,
        help_text="Only this user's public folders. Your own id lists all of yours, empty ones too.",
    )
    folderIDs = PublicFolderIdListField(required=False, help_text="Comma-separated ids: only these folders.")


class CreateFolderInput(serializers.Serializer):
    """createSelfFolder, createPublicFolder."""

    name = serializers.CharField(max_length=MAX_FOLDER_NAME, trim_whitespace=True)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FOLDER_DESCRIPTION, trim_whitespace=False
    )


class FolderRefQuery(serializers.Serializer):
    """deleteSelfFolder."""

    folderID = PrivateFolderIdField()


class PublicFolderRefQuery(FolderRefQuery):
    """deletePublicFolder."""

    folderID = PublicFolderIdField()


class FolderPropertiesInput(FolderRefQuery):
    """setSelfFolderProperties: at least one of folderName and folderDescription."""

    folderName = serializers.CharField(required=False, max_length=MAX_FOLDER_NAME, trim_whitespace=True)
    folderDescription = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FOLDER_DESCRIPTION, trim_whitespace=False
    )

    def validate(self, attrs):
        if "folderName" not in attrs and "folderDescription" not in attrs:
            raise serializers.ValidationError(
                {"folderName": "at least one of folderName and folderDescription is required"}
            )
        return attrs


class PublicFolderPropertiesInput(FolderPropertiesInput):
    """setPublicFolderProperties."""

    folderID = PublicFolderIdField()


class FolderImagesInput(FolderRefQuery):
    """addImagesTo…, removeImagesFrom…, add/remove/setThumbnailImagesFor… (Self)."""

    imageIDs = UUIDListField(
        max_items=MAX_BULK_IDS,
        help_text="Item ids (at most 1,000): a JSON array or a comma-separated string.",
    )


class PublicFolderImagesInput(FolderImagesInput):
    """The same for public folders."""

    folderID = PublicFolderIdField()


class MoveItemsInput(serializers.Serializer):
    """moveItemsBetweenFolders."""

    sourceFolderID = AnyFolderIdField(allow_root=True, help_text="null for the root folder.")
    destinationFolderID = AnyFolderIdField(allow_root=True, help_text="null for the root folder.")
    imageIDs = UUIDListField(
        max_items=MAX_BULK_IDS,
        help_text="Item ids (at most 1,000): a JSON array or a comma-separated string.",
    )


# --- outputs --------------------------------------------------------------------------------


class FolderImageThumbnailOutput(serializers.Serializer):
    """ImageThumbnail: an item shown as a folder preview."""

    imageID = serializers.UUIDField(source="id")
    url = serializers.SerializerMethodField()

    def get_url(self, item) -> str:
        builder = self.context.get("_media_url")
        if builder is None:  # made once per listing (base URL, route, signature expiry)
            builder = media_url_builder(self.context.get("request"))
            if isinstance(self.context, dict):
                self.context["_media_url"] = builder
        return builder(item)


class FolderOutput(serializers.Serializer):
    """Folder. Read it from a queryset of ``library.folders.selectors.folders_with_details``."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    description = serializers.CharField()
    userID = serializers.UUIDField(source="owner_id")
    isPublic = serializers.BooleanField(source="is_public")
    imageCount = serializers.IntegerField(source="image_count")
    sampleImages = FolderImageThumbnailOutput(source="sample_items", many=True)
    thumbnails = FolderImageThumbnailOutput(source="thumbnail_items", many=True)
    createdDate = serializers.DateTimeField(source="created_at")
    updatedDate = serializers.DateTimeField(source="updated_at")
    tags = serializers.ListField(child=serializers.CharField(), source="tag_names")


def _previews(entries: list, *, folder_is_public: bool, url) -> list[dict]:
    """``FolderImageThumbnailOutput`` of ``[id, media name, is_public, approval status]`` entries of
    live items in a folder of the given kind (the media URL rule of ``item_media_is_public``)."""
    return [
        {
            "imageID": item_id,
            "url": url(name or "", folder_is_public and is_public and status == ApprovalStatus.APPROVED),
        }
        for item_id, name, is_public, status in entries
    ]


def folder_payload_fast(row, url) -> dict:
    """``FolderOutput``'s representation of a row of ``library.folders.selectors.owned_folders_page_fast``,
    written by hand for speed (getSelfFolders is mostly this); ``url(name, public)`` is a
    ``media_name_url_builder``. A test checks it against the declared serializer for many shapes."""
    return {
        "id": folder_wire_id(row.pk, is_public=row.is_public),
        "name": row.name,
        "description": row.description,
        "userID": str(row.owner_id),
        "isPublic": row.is_public,
        "imageCount": row.image_count,
        "sampleImages": _previews(row.samples, folder_is_public=row.is_public, url=url),
        "thumbnails": _previews(row.thumbnails, folder_is_public=row.is_public, url=url),
        "createdDate": iso_utc(row.created_at),
        "updatedDate": iso_utc(row.updated_at),
        "tags": list(row.tag_names),
    }


class SuccessOutput(serializers.Serializer):
    """``{success}``."""

    success = serializers.BooleanField()


class ChangeOutput(SuccessOutput):
    """``{success, modified, actual}`` of the thumbnail endpoints."""

    modified = serializers.ListField(child=serializers.CharField())
    actual = serializers.ListField(child=serializers.CharField())


class MoveOutcomeOutput(serializers.Serializer):
    """One item's outcome of moveItemsBetweenFolders."""

    id = serializers.CharField()
    success = serializers.BooleanField()
    message = serializers.CharField(required=False)
