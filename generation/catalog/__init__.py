"""The versioned generation catalog and its loader.

Each catalog file is a JSON list of rows; ``LOADERS`` maps a file to the model
it fills and the field that identifies a row within a domain. ``catalog_load``
upserts every loader's rows for one domain, so running it again changes
nothing (idempotent) and edits made in the admin to fields the files do not
name survive. Later issues add workflow templates, report queues and billing
plans by appending a loader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

CATALOG_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Loader:
    """One catalog file: ``filename`` rows upserted into ``model`` by ``key`` (``app_label.Model``)."""

    filename: str
    model: str
    key: str


LOADERS: tuple[Loader, ...] = (
    Loader("models.json", "generation.GenerationModel", "name"),
    Loader("sample_prompts.json", "generation.SamplePrompt", "key"),
    # API2: file groups first (templates name them), then one file per workflow template.
    Loader("file_groups.json", "generation.FileGroup", "name"),
    Loader("workflow_templates", "generation.WorkflowTemplate", "name"),
)


def catalog_rows(filename: str) -> list[dict]:
    """The rows of one catalog file, or of a folder of files holding one JSON object (row) each."""
    path = CATALOG_DIR / filename
    if path.is_dir():
        rows = []
        for child in sorted(path.glob("*.json")):
            with open(child, encoding="utf-8") as f:
                row = json.load(f)
            if not isinstance(row, dict):
                raise ValueError(f"{filename}/{child.name}: a catalog row file is one JSON object")
            rows.append(row)
        return rows
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    if not isinstance(rows, list):
        raise ValueError(f"{filename}: a catalog file is a JSON list of objects")
    return rows


class CatalogError(ValueError):
    """A catalog file is inconsistent; the message names the file and the problem."""


#: What looks like a marker in an API2 workflow template.
API2_MARKER_SYNTAX = re.compile(r"\{\{[A-Za-z0-9_]+\}\}")


def catalog_problems() -> list[str]:
    """Every inconsistency of the versioned catalog files (empty: loadable)."""
    from generation.backends.comfyui import template_problems as comfyui_template_problems
    from generation.workflows.parameters import marker_problems, template_problems

    problems: list[str] = []
    for row in catalog_rows("models.json"):
        name = row.get("workflow_template")
        if not name:
            continue
        for problem in comfyui_template_problems(
            name, kind=row.get("kind", "image"), directory=CATALOG_DIR / "comfyui"
        ):
            problems.append(f"comfyui/{name}.json (model {row.get('name')!r}): {problem}")
    groups = {row["name"]: list(row.get("file_names") or []) for row in catalog_rows("file_groups.json")}
    for row in catalog_rows("workflow_templates"):
        found = template_problems(
            definitions=row.get("parameters") or [],
            workflow=row.get("workflow"),
            file_groups=groups,
            max_batch_size=int(row.get("max_batch_size") or 1),
        ) + marker_problems(
            workflow=row.get("workflow"),
            definitions=row.get("parameters") or [],
            syntax=API2_MARKER_SYNTAX,
            required=frozenset(),
        )
        problems.extend(f"workflow_templates/{row.get('name')}: {problem}" for problem in found)
    return problems


def catalog_check() -> None:
    """Raise :class:`CatalogError` listing every problem of the catalog files, if there is one."""
    problems = catalog_problems()
    if problems:
        raise CatalogError("The catalog cannot be loaded: " + "; ".join(problems))


def catalog_load(*, domain: Domain) -> dict[str, dict[str, int]]:
    """Upsert every catalog file's rows for ``domain``; returns ``{file: {"created": n, "updated": m}}``."""
    from django.apps import apps

    catalog_check()
    report: dict[str, dict[str, int]] = {}
    with domain_context(domain), transaction.atomic():
        for loader in LOADERS:
            model = apps.get_model(loader.model)
            created = updated = 0
            for row in catalog_rows(loader.filename):
                row = dict(row)
                key = row.pop(loader.key)
                _, was_created = model.objects.update_or_create(
                    domain=domain, **{loader.key: key}, defaults=row
                )
                created += was_created
                updated += not was_created
            report[loader.filename] = {"created": created, "updated": updated}
    return report
