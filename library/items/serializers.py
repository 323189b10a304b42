"""Input and output shapes of the library endpoints (names are unique in the schema).

Output serializers read two attributes that ``library.items.selectors.items_decorate``
puts on each item (one query each per page, whatever its size):
``tag_names`` (list of tag names) and ``viewer_reaction`` (``"like"``,
``"dislike"`` or ``None``). Their context carries ``request`` (for absolute
URLs), ``viewer_id`` (the viewing user's id or ``None``) and ``is_admin``.
Optional fields of the reference whose value is unknown are left out rather
than sent as ``null``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimg_site.api.fields import BoolParam, UUIDListField
from aimg_site.api.pagination import PaginationQuery
from library.folders.ids import ROOT, folder_ref_parse, folder_wire_id, form_text
from library.models import ApprovalStatus, GeneratorVersion, MediaKind

from .media import media_url_builder

MAX_BULK_IDS = 1000


def epoch_ms(value) -> int:
    return int(value.timestamp() * 1000)


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def folder_api_id(item) -> str | None:
    """The id of the item's folder as the API shows it (``library.folders.ids``); ``None`` in the root."""
    if item.folder_id is None:
        return None
    return folder_wire_id(item.folder_id, is_public=item.folder.is_public)


class _Optional(serializers.Field):
    """An optional output value computed from the whole item; left out of the payload when ``None``.

    Not read-only, so the schema does not list it as required.
    """

    def __init__(self, compute, **kwargs):
        self.compute = compute
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, value):
        return self.compute(value)


@extend_schema_field({"type": "string"})
class OptionalStringField(_Optional):
    pass


def _workflow_parameters(item) -> list[dict] | None:
    if item.generator_version != GeneratorVersion.WORKFLOWS:
        return None
    raw = item.workflow_run_parameters
    if isinstance(raw, dict):
        raw = [{"name": key, "value": value} for key, value in raw.items()]
    if not isinstance(raw, list):
        return None
    out = []
    for entry in raw:
        if isinstance(entry, dict) and "name" in entry:
            value = entry.get("value")
            if isinstance(value, bool):
                value = "true" if value else "false"
            out.append({"name": str(entry["name"]), "value": "" if value is None else str(value)})
    return out


class WorkflowRunParameterOutput(serializers.Serializer):
    """WorkflowRunParameter."""

    name = serializers.CharField()
    value = serializers.CharField()


@extend_schema_field(WorkflowRunParameterOutput(many=True))
class WorkflowParametersField(_Optional):
    pass


class _ItemOutputBase(serializers.Serializer):
    """Shared reading of an item for the viewer in context."""

    def _summary(self, item) -> dict:
        """The properties every item output starts with (SampleImage is exactly these)."""
        return {
            "id": str(item.pk),
            "userID": str(item.owner_id),
            "url": self.get_url(item),
            "viewCount": item.view_count,
            "likeCount": item.like_count,
            "dislikeCount": item.dislike_count,
            "completedDate": epoch_ms(item.completed_at),
            "completedTimestamp": iso(item.completed_at),
            "mtype": item.mtype,
            "mediaType": item.media_type,
            "isPublic": item.is_public,
        }

    def _viewer_sees_status(self, item) -> bool:
        ctx = self.context
        return bool(ctx.get("is_admin")) or (
            ctx.get("viewer_id") is not None and ctx.get("viewer_id") == item.owner_id
        )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if not field.required and data.get(name, 0) is None:
                data.pop(name)
        if not self._viewer_sees_status(instance):
            data.pop("publicApprovalStatus", None)
        return data

    def get_url(self, item) -> str:
        builder = self.context.get("_media_url")
        if builder is None:
            builder = media_url_builder(self.context.get("request"))
            if isinstance(self.context, dict):
                self.context["_media_url"] = builder
        return builder(item)

    def get_userID(self, item) -> str:
        return str(item.owner_id)

    def get_completedDate(self, item) -> int:
        return epoch_ms(item.completed_at)

    def get_completedTimestamp(self, item) -> str:
        return iso(item.completed_at)

    def get_tags(self, item) -> list[str]:
        return list(getattr(item, "tag_names", []) or [])

    def get_isLiked(self, item) -> bool:
        return getattr(item, "viewer_reaction", None) == "like"

    def get_isDisliked(self, item) -> bool:
        return getattr(item, "viewer_reaction", None) == "dislike"

    def get_isPubliclyVisible(self, item) -> bool:
        return item.is_publicly_visible


