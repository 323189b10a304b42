"""Reads of API2 workflows: templates deployed here, file groups, and the state of runs (bound domain)."""

from __future__ import annotations

import json
import uuid

from django.db.models import QuerySet

from aimg_site.api.exceptions import InvalidParameter, NotFound
from aimg_site.core.scoping import current_domain
from generation.models import FileGroup, GenerationJob, JobStatus, WorkflowTemplate
from library.items.media import item_url

#: A domain's ``environment`` → the WorkflowTemplate ``deployments`` value listed there.
DEPLOYMENT_OF_ENVIRONMENT = {"staging": "a2stage", "prod": "a2prod"}
#: How many ids ``getWorkflowStatus?workflowIds=`` takes at once.
MAX_WORKFLOW_IDS = 100


def current_deployment() -> str:
    """``a2stage`` or ``a2prod``: the deployment of the request's domain."""
    return DEPLOYMENT_OF_ENVIRONMENT.get(current_domain().environment, "a2prod")


def templates_list(*, names: list[str] | None = None) -> list[WorkflowTemplate]:
    """Active templates deployed to this environment, in catalog order (optionally only those named).

    ``deployments`` is a JSON list; the filter runs here rather than in SQL so
    the same code works on SQLite (the embedded default) and PostgreSQL.
    """
    qs: QuerySet[WorkflowTemplate] = WorkflowTemplate.objects.filter(is_active=True).order_by(
        "ordering", "name"
    )
    if names:
        qs = qs.filter(name__in=names)
    deployment = current_deployment()
    return [t for t in qs if deployment in (t.deployments or [])]


def template_get_for_run(*, name: str) -> WorkflowTemplate:
    """The active template ``name`` deployed here; a 400 naming ``workflowTemplateName`` otherwise."""
    template = WorkflowTemplate.objects.filter(name=name, is_active=True).first()
    if template is None or current_deployment() not in (template.deployments or []):
        raise InvalidParameter("workflowTemplateName", f"names no workflow template of this site ('{name}')")
    return template


def file_groups_map(*, names: list[str] | None = None) -> dict[str, list[str]]:
    """Active file groups of this domain: name → file names."""
    qs = FileGroup.objects.filter(is_active=True)
    if names is not None:
        qs = qs.filter(name__in=names)
    return {name: list(files) for name, files in qs.values_list("name", "file_names")}


def file_group_get(*, name: str) -> FileGroup:
    """The active file group ``name``; a 404 otherwise."""
    group = FileGroup.objects.filter(name=name, is_active=True).first()
    if group is None:
        raise NotFound(f"File group '{name}' not found.")
    return group


def template_files(*, template: WorkflowTemplate, groups: dict[str, FileGroup]) -> dict[str, dict]:
    """WorkflowTemplate ``workflowTemplateFiles``: each file group its parameters use, by group name."""
    files: dict[str, dict] = {}
    for definition in template.parameters:
        name = definition.get("fileGroup")
        if definition.get("dataType") == "filesGroup" and name in groups and name not in files:
            group = groups[name]
            files[name] = {"fileNames": list(group.file_names), "supportFileType": group.support_file_type}
    return files


def templates_payload(*, names: list[str] | None = None) -> list[dict]:
    """The WorkflowTemplate objects of ``getAggregatedWorkflowTemplates``."""
    templates = templates_list(names=names)
    groups = {g.name: g for g in FileGroup.objects.filter(is_active=True)}
    return [
        {
            "name": t.name,
            "deployments": list(t.deployments),
            "parameters": list(t.parameters),
            "workflowTemplateFiles": template_files(template=t, groups=groups),
        }
        for t in templates
    ]


# ---------------------------------------------------------------- runs


def requested_workflow_ids(
    *, workflow_id: uuid.UUID | None, workflow_ids: list[uuid.UUID] | None
) -> tuple[list[uuid.UUID], bool]:
    """The ids asked for (``workflowId`` or ``workflowIds``) and whether one object (not a list) is wanted."""
    if workflow_id is not None and workflow_ids is not None:
        raise InvalidParameter("workflowId", "and 'workflowIds' cannot both be given")
    if workflow_id is not None:
        return [workflow_id], True
    if not workflow_ids:
        raise InvalidParameter("workflowId", "or 'workflowIds' is required")
    return list(dict.fromkeys(workflow_ids)), False


