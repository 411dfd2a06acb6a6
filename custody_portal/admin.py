"""Admin views of the shared models. The audit log and refresh runs are read-only: they are
records of what happened, written only by services."""

from django.contrib import admin

from .models import AuditEvent, RefreshRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search, never add, change or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only: no add, change or delete (the model and the database refuse
    them too). The actor's name is read from the event, so the list joins no table."""

    list_display = (
        "sequence",
        "created_at",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "wallet_id",
    )
    list_filter = ("action", "object_type")
    search_fields = ("=actor_username", "object_id", "message", "=wallet_id")
    date_hierarchy = "created_at"
    ordering = ("-sequence",)


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "task", "scope", "status", "finished_at", "error")
    list_filter = ("task", "status")
    search_fields = ("scope", "error")
    date_hierarchy = "started_at"
