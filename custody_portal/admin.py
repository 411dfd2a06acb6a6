"""Admin views of the shared models. The audit trail and refresh runs are read-only: they are
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
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "wallet_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "message", "actor__username", "=wallet_id")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "task", "scope", "status", "finished_at", "error")
    list_filter = ("task", "status")
    search_fields = ("scope", "error")
    date_hierarchy = "started_at"
