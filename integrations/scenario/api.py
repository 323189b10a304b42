"""The Scenario endpoints: connect, disconnect, see the connection, send Items, see their status."""

from __future__ import annotations

from aimg_site.api import ratelimit
from aimg_site.api.views import ApiView, Caller, Limit, LimitKey

from . import selectors, services
from .serializers import (
    ConnectScenarioInput,
    ScenarioConnectionOutput,
    ScenarioItemStatusOutput,
    ScenarioStatusQuery,
    SendToScenarioInput,
    SendToScenarioOutput,
)

ratelimit.register("scenario-connect", "10/hour", "Too many Scenario keys were checked.")
ratelimit.register("scenario-send", "60/hour", "Too many sends to Scenario.")


def _status_row(item_id, upload) -> dict:
    if upload is None:
        return {
            "imageID": item_id,
            "status": "none",
            "assetID": None,
            "errorMessage": None,
            "sendID": None,
            "updatedDate": None,
        }
    return {
        "imageID": item_id,
        "status": upload.status,
        "assetID": upload.asset_id or None,
        "errorMessage": upload.error_message or None,
        "sendID": upload.send_id,
        "updatedDate": upload.updated_at,
    }


def _connection_payload(connection) -> dict:
    return {
        "connected": connection is not None,
        "connectedDate": connection.updated_at if connection else None,
    }


class _ScenarioApi(ApiView):
    tags = ("integrations",)
    caller = Caller.SIGNED_IN


class ConnectScenarioApi(_ScenarioApi):
    """Connect the caller's Scenario account: the key and secret are checked with Scenario once,
    then stored encrypted (replacing any earlier ones). They are never returned."""

    operation_id = "connectScenario"
    body_serializer = ConnectScenarioInput
    output_serializer = ScenarioConnectionOutput
    rate_limits = (Limit("scenario-connect", by=LimitKey.USER),)
    errors = (401, 503)

    def post(self, request):
        data = self.input()
        connection = services.scenario_connect(
            user=self.caller_user, api_key=data["apiKey"], api_secret=data["apiSecret"]
        )
        return self.respond(_connection_payload(connection))


class DisconnectScenarioApi(_ScenarioApi):
    """Forget the caller's Scenario key and secret; uploads not finished yet then fail."""

    operation_id = "disconnectScenario"
    output_serializer = ScenarioConnectionOutput
    errors = (401,)

    def post(self, request):
        self.input()
        services.scenario_disconnect(user=self.caller_user)
        return self.respond(_connection_payload(None))


class GetScenarioConnectionApi(_ScenarioApi):
    """Whether the caller has connected Scenario (never the key or secret)."""

    operation_id = "getScenarioConnection"
    output_serializer = ScenarioConnectionOutput
    errors = (401,)

    def get(self, request):
        self.input()
        return self.respond(_connection_payload(selectors.scenario_connection_get(user=self.caller_user)))


class SendToScenarioApi(_ScenarioApi):
    """Send some of the caller's completed Items to Scenario, each uploaded by its own task.

    Answers at once with each Item's status (``queued``); follow them with getScenarioStatus.
    Another user's private item is a 404, another user's public one a 403; without a connection,
    a 409.
    """

    operation_id = "sendToScenario"
    body_serializer = SendToScenarioInput
    output_serializer = SendToScenarioOutput
    rate_limits = (Limit("scenario-send", by=LimitKey.USER),)
    errors = (401, 403, 404, 409)

    def post(self, request):
        data = self.input()
        result = services.scenario_send_create(user=self.caller_user, item_ids=data["imageIDs"])
        return self.respond(
            {
                "sendID": result.send.pk,
                "items": [_status_row(upload.item_id, upload) for upload in result.uploads],
            }
        )


class GetScenarioStatusApi(_ScenarioApi):
    """Each Item's latest Scenario upload: status, Scenario's asset id, the reason of a failure."""

    operation_id = "getScenarioStatus"
    query_serializer = ScenarioStatusQuery
    output_serializer = ScenarioItemStatusOutput
    output_many = True
    errors = (401, 404)

    def get(self, request):
        data = self.input()
        rows = selectors.scenario_statuses(viewer=self.caller_user, item_ids=data["imageIDs"])
        return self.respond([_status_row(item_id, upload) for item_id, upload in rows])
