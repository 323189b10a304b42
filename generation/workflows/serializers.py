"""Wire shapes of API2 workflows: the reference's WorkflowTemplate, WorkflowTemplateParameter,
WorkflowTemplateFile, WorkflowStateObject (``runParamaters`` as spelled), WorkflowRunParameter and
WorkflowOutputFileEntry, and the inputs of the four endpoints."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from aimg_site.api.fields import CommaListField, UUIDListField
from library.folders.ids import ANY_PATTERN
from library.folders.serializers import FolderIdField
from library.items.serializers import WorkflowRunParameterOutput

from .parameters import MAX_TEXT_LENGTH
from .selectors import MAX_WORKFLOW_IDS

# ---------------------------------------------------------------- inputs


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^{ANY_PATTERN}$",
        "description": "A private folder id (UUID) or a public one (p-UUID).",
    }
)
class WorkflowFolderIdField(FolderIdField):
    """A folder id of either kind."""


class TemplateNamesField(CommaListField):
    """Comma-separated template names."""

    item_max_length = 200


class TemplatesQuery(serializers.Serializer):
    """getAggregatedWorkflowTemplates query."""

    workflowTemplateNames = TemplateNamesField(
        required=False, max_items=100, help_text="Comma-separated template names: only these templates."
    )


class FileGroupQuery(serializers.Serializer):
    """getFileGroupItems query."""

    fileGroup = serializers.CharField(
        max_length=100, help_text="The name of the file group (404 if unknown)."
    )


class WorkflowStatusQuery(serializers.Serializer):
    """getWorkflowStatus query: ``workflowId`` (one object back) or ``workflowIds`` (an array back)."""

    workflowId = serializers.UUIDField(
        required=False, help_text="One workflow id: the payload is one object."
    )
    workflowIds = UUIDListField(
        required=False,
        max_items=MAX_WORKFLOW_IDS,
        allow_empty=False,
        help_text=f"Comma-separated workflow ids (at most {MAX_WORKFLOW_IDS}): the payload is an array.",
    )


class WorkflowRunParameterInput(serializers.Serializer):
    """WorkflowRunParameter: a template parameter's name and its value as a string."""

    name = serializers.CharField(max_length=200)
    value = serializers.CharField(max_length=MAX_TEXT_LENGTH, allow_blank=True, trim_whitespace=False)


class EnqueueWorkflowInput(serializers.Serializer):
    """enqueueWorkflow body. Explicit fields stand for template parameters (``prompt`` → "Positive
    Prompt"...); an entry of ``parameters`` wins over the explicit field for the same parameter.
    Everything is checked against the template (400 naming the parameter)."""

    workflowTemplateName = serializers.CharField(max_length=200, help_text="The template to run.")
    parameters = WorkflowRunParameterInput(many=True, required=False, max_length=200)  # type: ignore[call-arg]
    prompt = serializers.CharField(
        max_length=MAX_TEXT_LENGTH,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Positive Prompt.",
    )
    negprompt = serializers.CharField(
        max_length=MAX_TEXT_LENGTH,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Negative Prompt.",
    )
    seed = serializers.IntegerField(
        required=False, min_value=-1, max_value=2**32 - 1, help_text="Seed (-1: random)."
    )
    subseed = serializers.IntegerField(required=False, min_value=0, max_value=2**32 - 1, help_text="Subseed.")
    subseed_strength = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Subseed Strength."
    )
    steps = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text="Steps.")
    cfgscale = serializers.FloatField(required=False, min_value=0, max_value=100, help_text="CFG Scale.")
    modelName = serializers.CharField(
        max_length=200, required=False, help_text="Model (a file of its group)."
    )
    lora = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=20,
        help_text="Lora 1, Lora 2...",
    )
    lora_strength = serializers.ListField(
        child=serializers.FloatField(min_value=-100, max_value=100),
        required=False,
        max_length=20,
        help_text="Lora 1 Strength, Lora 2 Strength... (as many as lora).",
    )
    height = serializers.IntegerField(required=False, min_value=1, max_value=16384, help_text="Height.")
    width = serializers.IntegerField(required=False, min_value=1, max_value=16384, help_text="Width.")
    batchSize = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        help_text="Batch Size: how many Items (the template bounds it).",
    )
    folderID = WorkflowFolderIdField(required=False, help_text="One of the caller's folders (404 otherwise).")


# ---------------------------------------------------------------- outputs


