"""Input and output shapes of the Tags Management endpoints."""

from __future__ import annotations

from rest_framework import serializers

from aimg_site.api.fields import CommaListField, PaginationIndexField
from aimg_site.api.pagination import PaginationQuery
from library.folders.serializers import SuccessOutput, TagTargetFolderIdField

from .services import TAG_RULE, tag_names_normalize

#: More names than this in one request is a 400 (a target holds at most 10 anyway).
MAX_TAGS_PER_REQUEST = 100


class TagNamesField(CommaListField):
    """Tag names (JSON array or comma-separated), lower-cased and checked against the tag rule."""

    item_pattern = "[a-zA-Z0-9$\\-_.+!*'()]{1,32}"
    item_max_length = 32

    def __init__(self, *, allow_empty: bool = False, **kwargs):
        self.allow_empty = allow_empty
        kwargs.setdefault("help_text", f"Tags: {TAG_RULE}")
        super().__init__(max_items=MAX_TAGS_PER_REQUEST, **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if not values and not self.allow_empty:
            raise serializers.ValidationError("must name at least one tag")
        try:
            return tag_names_normalize(values)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class TagsListQuery(PaginationQuery):
    """getTagsList. ``paginationIndex`` is a rank offset here (tags are ranked by usage, not by time)."""

    tags = TagNamesField(required=False, allow_empty=True, help_text="Comma-separated tags: only these.")
    paginationIndex = PaginationIndexField(
        required=False,
        help_text="A rank offset into the usage ranking (0 or absent: the top); pass back nextPaginationIndex.",
    )


class TagsTargetInput(serializers.Serializer):
    """addTagsToItem, removeTagsFromItem: ``folderID`` wins over ``imageID``; one is required."""

    tags = TagNamesField()
    imageID = serializers.UUIDField(required=False, help_text="The item to tag.")
    folderID = TagTargetFolderIdField(required=False, help_text="The folder to tag (wins over imageID).")

    def validate(self, attrs):
        if attrs.get("folderID") is None and attrs.get("imageID") is None:
            raise serializers.ValidationError({"imageID": "at least one of imageID and folderID is required"})
        return attrs


class SetTagsInput(TagsTargetInput):
    """setTagsForItem: at most 10 tags; an empty list clears them."""

    tags = TagNamesField(allow_empty=True)


class TagOutput(serializers.Serializer):
    """Tag."""

    name = serializers.CharField()
    usageCount = serializers.IntegerField(source="usage")


class SetTagsOutput(SuccessOutput):
    """``{success, actual}`` of setTagsForItem."""

    actual = serializers.ListField(child=serializers.CharField())
