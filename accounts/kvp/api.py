"""The key-value pair endpoints: one view per documented operation (see the reference's "User Management")."""

from __future__ import annotations

from accounts.users.serializers import AccountsSuccessOutput
from aimg_site.api.envelope import ok
from aimg_site.api.views import ApiView

from . import selectors, services
from .serializers import KVPKeyQuery, KVPOutput, SetUserKVPInput


class GetUserKVPApi(ApiView):
    """The signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "getUserKVP"
    query_serializer = KVPKeyQuery
    output_serializer = KVPOutput
    errors = (401, 404)

    def get(self, request):
        data = self.input()
        kvp = selectors.kvp_get(user=self.identity.require_signed_in(), key=data["key"])
        return ok(KVPOutput({"key": kvp.key, "value": kvp.value}).data)


class SetUserKVPApi(ApiView):
    """Sets the signed-in User's value for ``key`` (keys 1-128 characters, values at most 64 KiB,
    at most 200 keys per User: 409 past that)."""

    operation_id = "setUserKVP"
    body_serializer = SetUserKVPInput
    output_serializer = KVPOutput
    errors = (401, 409)

    def post(self, request):
        data = self.input()
        kvp = services.kvp_set(user=self.identity.require_signed_in(), key=data["key"], value=data["value"])
        return ok(KVPOutput({"key": kvp.key, "value": kvp.value}).data)


class DeleteUserKVPApi(ApiView):
    """Deletes the signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "deleteUserKVP"
    query_serializer = KVPKeyQuery
    output_serializer = AccountsSuccessOutput
    errors = (401, 404)

    def delete(self, request):
        data = self.input()
        services.kvp_delete(user=self.identity.require_signed_in(), key=data["key"])
        return ok(AccountsSuccessOutput({"success": True}).data)
