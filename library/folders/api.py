"""Private, Public and Common Folder Management endpoints.

Private and public folders share one implementation: each operation is a base
class below, and its two documented endpoints (``…SelfFolder…`` and
``…PublicFolder…``) are short subclasses that name the operation id, the kind
of folder (``is_public``) and the input serializer.
Folder endpoints act on the caller's own folders only: anyone else's folder
is a 404, Admins included (the reference gives Admins nothing here). A guest
(anonymous session) gets a guest user when it creates its first folder.
"""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.pagination import PageRequest, paginate
from aimg_site.api.views import ApiView, Caller
from library.items.media import media_name_url_builder

from .selectors import (
    folder_details,
    folder_rows_prepare,
    folders_listing,
    folders_with_details,
    owned_folders_page_fast,
)
from .serializers import (
    ChangeOutput,
    CreateFolderInput,
    FolderImagesInput,
    FolderListQuery,
    FolderOutput,
    FolderPropertiesInput,
    FolderRefQuery,
    MoveItemsInput,
    MoveOutcomeOutput,
    PublicFolderImagesInput,
    PublicFolderListQuery,
    PublicFolderPropertiesInput,
    PublicFolderRefQuery,
    SuccessOutput,
    folder_payload_fast,
)
from .services import (
    folder_add_items,
    folder_create,
    folder_delete,
    folder_remove_items,
    folder_thumbnails_change,
    folder_update,
    items_move,
)

# --- operations: one base per operation, parameterised by ``is_public`` -----------------------


class FolderApi(ApiView):
    """Base of the folder operations; ``is_public`` is the kind of folder the endpoint acts on."""

    is_public = False
    errors: tuple[int, ...] = (404,)
    tags = ("folders",)

    def folder_payload(self, folder) -> dict:
        return FolderOutput(folder_details(folder), context={"request": self.request}).data


class FolderListApi(FolderApi):
    """The caller's private folders (getSelfFolders), or public folders (getPublicFolders).

    Newest first by creation time. getPublicFolders without ``userID`` (or
    with another user's id) lists only folders holding at least one publicly
    visible item, counted and previewed through those items only; with the
    caller's own id it lists all of the caller's public folders, empty ones too.
    ``metadata.totalCount`` is the exact number of folders the listing holds.
    """

    output_serializer = FolderOutput
    paginated = True
    errors = ()

    def get(self, request):
        data = self.input()
        viewer = self.identity.user
        if data.get("folderIDs") is None and (
            not self.is_public or (viewer is not None and data.get("userID") == viewer.id)
        ):
            fast = owned_folders_page_fast(
                owner=viewer, is_public=self.is_public, page=PageRequest.from_input(data)
            )
            if fast is not None:
                url = media_name_url_builder(request)
                return ok([folder_payload_fast(row, url) for row in fast.rows], metadata=fast.metadata)
        queryset, owner_view = folders_listing(
            viewer=self.identity.user,
            is_public=self.is_public,
            user_id=data.get("userID"),
            refs=data.get("folderIDs"),
        )
        page = paginate(
            folders_with_details(queryset, public_view=not owner_view),
            PageRequest.from_input(data),
            time_field="created_at",
            total_count=queryset.count(),
        )
        rows = folder_rows_prepare(page.rows, public_view=not owner_view)
        return ok(FolderOutput(rows, many=True, context={"request": request}).data, metadata=page.metadata)


class FolderCreateApi(FolderApi):
    """Create an empty folder owned by the caller (a guest session gets a guest user)."""

    output_serializer = FolderOutput
    errors = ()
    caller = Caller.USER_OR_GUEST

    def post(self, request):
        data = self.input()
        folder = folder_create(
            owner=self.caller_user,
            is_public=self.is_public,
            name=data["name"],
            description=data.get("description", ""),
        )
        return ok(self.folder_payload(folder))


class FolderPropertiesApi(FolderApi):
    """Rename and/or re-describe one of the caller's folders (an empty description clears it)."""

    output_serializer = FolderOutput

    def post(self, request):
        data = self.input()
        folder = folder_update(
            owner=self.identity.user,
            ref=data["folderID"],
            name=data.get("folderName"),
            description=data.get("folderDescription"),
        )
        return ok(self.folder_payload(folder))


class FolderDeleteApi(FolderApi):
    """Delete one of the caller's folders; its items move to the root folder."""

    output_serializer = SuccessOutput

    def delete(self, request):
        data = self.input()
        folder_delete(owner=self.identity.user, ref=data["folderID"])
        return ok({"success": True})


class FolderImagesApi(FolderApi):
    """Base of the endpoints that take ``folderID`` and ``imageIDs``; ``service`` does the work."""

    output_serializer = SuccessOutput

    def service(self, **arguments):
        raise NotImplementedError

    def post(self, request):
        data = self.input()
        result = self.service(owner=self.identity.user, ref=data["folderID"], item_ids=data["imageIDs"])
        return ok(self.output_serializer(result).data)


class FolderAddImagesApi(FolderImagesApi):
    """Add up to 1,000 of the caller's items to a folder (a public folder takes only public items).

    Items move from wherever they are. ``success`` is true when at least one
    requested item is in the folder afterwards.
    """

    def service(self, **arguments):
        return {"success": folder_add_items(**arguments)}


