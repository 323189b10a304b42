"""API2 "Workflows": getAggregatedWorkflowTemplates, getFileGroupItems, getWorkflowStatus, enqueueWorkflow.

Every API2 endpoint is for signed-in users whose PRO tier is above 0:
anonymous sessions and guests get a 401 (the declared caller policy), tier 0 a
403 (``billing.entitlements.require_tier``). An Admin's valid key lets
``getWorkflowStatus`` read any workflow of the site whatever the Admin's tier.
"""

from __future__ import annotations

from accounts.users.selectors import API2_MIN_TIER
from aimg_site.api.envelope import ok
from aimg_site.api.views import AdminPolicy, ApiView, Caller
from billing.entitlements import require_tier

from . import selectors, services
from .parameters import EXPLICIT_FIELDS
from .serializers import (
    WORKFLOW_STATUS_PAYLOAD,
    EnqueueWorkflowInput,
    EnqueueWorkflowOutput,
    FileGroupItemsOutput,
    FileGroupQuery,
    TemplatesQuery,
    WorkflowStateObjectOutput,
    WorkflowStatusQuery,
    WorkflowTemplateOutput,
)


class _Api2(ApiView):
    """The API2 gate: signed in (401) with a PRO tier of ``API2_MIN_TIER`` or above (403)."""

    tags = ("api2",)
    caller = Caller.SIGNED_IN
    errors: tuple[int, ...] = (401, 403)
    #: True: a call with a valid X-Administration-Key skips the tier check.
    admins_pass = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not (self.admins_pass and self.identity.is_admin):
            require_tier(self.caller_user, API2_MIN_TIER, purpose="for API2 endpoints")


class GetAggregatedWorkflowTemplatesApi(_Api2):
    """The Workflow Templates deployed to this site's environment (``a2stage`` on staging, ``a2prod`` on
    production), optionally only those named in ``workflowTemplateNames``."""

    operation_id = "getAggregatedWorkflowTemplates"
    url_path = "2/getAggregatedWorkflowTemplates"
    query_serializer = TemplatesQuery
    output_serializer = WorkflowTemplateOutput
    output_many = True

    def get(self, request):
        data = self.input()
        return self.respond(selectors.templates_payload(names=data.get("workflowTemplateNames")))


class GetFileGroupItemsApi(_Api2):
    """The files of a file group of the catalog (LoRAs, checkpoints... the workflows can use)."""

    operation_id = "getFileGroupItems"
    url_path = "2/getFileGroupItems"
    query_serializer = FileGroupQuery
    output_serializer = FileGroupItemsOutput
    errors = (401, 403, 404)

    def get(self, request):
        data = self.input()
        group = selectors.file_group_get(name=data["fileGroup"])
        return self.respond({"fileNames": list(group.file_names)})


class GetWorkflowStatusApi(_Api2):
    """Where the caller's workflow runs stand: one WorkflowStateObject for ``workflowId``, an array
    for ``workflowIds`` (at most 100). Another user's workflow is a 404; Admins see any."""

    operation_id = "getWorkflowStatus"
    url_path = "2/getWorkflowStatus"
    admin_policy = AdminPolicy.OPTIONAL
    admins_pass = True
    query_serializer = WorkflowStatusQuery
    output_serializer = WORKFLOW_STATUS_PAYLOAD
    errors = (401, 403, 404)

    def get(self, request):
        data = self.input()
        ids, single = selectors.requested_workflow_ids(
            workflow_id=data.get("workflowId"), workflow_ids=data.get("workflowIds")
        )
        jobs = selectors.workflow_jobs(ids=ids, user=self.caller_user, is_admin=self.identity.is_admin)
        states = [
            WorkflowStateObjectOutput(selectors.workflow_state(job=job, request=request)).data for job in jobs
        ]
        return ok(states[0] if single else states)


class EnqueueWorkflowApi(_Api2):
    """Queue one run of a Workflow Template: ``batchSize`` Items and one job on the generation engine
    (the template's model queue, Pro priority, the tier's concurrency limit). Explicit fields stand
    for template parameters; an entry of ``parameters`` wins over the explicit field."""

    operation_id = "enqueueWorkflow"
    url_path = "2/enqueueWorkflow"
    body_serializer = EnqueueWorkflowInput
    output_serializer = EnqueueWorkflowOutput
    errors = (401, 403, 404, 429)

    def post(self, request):
        data = self.input()
        explicit = {name: data[name] for name in (*EXPLICIT_FIELDS, "lora", "lora_strength") if name in data}
        req = services.WorkflowRequest(
            template_name=data["workflowTemplateName"],
            parameters=[dict(entry) for entry in data.get("parameters") or []],
            explicit=explicit,
            folder=data.get("folderID"),
        )
        job = services.workflow_enqueue(owner=self.caller_user, req=req)
        item_ids = [str(i) for i in job.items.order_by("created_at", "id").values_list("id", flat=True)]
        first = str(job.item_id)
        return self.respond(
            {"itemIds": [first] + [i for i in item_ids if i != first], "workflowId": job.workflow_id}
        )