def _status_field():
    return serializers.ChoiceField(
        source="public_approval_status",
        choices=ApprovalStatus.choices,
        required=False,
        help_text="Only for the owner and Admins.",
    )


def _batch_field():
    return OptionalStringField(lambda item: str(item.batch_id) if item.batch_id else None)


def _folder_field():
    return OptionalStringField(
        folder_api_id, help_text="The containing folder's id (p-... for a public folder); absent in the root."
    )


class ImageOutput(_ItemOutputBase):
    """Image."""

    id = serializers.UUIDField()
    userID = serializers.SerializerMethodField()
    batchID = _batch_field()
    url = serializers.SerializerMethodField()
    viewCount = serializers.IntegerField(source="view_count")
    likeCount = serializers.IntegerField(source="like_count")
    dislikeCount = serializers.IntegerField(source="dislike_count")
    completedDate = serializers.SerializerMethodField()
    completedTimestamp = serializers.SerializerMethodField()
    mtype = serializers.ChoiceField(choices=MediaKind.choices)
    mediaType = serializers.CharField(source="media_type")
    tags = serializers.SerializerMethodField()
    isLiked = serializers.SerializerMethodField()
    isDisliked = serializers.SerializerMethodField()
    isPublic = serializers.BooleanField(source="is_public")
    isPubliclyVisible = serializers.SerializerMethodField()
    publicApprovalStatus = _status_field()
    folderID = _folder_field()
    folderAddedDate = serializers.SerializerMethodField(
        help_text="Epoch ms when the item entered its folder (the root folder included)."
    )
    folderAddedTimestamp = serializers.SerializerMethodField()

    def get_folderAddedDate(self, item) -> int:
        return epoch_ms(item.folder_added_at)

    def to_representation(self, item):
        """Hand-written for speed (listings serialize up to 1,000 rows); the declared fields above
        document it, and a test checks that the two agree."""
        reaction = getattr(item, "viewer_reaction", None)
        data = self._summary(item)
        data.update(
            {
                "tags": list(getattr(item, "tag_names", ()) or ()),
                "isLiked": reaction == "like",
                "isDisliked": reaction == "dislike",
                "isPubliclyVisible": item.is_publicly_visible,
                "folderAddedDate": epoch_ms(item.folder_added_at),
                "folderAddedTimestamp": iso(item.folder_added_at),
            }
        )
        if item.batch_id:
            data["batchID"] = str(item.batch_id)
        folder_id = folder_api_id(item)
        if folder_id is not None:
            data["folderID"] = folder_id
        if self._viewer_sees_status(item):
            data["publicApprovalStatus"] = item.public_approval_status
        return data

    def get_folderAddedTimestamp(self, item) -> str:
        return iso(item.folder_added_at)


class SampleImageOutput(_ItemOutputBase):
    """Image, as ``getSampleItems``/``getLatestItems`` return it (not every property)."""

    id = serializers.UUIDField()
    userID = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    viewCount = serializers.IntegerField(source="view_count")
    likeCount = serializers.IntegerField(source="like_count")
    dislikeCount = serializers.IntegerField(source="dislike_count")
    completedDate = serializers.SerializerMethodField()
    completedTimestamp = serializers.SerializerMethodField()
    mtype = serializers.ChoiceField(choices=MediaKind.choices)
    mediaType = serializers.CharField(source="media_type")
    isPublic = serializers.BooleanField(source="is_public")

    def to_representation(self, item):
        """Hand-written for speed, like ``ImageOutput.to_representation``."""
        return self._summary(item)


