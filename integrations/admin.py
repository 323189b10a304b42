"""Console views of the integrations: uploads to Scenario, and who is connected (never the secrets)."""

from django.contrib import admin

from .models import ScenarioConnection, ScenarioUpload


@admin.register(ScenarioConnection)
class ScenarioConnectionAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "updated_at")
    fields = ("user", "created_at", "updated_at")  # the encrypted key and secret stay out of the console
    readonly_fields = fields
    search_fields = ("user__email",)

    def has_add_permission(self, request):
        return False


@admin.register(ScenarioUpload)
class ScenarioUploadAdmin(admin.ModelAdmin):
    list_display = ("item", "user", "status", "asset_id", "attempts", "updated_at")
    list_filter = ("status",)
    readonly_fields = (
        "send",
        "item",
        "user",
        "status",
        "scenario_upload_id",
        "asset_id",
        "error_message",
        "attempts",
        "lease_until",
        "created_at",
        "updated_at",
    )
    search_fields = ("user__email", "asset_id", "scenario_upload_id")

    def has_add_permission(self, request):
        return False