def workflow_jobs(*, ids: list[uuid.UUID], user, is_admin: bool = False) -> list[GenerationJob]:
    """The workflow jobs ``ids`` of ``user`` (of anyone in the domain for an Admin), in the order asked.

    Any id that is not such a job is a 404 (another user's workflow looks like a missing one).
    """
    qs = GenerationJob.objects.filter(workflow_id__in=ids, workflow_template__isnull=False).select_related(
        "workflow_template", "user"
    )
    if not is_admin:
        qs = qs.filter(user_id=user.pk)
    found = {job.workflow_id: job for job in qs}
    for value in ids:
        if value not in found:
            raise NotFound(f"Workflow '{value}' not found.")
    return [found[value] for value in ids]


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


#: GenerationJob status → WorkflowStateObject ``state`` (the reference's three values).
STATE_OF_STATUS = {
    JobStatus.QUEUED: "running",
    JobStatus.RUNNING: "running",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "error",
    JobStatus.CANCELLED: "error",
}


def _log(job: GenerationJob) -> list[str]:
    lines = []
    for event in job.events.all():
        line = f"{_iso(event.created_at)} {event.status}"
        if event.attempt:
            line += f" (attempt {event.attempt})"
        # a running event's message names the worker: internal, not for users
        if event.message and event.status != JobStatus.RUNNING:
            line += f": {event.message}"
        lines.append(line)
    return lines


def _items(job: GenerationJob) -> list:
    items = list(job.items.order_by("created_at", "id"))
    return [i for i in items if i.pk == job.item_id] + [i for i in items if i.pk != job.item_id]


def _mime_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "png": "image/png",
        "webp": "image/webp",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "mp4": "video/mp4",
    }.get(extension, "application/octet-stream")


def _output_files(job: GenerationJob, items: list, request) -> list[dict]:
    if job.status != JobStatus.COMPLETED:
        return []
    files = []
    for index, item in enumerate(items):
        name = item.media.name or ""
        try:
            size = item.media.size
        except OSError:
            size = 0
        files.append(
            {
                "note": f"Item {item.pk} ({index + 1} of {len(items)})",
                "fileName": name.rsplit("/", 1)[-1],
                "downloadURL": item_url(item, request),
                "isMainOutput": True,
                "size": size,
                "height": item.height,
                "width": item.width,
                "type": _mime_type(name),
                "itemId": str(item.pk),
            }
        )
    return files


def workflow_state(*, job: GenerationJob, request=None) -> dict:
    """The WorkflowStateObject of a workflow job (the reference's wire names, ``runParamaters`` included)."""
    template = job.workflow_template
    items = _items(job)
    data: dict = {
        "_id": str(job.pk),
        "publicId": str(job.workflow_id),
        "runParamaters": {
            "publicId": None,
            "workflowTemplateName": template.name if template else "",
            "parameters": list(job.workflow_run_parameters or []),
        },
        "isStarted": job.started_at is not None,
        "isComplete": job.status in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED),
        "isError": job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
        "outputFiles": _output_files(job, items, request),
        "log": _log(job),
        "workflowJsonString": json.dumps(job.workflow_graph or {}, ensure_ascii=False),
        "state": STATE_OF_STATUS[JobStatus(job.status)],
        "status": job.status,
        "startTime": _iso(job.started_at),
        "endTime": _iso(job.finished_at),
        "api2userEmail": job.user.email or "",
        "itemIds": [str(item.pk) for item in items],
    }
    if job.status == JobStatus.FAILED:
        data["errorMessage"] = job.error_message or "The workflow failed."
    elif job.status == JobStatus.CANCELLED:
        data["errorMessage"] = "The workflow was cancelled."
    if job.status == JobStatus.RUNNING and job.progress is not None:
        data["progress"] = job.progress
    return data
