"""The key-value pair endpoints: one view per documented operation (see the reference's "User Management")."""

from __future__ import annotations

from accounts.users.serializers import AccountsSuccessOutput
from aimg_site.api.views import ApiView, Caller

from . import selectors, services
from .serializers import KVPKeyQuery, KVPOutput, SetUserKVPInput


class GetUserKVPApi(ApiView):
    """The signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "getUserKVP"
    caller = Caller.SIGNED_IN
    query_serializer = KVPKeyQuery
    output_serializer = KVPOutput
    errors = (401, 404)

    def get(self, request):
        data = self.input()
        kvp = selectors.kvp_get(user=self.caller_user, key=data["key"])
        return self.respond({"key": kvp.key, "value": kvp.value})


class SetUserKVPApi(ApiView):
    """Sets the signed-in User's value for ``key`` (keys 1-128 characters, values at most 64 KiB,
    at most 200 keys per User: 409 past that)."""

    operation_id = "setUserKVP"
    caller = Caller.SIGNED_IN
    body_serializer = SetUserKVPInput
    output_serializer = KVPOutput
    errors = (401, 409)

    def post(self, request):
        data = self.input()
        kvp = services.kvp_set(user=self.caller_user, key=data["key"], value=data["value"])
        return self.respond({"key": kvp.key, "value": kvp.value})


class DeleteUserKVPApi(ApiView):
    """Deletes the signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "deleteUserKVP"
    caller = Caller.SIGNED_IN
    query_serializer = KVPKeyQuery
    output_serializer = AccountsSuccessOutput
    errors = (401, 404)

    def delete(self, request):
        data = self.input()
        services.kvp_delete(user=self.caller_user, key=data["key"])
        return self.respond({"success": True})
