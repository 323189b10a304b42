"""Tags Management endpoints: getTagsList, addTagsToItem, removeTagsFromItem, setTagsForItem.

The three writes share one base view (``TagsChangeApi``) parameterised by ``mode``.
They act on the caller's own live item or folder (``folderID``, private or
public form, wins over ``imageID``); anyone else's is a 404, Admins included.
"""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.pagination import PageRequest
from aimg_site.api.views import ApiView
from library.folders.serializers import ChangeOutput

from .selectors import tags_page
from .serializers import SetTagsInput, SetTagsOutput, TagOutput, TagsListQuery, TagsTargetInput
from .services import tags_change


class GetTagsListApi(ApiView):
    """The most used tags (at most 100), most used first, with ``usageCount``.

    Usage counts publicly visible items, plus the caller's own live items. ``tags`` keeps only the named tags.
    ``paginationIndex`` is a rank offset (tags are ranked, not timed): pass
    back ``nextPaginationIndex``. ``totalCount`` is the exact number of tags listed.
    """

    operation_id = "getTagsList"
    query_serializer = TagsListQuery
    output_serializer = TagOutput
    paginated = True
    tags = ("tags",)

    def get(self, request):
        data = self.input()
        page = tags_page(
            names=data.get("tags") or None, page=PageRequest.from_input(data), viewer=self.identity.user
        )
        return ok(TagOutput(page.rows, many=True).data, metadata=page.metadata)


class TagsChangeApi(ApiView):
    """Base of the tag writes; ``mode`` is add, remove or set."""

    mode = "add"
    errors = (404,)
    tags = ("tags",)

    def post(self, request):
        data = self.input()
        result = tags_change(
            owner=self.identity.user,
            image_id=data.get("imageID"),
            folder_ref=data.get("folderID"),
            names=data["tags"],
            mode=self.mode,
        )
        return ok(self.output_serializer(result).data)


class AddTagsToItemApi(TagsChangeApi):
    """Add tags to the caller's item or folder: at most 10 in all (the rest are not added)."""

    operation_id = "addTagsToItem"
    mode = "add"
    body_serializer = TagsTargetInput
    output_serializer = ChangeOutput


class RemoveTagsFromItemApi(TagsChangeApi):
    """Remove tags from the caller's item or folder."""

    operation_id = "removeTagsFromItem"
    mode = "remove"
    body_serializer = TagsTargetInput
    output_serializer = ChangeOutput


class SetTagsForItemApi(TagsChangeApi):
    """Replace the tags of the caller's item or folder (at most 10; an empty list clears them)."""

    operation_id = "setTagsForItem"
    mode = "set"
    body_serializer = SetTagsInput
    output_serializer = SetTagsOutput
