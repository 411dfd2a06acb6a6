"""Read side of wallets: querysets and summaries for pages and the API (database only).

Every selector runs a constant number of queries whatever the number of wallets: filters
and sorts are joins on indexed columns, related rows come through prefetches.
"""

from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from custody_portal.assets import SUB_ADDRESS_ASSETS, asset_name
from custody_portal.fields import sum_base_units
from custody_portal.models import AuditEvent
from custody_portal.money import format_coin

from .models import ExternalAccount, SubAddress, Wallet, WalletBalance

WALLET_SORTS = ("name", "-name", "id", "-id")
BALANCE_SORT_PREFIX = "balance:"


@dataclass(frozen=True)
class WalletFilters:
    """The wallet list's filters, already validated (see forms.WalletFilterForm)."""

    q: str = ""
    kind: str = ""
    asset: str = ""  # "holds asset X": a balance > 0
    sort: str = "name"  # name, -name, id, -id, or balance:<asset> (largest first)

    @property
    def sort_asset(self) -> str:
        return self.sort.removeprefix(BALANCE_SORT_PREFIX) if self.sorts_by_balance else ""

    @property
    def sorts_by_balance(self) -> bool:
        return self.sort.startswith(BALANCE_SORT_PREFIX)

    @property
    def column_asset(self) -> str:
        """The asset whose balance gets its own column (the sorted one, else the filter's)."""
        return self.sort_asset or self.asset


def wallet_list(*, filters: WalletFilters) -> QuerySet[Wallet]:
    """Active wallets matching `filters`, sorted, with their balances prefetched.

    `q` matches name or custom id (substring, case-insensitive) or, when numeric, the id.
    A selected asset is joined once (on the unique (wallet, asset) index) and exposed as
    `asset_total` for its column; sorting by it puts wallets without that asset last.
    """
    qs = Wallet.objects.filter(removed_at__isnull=True)
    q = filters.q.strip()
    if q:
        match = Q(name__icontains=q) | Q(custom_id__icontains=q)
        if q.isdigit():
            match |= Q(id=int(q))
        qs = qs.filter(match)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    column = filters.column_asset
    if column:
        qs = qs.annotate(
            selected_balance=FilteredRelation("balances", condition=Q(balances__asset=column)),
            asset_total=F("selected_balance__total"),
        )
    if filters.asset:
        if filters.asset == column:
            qs = qs.filter(asset_total__gt=0)  # the same join, not a second one
        else:
            held = WalletBalance.objects.filter(
                wallet=OuterRef("pk"), asset=filters.asset, total__gt=0
            )
            qs = qs.filter(Exists(held))
    if filters.sorts_by_balance:
        qs = qs.order_by(F("asset_total").desc(nulls_last=True), "id")
    else:
        qs = qs.order_by(filters.sort if filters.sort in WALLET_SORTS else "name", "id")
    return qs.prefetch_related(
        Prefetch("balances", queryset=WalletBalance.objects.filter(total__gt=0))
    )


def wallet_get(*, wallet_id: int) -> Wallet | None:
    """One wallet (removed ones too) with balances, funding and sub-addresses prefetched."""
    return (
        Wallet.objects.filter(pk=wallet_id)
        .prefetch_related("balances", "funding_addresses", "sub_addresses")
        .first()
    )


def sub_addresses_by_asset(wallet: Wallet) -> dict[str, list[SubAddress]]:
    """The prefetched sub-addresses of `wallet`, one list per sub-address asset."""
    panels: dict[str, list[SubAddress]] = {asset: [] for asset in SUB_ADDRESS_ASSETS}
    for sub_address in wallet.sub_addresses.all():
        panels.setdefault(sub_address.asset, []).append(sub_address)
    return panels


def sub_address_list(*, wallet_id: int, asset: str) -> QuerySet[SubAddress]:
    return SubAddress.objects.filter(wallet_id=wallet_id, asset=asset).order_by("id")


def wallet_audit_events(*, wallet_id: int, limit: int = 50) -> list[AuditEvent]:
    """The newest audit events about one wallet (one query: the actor's name is on the event)."""
    return list(AuditEvent.objects.filter(wallet_id=wallet_id)[:limit])


@dataclass(frozen=True)
class Holding:
    """The total of one asset across active wallets, in base units."""

    asset: str
    total: int
    wallets: int

    @property
    def name(self) -> str:
        return asset_name(self.asset)

    @property
    def display(self) -> str:
        return format_coin(self.total, self.asset)


def holdings_by_asset() -> list[Holding]:
    """Per asset: the exact sum of balances > 0 over active wallets and how many hold it."""
    qs = WalletBalance.objects.filter(total__gt=0, wallet__removed_at__isnull=True)
    rows = sum_base_units(qs, group_by="asset", amount="total")
    return [Holding(asset, total, count) for asset, (total, count) in sorted(rows.items())]


ASSET_ORDERS = ("id", "balance")


def wallets_holding(*, asset: str, order_by: str = "id") -> QuerySet[WalletBalance]:
    """Balances > 0 of `asset` on active wallets, wallet joined; like Balance's
    `GET /api/v2/assets/:currency`: by wallet id or by balance, largest first."""
    ordering = ("-total", "-wallet_id") if order_by == "balance" else ("-wallet_id",)
    return (
        WalletBalance.objects.filter(asset=asset, total__gt=0, wallet__removed_at__isnull=True)
        .select_related("wallet")
        .order_by(*ordering)
    )


def external_account_list() -> QuerySet[ExternalAccount]:
    """Active external accounts with their addresses (two queries)."""
    return ExternalAccount.objects.filter(removed_at__isnull=True).prefetch_related("addresses")


def _unknown_spendable() -> Exists:
    """The wallet has a balance above zero whose spendable amount is unknown (null)."""
    return Exists(
        WalletBalance.objects.filter(wallet=OuterRef("pk"), total__gt=0, spendable__isnull=True)
    )


def wallets_needing_details(*, limit: int) -> list[int]:
    """Ids of up to `limit` active wallets whose detail (spendable amounts) to read next.

    First the wallets with a balance whose spendable is unknown — what operators miss on the
    page — then those whose detail was read longest ago (never-read ones first). Each run
    thus works through the whole set in turn instead of re-reading the same wallets.
    """
    return list(
        Wallet.objects.filter(removed_at__isnull=True)
        .annotate(unknown=_unknown_spendable())
        .order_by(F("unknown").desc(), F("detail_synced_at").asc(nulls_first=True), "id")
        .values_list("id", flat=True)[: max(limit, 0)]
    )


def unknown_spendable_wallet_count() -> int:
    """How many active wallets still have a balance with an unknown spendable amount.

    A join + DISTINCT rather than a correlated EXISTS: right after a bulk load PostgreSQL has
    no statistics yet and ran the EXISTS as a nested loop (4 s at 10,000 wallets).
    """
    return (
        WalletBalance.objects.filter(
            total__gt=0, spendable__isnull=True, wallet__removed_at__isnull=True
        )
        .values("wallet_id")
        .distinct()
        .count()
    )
