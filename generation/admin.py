"""Staff console for the generation catalog, the filtered words and the jobs (the console host's domain)."""

from django.contrib import admin

from .models import FilteredWord, GenerationEvent, GenerationJob, GenerationModel, SamplePrompt


@admin.register(GenerationModel)
class GenerationModelAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "kind", "min_tier", "registration_wall", "ordering", "is_active")
    list_filter = ("kind", "min_tier", "registration_wall", "is_active")
    search_fields = ("name", "label")
    ordering = ("ordering", "name")


@admin.register(SamplePrompt)
class SamplePromptAdmin(admin.ModelAdmin):
    list_display = ("key", "positive_prompt", "ordering", "is_active")
    list_filter = ("is_active",)
    search_fields = ("key", "positive_prompt")
    raw_id_fields = ("user",)


@admin.register(FilteredWord)
class FilteredWordAdmin(admin.ModelAdmin):
    list_display = ("word", "created_at")
    search_fields = ("word",)


class GenerationEventInline(admin.TabularInline):
    model = GenerationEvent
    extra = 0
    readonly_fields = ("status", "attempt", "message", "created_at")
    can_delete = False


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = ("id", "model", "user", "status", "priority", "attempt", "queued_at", "finished_at")
    list_filter = ("status", "priority", "model")
    search_fields = ("=id", "=item__id", "user__email")
    raw_id_fields = ("item", "user")
    readonly_fields = ("items",)
    inlines = (GenerationEventInline,)
    show_full_result_count = False
