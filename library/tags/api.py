"""Tags Management endpoints: getTagsList, addTagsToItem, removeTagsFromItem, setTagsForItem.

The three writes share one view (``TagsChangeApi``) parameterised by ``mode``.
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

    Usage counts live items. ``tags`` keeps only the named tags.
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
        page = tags_page(names=data.get("tags") or None, page=PageRequest.from_input(data))
        return ok(TagOutput(page.rows, many=True).data, metadata=page.metadata)


class TagsChangeApi(ApiView):
    """Base of the tag writes; ``mode`` is add, remove or set."""

    mode = "add"
    body_serializer = TagsTargetInput
    output_serializer = ChangeOutput
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


def _tags_change_endpoint(operation_id: str, mode: str, doc: str, **attrs) -> type[TagsChangeApi]:
    name = operation_id[:1].upper() + operation_id[1:] + "Api"
    attrs.update({"__module__": __name__, "__doc__": doc, "operation_id": operation_id, "mode": mode})
    return type(name, (TagsChangeApi,), attrs)


AddTagsToItemApi = _tags_change_endpoint(
    "addTagsToItem",
    "add",
    "Add tags to the caller's item or folder: at most 10 in all (the rest are not added).",
)
RemoveTagsFromItemApi = _tags_change_endpoint(
    "removeTagsFromItem", "remove", "Remove tags from the caller's item or folder."
)
SetTagsForItemApi = _tags_change_endpoint(
    "setTagsForItem",
    "set",
    "Replace the tags of the caller's item or folder (at most 10; an empty list clears them).",
    body_serializer=SetTagsInput,
    output_serializer=SetTagsOutput,
)

TAG_ENDPOINTS = (GetTagsListApi, AddTagsToItemApi, RemoveTagsFromItemApi, SetTagsForItemApi)
