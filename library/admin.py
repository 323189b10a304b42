"""The moderators' and staff's console for items and folders (the domain of the console's host)."""

from django.contrib import admin
from django.utils.html import format_html

from library.items.media import item_url

from .models import Folder, Item, Tag


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "mtype",
        "public_approval_status",
        "is_public",
        "is_protected",
        "folder",
        "completed_at",
        "deleted_at",
    )
    list_filter = ("public_approval_status", "is_public", "is_protected", "mtype", "media_type")
    search_fields = ("=id", "owner__email", "=owner__id", "prompt")
    list_select_related = ("owner", "folder")
    raw_id_fields = ("owner", "folder")
    date_hierarchy = "completed_at"
    readonly_fields = ("preview", "view_count", "like_count", "dislike_count", "created_at")
    ordering = ("-folder_added_at",)
    show_full_result_count = False

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.media:
            return "-"
        return format_html('<img src="{}" style="max-width:256px;max-height:256px">', item_url(obj))


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "is_public", "created_at", "updated_at")
    list_filter = ("is_public",)
    search_fields = ("=id", "owner__email", "=owner__id", "name")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)

    def get_readonly_fields(self, request, obj=None):
        # Public or private from its creation on (its id's form and the public counts rely on it).
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "is_public") if obj is not None else fields


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