class ImageInfoOutput(_ItemOutputBase):
    """ImageInfo."""

    id = serializers.UUIDField()
    userID = serializers.SerializerMethodField()
    batchID = _batch_field()
    username = OptionalStringField(lambda item: item.owner.username or None)
    profilePicture = OptionalStringField(
        lambda item: getattr(item, "owner_picture_uri", None),
        help_text="base64 Data URI, when the owner has one.",
    )
    url = serializers.SerializerMethodField()
    viewCount = serializers.IntegerField(source="view_count")
    likeCount = serializers.IntegerField(source="like_count")
    dislikeCount = serializers.IntegerField(source="dislike_count")
    completedDate = serializers.SerializerMethodField()
    completedTimestamp = serializers.SerializerMethodField()
    prompt = serializers.CharField()
    negprompt = serializers.CharField()
    generatorVersion = serializers.ChoiceField(source="generator_version", choices=GeneratorVersion.choices)
    workflowTemplateName = OptionalStringField(
        lambda item: (
            (item.workflow_template_name or None)
            if item.generator_version == GeneratorVersion.WORKFLOWS
            else None
        )
    )
    workflowRunParameters = WorkflowParametersField(_workflow_parameters)
    modelName = serializers.CharField(source="model_name")
    modelID = serializers.CharField(source="model_id")
    steps = serializers.IntegerField()
    seed = serializers.IntegerField()
    subseed = serializers.IntegerField()
    subseed_strength = serializers.FloatField()
    lora = serializers.ListField(child=serializers.CharField())
    lora_strength = serializers.ListField(child=serializers.FloatField())
    sampler = serializers.CharField()
    cfgscale = serializers.FloatField()
    restoreFaces = serializers.BooleanField(source="restore_faces")
    height = serializers.IntegerField()
    width = serializers.IntegerField()
    mtype = serializers.ChoiceField(choices=MediaKind.choices)
    tags = serializers.SerializerMethodField()
    isLiked = serializers.SerializerMethodField()
    isDisliked = serializers.SerializerMethodField()
    isPublic = serializers.BooleanField(source="is_public")
    isPubliclyVisible = serializers.SerializerMethodField()
    publicApprovalStatus = _status_field()
    folderID = _folder_field()


# ---------------------------------------------------------------- inputs


