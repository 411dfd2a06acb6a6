"""Read-only admin views of the local copy: it is written by refreshes and services only."""

from django.contrib import admin

from custody_portal.admin import ReadOnlyAdmin

from .models import ExternalAccount, SubAddress, Wallet, WalletBalance


class WalletBalanceInline(admin.TabularInline):
    model = WalletBalance
    fields = ("asset", "total", "spendable")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "custom_id", "kind", "synced_at", "removed_at")
    list_filter = ("kind",)
    search_fields = ("name", "custom_id", "=id")
    inlines = [WalletBalanceInline]


@admin.register(SubAddress)
class SubAddressAdmin(ReadOnlyAdmin):
    list_display = ("address", "asset", "wallet_id", "name", "is_watched", "synced_at")
    list_filter = ("asset", "is_watched")
    search_fields = ("address", "name")


@admin.register(ExternalAccount)
class ExternalAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "custom_id", "synced_at", "removed_at")
    search_fields = ("name", "custom_id")
