"""Staff console: affiliate ads (the console host's domain) and a read-only view of stored files."""

from django.contrib import admin

from .models import AffiliateAd, StoredFile


@admin.register(AffiliateAd)
class AffiliateAdAdmin(admin.ModelAdmin):
    list_display = ("ad_text", "ad_link", "weight", "is_active", "starts_at", "ends_at")
    list_filter = ("is_active",)
    search_fields = ("ad_text", "ad_link")


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "content_type", "size", "created_at")
    search_fields = ("id", "file_name")
    readonly_fields = [f.name for f in StoredFile._meta.fields]

    def has_add_permission(self, request):  # files arrive through uploadFile (checksum, sniffing)
        return False
