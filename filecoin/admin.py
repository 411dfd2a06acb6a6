"""Read-only admin views of the Filecoin copy: written by the refresh, the roll-up job and the
alert services only (acknowledge and mute go through the pages, which audit them)."""

from django.contrib import admin

from custody_portal.admin import ReadOnlyAdmin

from .models import SectorRollup, SectorSnapshot, StorageProvider, StorageProviderAlert


@admin.register(StorageProvider)
class StorageProviderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "address",
        "wallet_id",
        "faulty_sectors",
        "live_sectors",
        "available_balance",
        "last_updated_at",
        "removed_at",
    )
    search_fields = ("address", "=id", "=wallet__id")
    list_select_related = False


@admin.register(SectorSnapshot)
class SectorSnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "provider_id",
        "last_updated_at",
        "active_sectors",
        "faulty_sectors",
        "taken_at",
    )
    search_fields = ("=provider__id",)
    date_hierarchy = "last_updated_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows


@admin.register(SectorRollup)
class SectorRollupAdmin(ReadOnlyAdmin):
    list_display = (
        "provider_id",
        "resolution",
        "bucket_start",
        "samples",
        "faulty_sectors_max",
        "faulty_sectors_last",
    )
    list_filter = ("resolution",)
    search_fields = ("=provider__id",)
    show_full_result_count = False


@admin.register(StorageProviderAlert)
class StorageProviderAlertAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider_id", "kind", "opened_at", "closed_at", "muted_until")
    list_filter = ("kind",)
    search_fields = ("=provider__id", "provider__address")
    date_hierarchy = "opened_at"