class AdminDecisionField(serializers.CharField):
    """``approved`` or ``rejected``.

    A plain string in the schema: an enum here would collide with the
    ``PublicApprovalStatus`` enum of the same field name elsewhere.
    """

    DECISIONS = (ApprovalStatus.APPROVED.value, ApprovalStatus.REJECTED.value)

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "approved or rejected.")
        super().__init__(max_length=20, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in self.DECISIONS:
            raise serializers.ValidationError("must be approved or rejected")
        return value


class ListingFolderIdField(serializers.CharField):
    """``folderID`` of an item listing, validated by ``library.folders.ids`` into a ``FolderRef``
    (or ``ROOT`` with ``allow_root``); ``is_public`` None takes both kinds. A plain string in the schema.
    """

    def __init__(self, *, is_public: bool | None = None, allow_root: bool = False, **kwargs):
        self.is_public = is_public
        self.allow_root = allow_root
        super().__init__(max_length=64, trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        text = super().run_validation(data)  # the string checks (max_length) come first
        if self.allow_root and text == ROOT:
            return ROOT
        try:
            return folder_ref_parse(text, is_public=self.is_public)
        except ValueError:
            message = form_text(is_public=self.is_public, allow_root=self.allow_root)
            raise serializers.ValidationError(message) from None


class ItemIdQuery(serializers.Serializer):
    """getItem / getItemDetails query."""

    imageID = serializers.UUIDField(help_text="The unique identifier of the Item.")


class MtypeQueryMixin(serializers.Serializer):
    mtype = serializers.ChoiceField(
        choices=MediaKind.choices, required=False, help_text="image or video; both when absent."
    )


class LastCompletedItemQuery(MtypeQueryMixin):
    """getLastCompletedItem query."""


class MyCreationsQuery(MtypeQueryMixin, PaginationQuery):
    """getMyCreations query."""

    folderID = ListingFolderIdField(
        required=False,
        allow_root=True,
        help_text='A private folder id, a public folder id ("p-" + UUID), or "root".',
    )
    isPublic = BoolParam(required=False)
    publicApprovalStatus = serializers.ChoiceField(choices=ApprovalStatus.choices, required=False)


class PublicCreationsQuery(MtypeQueryMixin, PaginationQuery):
    """getPublicCreations query."""

    userID = serializers.UUIDField(required=False)
    folderID = ListingFolderIdField(
        required=False, is_public=True, help_text='A public folder id ("p-" + UUID).'
    )


class ItemsQuery(MyCreationsQuery):
    """getItems query (Admin)."""

    userID = serializers.UUIDField(required=False)


class LatestItemsQuery(PaginationQuery):
    """getLatestItems query."""


class SampleItemsQuery(serializers.Serializer):
    """getSampleItems query."""

    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text="Default 10.")


class BatchItemsQuery(serializers.Serializer):
    """getBatchItems query."""

    batchID = serializers.UUIDField()


class ImageIdsInput(serializers.Serializer):
    """likeItems / unlikeItems / dislikeItems / undislikeItems / setProtected body."""

    imageIDs = UUIDListField(max_items=MAX_BULK_IDS, allow_empty=False, help_text="At most 1,000 item ids.")

    def validate_imageIDs(self, value):
        if not value:
            raise serializers.ValidationError("must hold at least one item id")
        return value


class _ItemsOrUserInput(serializers.Serializer):
    """Item ids, or a user whose whole library is meant; at least one of the two."""

    imageIDs = UUIDListField(max_items=MAX_BULK_IDS, required=False)
    userID = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if not attrs.get("imageIDs") and not attrs.get("userID"):
            raise serializers.ValidationError("At least one of 'imageIDs' or 'userID' must be given.")
        return attrs


class DeleteItemsQuery(_ItemsOrUserInput):
    """deleteItems query."""


class RestoreItemsInput(_ItemsOrUserInput):
    """restoreItems body."""


class SetItemPropertiesInput(serializers.Serializer):
    """setItemProperties body."""

    imageID = serializers.UUIDField()
    isPublic = BoolParam(required=False)
    publicApprovalStatus = serializers.ChoiceField(
        choices=ApprovalStatus.choices,
        required=False,
        help_text="none or pending (approved/rejected are Admin decisions and fail here).",
    )

    def validate(self, attrs):
        if "isPublic" not in attrs and "publicApprovalStatus" not in attrs:
            raise serializers.ValidationError(
                "At least one of 'isPublic' or 'publicApprovalStatus' must be given."
            )
        return attrs


class SetPublicApprovalStatusInput(serializers.Serializer):
    """setPublicApprovalStatus body."""

    imageIDs = UUIDListField(max_items=MAX_BULK_IDS, allow_empty=False)
    publicApprovalStatus = AdminDecisionField()

    def validate_imageIDs(self, value):
        if not value:
            raise serializers.ValidationError("must hold at least one item id")
        return value


class MigrateLibraryInput(serializers.Serializer):
    """migrateLibrary body."""

    sourceUserID = serializers.UUIDField()
    destinationUserID = serializers.UUIDField()


class ItemOutcomeOutput(serializers.Serializer):
    """One item's outcome in a bulk call."""

    id = serializers.CharField()
    success = serializers.BooleanField()
    message = serializers.CharField(required=False)


class MigrateLibraryOutput(serializers.Serializer):
    """migrateLibrary payload."""

    success = serializers.BooleanField()
    message = serializers.CharField()