class _Sparse(serializers.Serializer):
    """Leaves out optional fields whose value is absent or ``None`` (the reference's O fields)."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if not field.required and data.get(name) is None:
                data.pop(name, None)
        return data


class WorkflowTemplateParameterOutput(_Sparse):
    """WorkflowTemplateParameter."""

    name = serializers.CharField()
    type = serializers.CharField(required=False)
    dataType = serializers.ChoiceField(
        choices=["string", "number", "boolean", "array", "object", "file", "files", "filesGroup", "dropdown"]
    )
    uiType = serializers.CharField(required=False)
    description = serializers.CharField()
    defaultValue = serializers.CharField()
    userValue = serializers.CharField(required=False)
    replaceFromString = serializers.CharField()
    extraData = serializers.JSONField(required=False)
    isOptional = serializers.BooleanField()
    min = serializers.CharField(required=False)
    max = serializers.CharField(required=False)
    increment = serializers.CharField(required=False)
    optionName = serializers.CharField()
    isAlwaysVisible = serializers.BooleanField()
    isHidden = serializers.BooleanField()
    fileGroup = serializers.CharField(required=False)
    fileGroupDestination = serializers.CharField(required=False)
    dropdownItems = serializers.ListField(child=serializers.CharField(), required=False)


class WorkflowTemplateFileOutput(serializers.Serializer):
    """WorkflowTemplateFile."""

    fileNames = serializers.ListField(child=serializers.CharField())
    supportFileType = serializers.CharField()


class WorkflowTemplateOutput(serializers.Serializer):
    """WorkflowTemplate."""

    name = serializers.CharField()
    deployments = serializers.ListField(child=serializers.ChoiceField(choices=["a2stage", "a2prod"]))
    parameters = WorkflowTemplateParameterOutput(many=True)
    workflowTemplateFiles = serializers.DictField(
        child=WorkflowTemplateFileOutput(), help_text="Each file group the template uses, by its name."
    )


class FileGroupItemsOutput(serializers.Serializer):
    fileNames = serializers.ListField(child=serializers.CharField())


class WorkflowOutputFileEntryOutput(_Sparse):
    """WorkflowOutputFileEntry (``size`` in bytes and ``itemId`` beyond the reference)."""

    note = serializers.CharField(required=False)
    fileName = serializers.CharField(required=False)
    downloadURL = serializers.CharField(required=False)
    isMainOutput = serializers.BooleanField()
    size = serializers.IntegerField(required=False, help_text="Beyond the reference: bytes.")
    height = serializers.IntegerField()
    width = serializers.IntegerField()
    type = serializers.CharField(required=False, help_text="The MIME type.")
    itemId = serializers.UUIDField(
        required=False, help_text="Beyond the reference: the Item holding the file."
    )


class WorkflowRunParamatersOutput(serializers.Serializer):
    """WorkflowStateObject ``runParamaters`` (the reference's spelling)."""

    publicId = serializers.CharField(allow_null=True, help_text="Usually null here.")
    workflowTemplateName = serializers.CharField()
    parameters = WorkflowRunParameterOutput(many=True)


class WorkflowStateObjectOutput(_Sparse):
    """WorkflowStateObject. ``state``: running (queued ones too: ``isStarted`` false), completed, error
    (failed or cancelled). ``status`` and ``progress`` are beyond the reference."""

    _id = serializers.CharField()
    publicId = serializers.CharField(required=False, help_text="The workflowId.")
    runParamaters = WorkflowRunParamatersOutput(required=False)
    isStarted = serializers.BooleanField()
    isComplete = serializers.BooleanField(help_text="True once it ended (completed, failed or cancelled).")
    isError = serializers.BooleanField()
    errorMessage = serializers.CharField(required=False)
    outputFiles = WorkflowOutputFileEntryOutput(many=True, required=False)
    log = serializers.ListField(child=serializers.CharField(), required=False)
    workflowJsonString = serializers.CharField(required=False)
    state = serializers.ChoiceField(choices=["running", "completed", "error"], required=False)
    status = serializers.CharField(
        required=False,
        help_text="Beyond the reference: the engine's status (queued, running, completed, failed, cancelled).",
    )
    progress = serializers.FloatField(required=False, help_text="Beyond the reference: 0 to 1 while running.")
    startTime = serializers.CharField(allow_null=True, help_text="ISO 8601; null until it starts.")
    endTime = serializers.CharField(allow_null=True, help_text="ISO 8601; null until it ends.")
    api2userEmail = serializers.CharField(required=False)
    itemIds = serializers.ListField(child=serializers.UUIDField())


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="WorkflowStatusPayload",
        serializers=[WorkflowStateObjectOutput, WorkflowStateObjectOutput(many=True)],
        resource_type_field_name=None,
        many=False,
    )
)
class WorkflowStatusPayloadField(serializers.Field):
    """One WorkflowStateObject for ``workflowId``, an array of them for ``workflowIds``."""


WORKFLOW_STATUS_PAYLOAD = WorkflowStatusPayloadField()


class EnqueueWorkflowOutput(serializers.Serializer):
    itemIds = serializers.ListField(
        child=serializers.UUIDField(), help_text="The run's Items (getItemStatus)."
    )
    workflowId = serializers.UUIDField(help_text="The run (getWorkflowStatus).")
