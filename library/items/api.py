"""The item endpoints of "Image Management": one view per documented endpoint.

Every listing (getMyCreations, getPublicCreations, getItems, getLatestItems)
pages by ``completed_at`` (``completedDate``, epoch ms), because front ends
derive ``paginationIndex`` from it; restoring an item resets it so the item
sorts as just added.
"""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.api.pagination import PageRequest, paginate
from aimg_site.api.views import AdminPolicy, ApiView, Caller

from . import selectors, services
from .serializers import (
    BatchItemsQuery,
    DeleteItemsQuery,
    ImageIdsInput,
    ImageInfoOutput,
    ImageOutput,
    ItemIdQuery,
    ItemOutcomeOutput,
    ItemsQuery,
    LastCompletedItemQuery,
    LatestItemsQuery,
    MigrateLibraryInput,
    MigrateLibraryOutput,
    MyCreationsQuery,
    PublicCreationsQuery,
    RestoreItemsInput,
    SampleImageOutput,
    SampleItemsQuery,
    SetItemPropertiesInput,
    SetPublicApprovalStatusInput,
)

DEFAULT_SAMPLE_LIMIT = 10


class _ItemApi(ApiView):
    tags = ("items",)

    def serializer_context(self) -> dict:
        user = self.identity.user
        return {
            "request": self.request,
            "viewer_id": user.pk if user is not None else None,
            "is_admin": self.identity.is_admin,
        }

    # The output serializers write their dicts by hand (``to_representation``); one serializer
    # instance writes every row, without DRF's ``.data`` (a ReturnDict/ReturnList copy of them).

    def items_payload(self, items, serializer=ImageOutput) -> list:
        if serializer is not SampleImageOutput:  # it shows neither tags nor reactions
            selectors.items_decorate(items, viewer=self.identity.user)
        writer = serializer(context=self.serializer_context())
        return [writer.to_representation(item) for item in items]

    def item_payload(self, item, serializer=ImageOutput) -> dict:
        selectors.items_decorate([item], viewer=self.identity.user)
        return serializer(context=self.serializer_context()).to_representation(item)

    @staticmethod
    def outcomes(results) -> list[dict]:
        return [result.as_dict() for result in results]


class GetItemApi(_ItemApi):
    """Basic information about an item: the owner's, or a publicly visible one (guests too)."""

    operation_id = "getItem"
    query_serializer = ItemIdQuery
    output_serializer = ImageOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        item = selectors.item_get_listed(item_id=data["imageID"], viewer=self.identity.user)
        return ok(self.item_payload(item))


class GetItemDetailsApi(_ItemApi):
    """Detailed information about an item. Each session's first call counts one view."""

    operation_id = "getItemDetails"
    query_serializer = ItemIdQuery
    output_serializer = ImageInfoOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        item = selectors.item_get_for_viewer(item_id=data["imageID"], viewer=self.identity.user)
        if services.item_view_record(
            item=item, session_key=self.identity.session_key, client_address=self.identity.client_address
        ):
            item.view_count += 1
        item.owner_picture_uri = selectors.item_owner_picture_uri(item=item)
        return ok(self.item_payload(item, ImageInfoOutput))


class GetLastCompletedItemApi(_ItemApi):
    """The caller's most recently completed item (404 when there is none)."""

    operation_id = "getLastCompletedItem"
    query_serializer = LastCompletedItemQuery
    output_serializer = ImageOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        item = selectors.item_last_completed(owner=self.identity.user, mtype=data.get("mtype"))
        return ok(self.item_payload(item))


class GetMyCreationsApi(_ItemApi):
    """The caller's items, newest first by completion time (``completedDate``).

    ``totalCount`` ignores ``mtype``, ``isPublic`` and ``publicApprovalStatus``
    (the user's itemCount, rootFolderItemCount or the folder's count).
    """

    operation_id = "getMyCreations"
    query_serializer = MyCreationsQuery
    output_serializer = ImageOutput
    paginated = True
    errors = (404,)

    def get(self, request):
        data = self.input()
        owner = self.identity.user
        folder_filter = selectors.owner_folder_filter(owner=owner, ref=data.get("folderID"))
        page = selectors.my_creations_page(
            owner=owner,
            folder_filter=folder_filter,
            page=PageRequest.from_input(data),
            mtype=data.get("mtype"),
            is_public=data.get("isPublic"),
            approval_status=data.get("publicApprovalStatus"),
        )
        return ok(self.items_payload(page.rows), metadata=page.metadata)