class FolderRemoveImagesApi(FolderImagesApi):
    """Move up to 1,000 items out of a folder, to the root folder."""

    def service(self, **arguments):
        return {"success": folder_remove_items(**arguments)}


class FolderThumbnailsApi(FolderImagesApi):
    """Base of the thumbnail endpoints: add, remove or set (``mode``) at most 4 items of the folder."""

    mode = "add"
    output_serializer = ChangeOutput

    def service(self, **arguments):
        return folder_thumbnails_change(mode=self.mode, **arguments)


class FolderThumbnailsAddApi(FolderThumbnailsApi):
    """Add thumbnails to a folder: items of the folder, in the order given, while fewer than 4."""

    mode = "add"


class FolderThumbnailsRemoveApi(FolderThumbnailsApi):
    """Remove thumbnails from a folder (ids that are not thumbnails are skipped)."""

    mode = "remove"


class FolderThumbnailsSetApi(FolderThumbnailsApi):
    """Replace a folder's thumbnails (at most 4 ids, else a 400; an empty list clears them)."""

    mode = "set"


# --- Private Folder Management -----------------------------------------------------------------


class GetSelfFoldersApi(FolderListApi):
    operation_id = "getSelfFolders"
    query_serializer = FolderListQuery


class CreateSelfFolderApi(FolderCreateApi):
    operation_id = "createSelfFolder"
    body_serializer = CreateFolderInput


class SetSelfFolderPropertiesApi(FolderPropertiesApi):
    operation_id = "setSelfFolderProperties"
    body_serializer = FolderPropertiesInput


class DeleteSelfFolderApi(FolderDeleteApi):
    operation_id = "deleteSelfFolder"
    query_serializer = FolderRefQuery


class AddImagesToSelfFolderApi(FolderAddImagesApi):
    operation_id = "addImagesToSelfFolder"
    body_serializer = FolderImagesInput


class RemoveImagesFromSelfFolderApi(FolderRemoveImagesApi):
    operation_id = "removeImagesFromSelfFolder"
    body_serializer = FolderImagesInput


class AddThumbnailImagesForSelfFolderApi(FolderThumbnailsAddApi):
    operation_id = "addThumbnailImagesForSelfFolder"
    body_serializer = FolderImagesInput


class RemoveThumbnailImagesForSelfFolderApi(FolderThumbnailsRemoveApi):
    operation_id = "removeThumbnailImagesForSelfFolder"
    body_serializer = FolderImagesInput


class SetThumbnailImagesForSelfFolderApi(FolderThumbnailsSetApi):
    operation_id = "setThumbnailImagesForSelfFolder"
    body_serializer = FolderImagesInput


# --- Public Folder Management ------------------------------------------------------------------


class GetPublicFoldersApi(FolderListApi):
    operation_id = "getPublicFolders"
    is_public = True
    query_serializer = PublicFolderListQuery


class CreatePublicFolderApi(FolderCreateApi):
    operation_id = "createPublicFolder"
    is_public = True
    body_serializer = CreateFolderInput


class SetPublicFolderPropertiesApi(FolderPropertiesApi):
    operation_id = "setPublicFolderProperties"
    is_public = True
    body_serializer = PublicFolderPropertiesInput


class DeletePublicFolderApi(FolderDeleteApi):
    operation_id = "deletePublicFolder"
    is_public = True
    query_serializer = PublicFolderRefQuery


class AddImagesToPublicFolderApi(FolderAddImagesApi):
    operation_id = "addImagesToPublicFolder"
    is_public = True
    body_serializer = PublicFolderImagesInput


class RemoveImagesFromPublicFolderApi(FolderRemoveImagesApi):
    operation_id = "removeImagesFromPublicFolder"
    is_public = True
    body_serializer = PublicFolderImagesInput


class AddThumbnailImagesForPublicFolderApi(FolderThumbnailsAddApi):
    operation_id = "addThumbnailImagesForPublicFolder"
    is_public = True
    body_serializer = PublicFolderImagesInput


class RemoveThumbnailImagesForPublicFolderApi(FolderThumbnailsRemoveApi):
    operation_id = "removeThumbnailImagesForPublicFolder"
    is_public = True
    body_serializer = PublicFolderImagesInput


class SetThumbnailImagesForPublicFolderApi(FolderThumbnailsSetApi):
    operation_id = "setThumbnailImagesForPublicFolder"
    is_public = True
    body_serializer = PublicFolderImagesInput


# --- Common Folder Management ------------------------------------------------------------------


class MoveItemsBetweenFoldersApi(ApiView):
    """Move up to 1,000 of the caller's items from one folder (or the root) to another.

    Folder ids take either form (UUID: private, ``p-`` UUID: public); null
    (or ``"root"``) is the root folder. Either folder not the caller's is a
    404; the same folder twice is a 400. The payload has one outcome per
    requested id: an item moves only when it is the caller's, live, in the
    source folder, and (into a public folder) approved and marked public.
    """

    operation_id = "moveItemsBetweenFolders"
    body_serializer = MoveItemsInput
    output_serializer = MoveOutcomeOutput
    output_many = True
    errors = (404,)
    tags = ("folders",)

    def post(self, request):
        data = self.input()
        outcomes = items_move(
            owner=self.identity.user,
            source=data["sourceFolderID"],
            destination=data["destinationFolderID"],
            item_ids=data["imageIDs"],
        )
        return ok(MoveOutcomeOutput(outcomes, many=True).data)
