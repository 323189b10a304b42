"""The platform tables in the Django admin console."""

from django.contrib import admin

from .models import Domain


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name", "frontend_url", "environment")
    readonly_fields = ("name",)

    def has_add_permission(self, request):
        return False  # domains are seeded by migrations

    def has_delete_permission(self, request, obj=None):
        return False