class GetPublicCreationsApi(_ItemApi):
    """Publicly visible items (approved, public, in a public folder), newest first.

    ``totalCount``: the folder's (estimated) count with ``folderID``, else the
    exact count; it ignores ``mtype``.
    """

    operation_id = "getPublicCreations"
    query_serializer = PublicCreationsQuery
    output_serializer = ImageOutput
    paginated = True
    errors = (404,)

    def get(self, request):
        data = self.input()
        folder = None
        if data.get("folderID"):
            folder = selectors.public_folder_get(ref=data["folderID"])
        page = selectors.public_creations_page(
            page=PageRequest.from_input(data),
            viewer=self.identity.user,
            user_id=data.get("userID"),
            folder=folder,
            mtype=data.get("mtype"),
        )
        return ok(self.items_payload(page.rows), metadata=page.metadata)


class GetBatchItemsApi(_ItemApi):
    """The caller's items of one generation batch (an unknown or foreign batch is an empty list)."""

    operation_id = "getBatchItems"
    query_serializer = BatchItemsQuery
    output_serializer = ImageInfoOutput
    output_many = True

    def get(self, request):
        data = self.input()
        items = selectors.batch_items(owner=self.identity.user, batch_id=data["batchID"])
        picture = selectors.item_owner_picture_uri(item=items[0]) if items else None
        for item in items:
            item.owner_picture_uri = picture
        return ok(self.items_payload(items, ImageInfoOutput))


class GetSampleItemsApi(_ItemApi):
    """A random handful (``limit``, default 10) of recent publicly visible items."""

    operation_id = "getSampleItems"
    query_serializer = SampleItemsQuery
    output_serializer = SampleImageOutput
    output_many = True

    def get(self, request):
        data = self.input()
        items = selectors.sample_items(limit=data.get("limit") or DEFAULT_SAMPLE_LIMIT)
        return ok(self.items_payload(items, SampleImageOutput))


class GetLatestItemsApi(_ItemApi):
    """The latest publicly visible items, newest first by completion time (no ``totalCount``)."""

    operation_id = "getLatestItems"
    query_serializer = LatestItemsQuery
    output_serializer = SampleImageOutput
    paginated = True

    def get(self, request):
        data = self.input()
        page = paginate(selectors.latest_items(), PageRequest.from_input(data), time_field="completed_at")
        return ok(self.items_payload(page.rows, SampleImageOutput), metadata=page.metadata)


class GetItemsApi(_ItemApi):
    """Every live item of the site, with filters (Admins; no ``totalCount``)."""

    operation_id = "getItems"
    audit_action = "getItems"
    admin_policy = AdminPolicy.REQUIRED
    query_serializer = ItemsQuery
    output_serializer = ImageOutput
    paginated = True
    errors = (404,)

    def get(self, request):
        data = self.input()
        folder_filter = selectors.owner_folder_filter(owner=None, ref=data.get("folderID"), any_owner=True)
        qs = selectors.admin_items(
            user_id=data.get("userID"),
            folder_filter=folder_filter,
            mtype=data.get("mtype"),
            is_public=data.get("isPublic"),
            approval_status=data.get("publicApprovalStatus"),
        )
        qs = selectors.with_viewer_reaction(selectors.with_tag_names(qs), viewer=self.identity.user)
        page = paginate(qs, PageRequest.from_input(data), time_field="completed_at")
        self.audit(details={key: str(value) for key, value in data.items()})
        return ok(self.items_payload(page.rows), metadata=page.metadata)


class _ReactionApi(_ItemApi):
    body_serializer = ImageIdsInput
    output_serializer = ItemOutcomeOutput
    output_many = True
    kind = ""
    add = True

    def post(self, request):
        data = self.input()
        if self.add:
            services.reaction_count_address(request)  # before the guest is made
            results = services.items_react(user=self.caller_user, item_ids=data["imageIDs"], kind=self.kind)
        else:
            results = services.items_unreact(
                user=self.identity.user, item_ids=data["imageIDs"], kind=self.kind
            )
        return ok(self.outcomes(results))


class LikeItemsApi(_ReactionApi):
    """Like items (a dislike of the same item is replaced). Idempotent."""

    operation_id = "likeItems"
    kind = "like"
    rate_limits = (services.REACTION_LIMIT,)
    caller = Caller.USER_OR_GUEST


class UnlikeItemsApi(_ReactionApi):
    """Remove the caller's like of items. Idempotent."""

    operation_id = "unlikeItems"
    kind = "like"
    add = False


class DislikeItemsApi(_ReactionApi):
    """Dislike items (a like of the same item is replaced). Idempotent."""

    operation_id = "dislikeItems"
    kind = "dislike"
    rate_limits = (services.REACTION_LIMIT,)
    caller = Caller.USER_OR_GUEST


class UndislikeItemsApi(_ReactionApi):
    """Remove the caller's dislike of items. Idempotent."""

    operation_id = "undislikeItems"
    kind = "dislike"
    add = False


