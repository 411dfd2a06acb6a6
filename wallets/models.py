"""The portal's local copy of Balance's wallets, balances, addresses and external accounts.

Pages read these tables only; refresh services (wallets.services) keep them in step with
Balance. Amounts are integer base units (`BaseUnitsField`), never floats.
"""

from django.db import models
from django.db.models import Q

from custody_portal.assets import asset_name
from custody_portal.fields import BaseUnitsField
from custody_portal.money import format_coin


class Wallet(models.Model):
    """A Balance wallet as the last refresh saw it. `id` is Balance's own wallet id.

    A wallet Balance stops returning is kept with `removed_at` set: it disappears from lists
    and totals, and its page says it was removed (the audit trail still points at it).
    """

    id = models.BigIntegerField(primary_key=True, help_text="The wallet id at Balance.")
    name = models.CharField(max_length=255, db_index=True)
    custom_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    kind = models.CharField(max_length=16, db_index=True, help_text="warm or cold")
    description = models.TextField(blank=True, default="")
    # The last wallet list walk that saw the wallet (written by list walks only: a detail
    # read never moves it, nor `removed_at`, so it cannot race a walk's removals).
    synced_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the spendable balances were last read from the wallet detail endpoint. Indexed:
    # the wallet details refresh reads the oldest ones first.
    detail_synced_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the sub-addresses of every sub-address asset were last read from Balance. Indexed:
    # the periodic sweep reads the never-read and oldest ones first.
    sub_addresses_synced_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} (#{self.id})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class WalletBalance(models.Model):
    """One asset's balance of one wallet, in base units.

    `spendable` is only known from Balance's wallet detail endpoint (the wallet details
    refresh reads it in the background); the list refresh leaves it alone while the total is
    unchanged and clears it (unknown) when the total moves.
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="balances")
    asset = models.CharField(max_length=16)
    total = BaseUnitsField()
    spendable = BaseUnitsField(null=True, blank=True)

    class Meta:
        ordering = ["asset"]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "asset"], name="wallet_balance_unique"),
        ]
        indexes = [
            # "holds asset X" filters and "sort by X balance", the asset pages.
            models.Index(fields=["asset", "total"], name="wallet_balance_asset_total"),
        ]

    def __str__(self) -> str:
        return f"{self.wallet_id} {format_coin(self.total, self.asset)}"

    @property
    def total_display(self) -> str:
        return format_coin(self.total, self.asset)

    @property
    def spendable_display(self) -> str:
        return format_coin(self.spendable, self.asset)

    @property
    def asset_name(self) -> str:
        return asset_name(self.asset)


class FundingAddress(models.Model):
    """The main deposit address of a wallet for one asset (Balance's `funding_addresses`)."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="funding_addresses")
    asset = models.CharField(max_length=16)
    address = models.CharField(max_length=255)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["asset"]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "asset"], name="funding_address_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.address}"


class SubAddress(models.Model):
    """A deposit (sub-)address of a wallet for a sub-address asset (btc, bch, ltc, dash)."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="sub_addresses")
    asset = models.CharField(max_length=16)
    address = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    balance = BaseUnitsField(default=0)
    is_watched = models.BooleanField(default=False)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["asset", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "asset", "address"], name="sub_address_unique"
            ),
        ]
        indexes = [
            # The periodic refresh walks "wallets having any watched sub-address".
            models.Index(
                fields=["wallet"], condition=Q(is_watched=True), name="sub_address_watched"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.address}"

    @property
    def balance_display(self) -> str:
        return format_coin(self.balance, self.asset)

    def snapshot(self) -> dict:
        """The user-editable fields, for audit before/after values."""
        return {"name": self.name, "notes": self.notes, "is_watched": self.is_watched}


class ExternalAccount(models.Model):
    """An approved destination outside Balance (`/api/v1/external_accounts`)."""

    id = models.BigIntegerField(primary_key=True, help_text="The account id at Balance.")
    name = models.CharField(max_length=255, db_index=True)
    custom_id = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    synced_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} (#{self.id})"


class ExternalAccountAddress(models.Model):
    """The address of an external account for one asset."""

    account = models.ForeignKey(ExternalAccount, on_delete=models.CASCADE, related_name="addresses")
    asset = models.CharField(max_length=16)
    address = models.CharField(max_length=255)

    class Meta:
        ordering = ["asset"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "asset"], name="external_account_address_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.address}"
