"""``getReportQueues``: the report categories users may report into (Admins: system ones too)."""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.views import AdminPolicy, ApiView, Caller

from . import selectors
from .serializers import QUEUE_NAME_SCHEMA


class GetReportQueuesApi(ApiView):
    """The user-visible report queues, in their listing order; with a valid
    X-Administration-Key, the system queues (filled by automatic checks) as well."""

    operation_id = "getReportQueues"
    caller = Caller.ANYONE
    admin_policy = AdminPolicy.OPTIONAL
    output_serializer = QUEUE_NAME_SCHEMA
    output_many = True
    tags = ("reports",)

    def get(self, request):
        queues = selectors.report_queues_listed(include_system=self.identity.is_admin)
        return ok([queue.name for queue in queues])