class SetItemPropertiesApi(_ItemApi):
    """The owner submits an item for approval (``pending``), withdraws it (``none``), or, once
    approved, makes it public or private (``isPublic``). 403 for ``approved``/``rejected``;
    409 when the status is already final, when ``isPublic`` is set before approval, or past
    50 pending items."""

    operation_id = "setItemProperties"
    body_serializer = SetItemPropertiesInput
    output_serializer = ImageOutput
    errors = (403, 404, 409)

    def post(self, request):
        data = self.input()
        item = services.item_set_properties(
            owner=self.identity.user,
            item_id=data["imageID"],
            is_public=data.get("isPublic"),
            approval_status=data.get("publicApprovalStatus"),
        )
        return ok(self.item_payload(item))


class DeleteItemsApi(_ItemApi):
    """Soft-delete items (protected ones survive). With ``userID``: every item of that user
    (PRO tier above 2 for one's own library; Admins for anyone)."""

    operation_id = "deleteItems"
    audit_action = "deleteItems"
    admin_policy = AdminPolicy.OPTIONAL
    query_serializer = DeleteItemsQuery
    output_serializer = ItemOutcomeOutput
    output_many = True
    errors = (403, 404)

    def delete(self, request):
        data = self.input()
        is_admin = self.identity.is_admin
        viewer = self.identity.user
        if data.get("userID"):
            target = services.library_delete_target(viewer=viewer, user_id=data["userID"], as_admin=is_admin)
            results = services.items_delete_for_user(user=target)
            if is_admin:
                self.audit(target=target, deleted=sum(1 for r in results if r.success))
        else:
            results = services.items_delete(actor=viewer, item_ids=data["imageIDs"], as_admin=is_admin)
            if is_admin:
                self.audit(imageIDs=[r.id for r in results if r.success])
        return ok(self.outcomes(results))


class RestoreItemsApi(_ItemApi):
    """Restore deleted items (Admins): to the root folder, sorted as just added, untagged,
    private, with their approval status kept. ``userID``: every deleted item of that user."""

    operation_id = "restoreItems"
    audit_action = "restoreItems"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = RestoreItemsInput
    output_serializer = ItemOutcomeOutput
    output_many = True
    errors = (404,)

    def post(self, request):
        data = self.input()
        if data.get("userID"):
            target = selectors.user_get_existing(user_id=data["userID"])
            results = services.items_restore_for_user(user=target)
            self.audit(target=target, restored=len(results))
        else:
            results = services.items_restore(item_ids=data["imageIDs"])
            self.audit(imageIDs=[r.id for r in results if r.success])
        return ok(self.outcomes(results))


class SetPublicApprovalStatusApi(_ItemApi):
    """Admin decision: ``approved`` (the item becomes public) or ``rejected`` (private), also
    after an approval."""

    operation_id = "setPublicApprovalStatus"
    audit_action = "setPublicApprovalStatus"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = SetPublicApprovalStatusInput
    output_serializer = ItemOutcomeOutput
    output_many = True

    def post(self, request):
        data = self.input()
        results = services.items_set_approval(item_ids=data["imageIDs"], status=data["publicApprovalStatus"])
        self.audit(status=data["publicApprovalStatus"], imageIDs=[r.id for r in results if r.success])
        return ok(self.outcomes(results))


class SetProtectedApi(_ItemApi):
    """Toggle the protected flag of items (Admins); each message is the new flag."""

    operation_id = "setProtected"
    audit_action = "setProtected"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = ImageIdsInput
    output_serializer = ItemOutcomeOutput
    output_many = True

    def post(self, request):
        data = self.input()
        results = services.items_toggle_protected(item_ids=data["imageIDs"])
        self.audit(changes={r.id: r.message for r in results if r.success})
        return ok(self.outcomes(results))


class MigrateLibraryApi(_ItemApi):
    """Move a user's live items and folders to another (not disabled) user (Admins)."""

    operation_id = "migrateLibrary"
    audit_action = "migrateLibrary"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = MigrateLibraryInput
    output_serializer = MigrateLibraryOutput
    errors = (404, 409)

    def post(self, request):
        data = self.input()
        if data["sourceUserID"] == data["destinationUserID"]:
            raise InvalidParameter("destinationUserID", "must differ from sourceUserID")
        moved = services.library_migrate(
            source_id=data["sourceUserID"], destination_id=data["destinationUserID"]
        )
        self.audit(
            source=str(data["sourceUserID"]),
            destination=str(data["destinationUserID"]),
            items=moved["items"],
            folders=moved["folders"],
        )
        return ok(
            {"success": True, "message": f"Moved {moved['items']} items and {moved['folders']} folders."}
        )
