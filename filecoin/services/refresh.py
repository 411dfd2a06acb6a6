"""The storage-provider refresh (DESIGN §7): list per wallet, detail with sector summary,
bulk upsert, append snapshots, mark what Balance no longer returns as removed (safely: the
shared rule of `custody_portal.removals`, DESIGN §11.7).

Single-flight and recorded through `custody_portal.refresh.refresh_run`; idempotent: a second
run over the same readings stores no snapshot (deduplicated on (provider, last_updated_at))
and changes no row.
"""

import logging

from django.db.models import Q
from django.utils import timezone

from balance.errors import BalanceRejected, BalanceUnexpectedResponse
from custody_portal.refresh import RefreshRefused, refresh_run
from custody_portal.removals import DataSet, count_removals, removals_after_walk
from wallets.models import Wallet, WalletBalance
from wallets.services.balance import balance_client
from wallets.services.store import note_truncated

from ..models import StorageProvider
from .readings import ASSET, GarbledReading, reading_from_balance
from .store import store_readings

logger = logging.getLogger(__name__)

TASK_STORAGE_PROVIDERS = "refresh_storage_providers"


def wallets_to_walk() -> list[int]:
    """Active wallets that hold FIL or own a provider the portal knows (ids ascending)."""
    holders = WalletBalance.objects.filter(asset=ASSET, total__gt=0).values("wallet_id")
    owners = StorageProvider.objects.filter(removed_at__isnull=True).values("wallet_id")
    return list(
        Wallet.objects.filter(removed_at__isnull=True)
        .filter(Q(id__in=holders) | Q(id__in=owners))
        .order_by("id")
        .values_list("id", flat=True)
    )


def storage_providers_refresh(*, allow_mass_removal: bool = False) -> dict:
    """Read every storage provider of the FIL wallets from Balance into the local copy.

    Per wallet: the provider list (the client reads it strictly: an answer without a
    `storage_providers` array is BalanceUnexpectedResponse, never "no providers"), then each
    provider's detail with its sector summary.
    Balance refusing one wallet or one provider (4xx), or one unreadable or incomplete detail,
    is reported in `counts["errors"]` and leaves that part as it was; an unreadable list,
    unavailability or a credentials problem fails the run. Providers Balance no longer returns
    (for a wallet whose list was read, or whose wallet is gone) are marked removed, with the
    rule every refresh shares (`custody_portal.removals.removals_after_walk`): a walk that
    returned none while the portal holds some, or that lacks more than half, removes nothing
    and fails the run (RefreshRefused, kind "removal"; whatever else it read is stored) until
    a second walk agrees or an operator confirms on the home page. `allow_mass_removal`
    forces such a removal through at once (`manage.py refresh_storage_providers
    --allow-mass-removal`, after checking at Balance; audited).
    Raises RefreshAlreadyRunning, a BalanceError after recording it on the run, or
    RefreshRefused.
    """
    with refresh_run(TASK_STORAGE_PROVIDERS) as run:
        counts = {
            "wallets": 0,
            "providers": 0,
            "created": 0,
            "updated": 0,
            "snapshots": 0,
            "duplicate_snapshots": 0,
            "removed": 0,
        }
        run.counts = counts
        errors: list[str] = []
        truncated: list[str] = []
        known = list(
            StorageProvider.objects.filter(removed_at__isnull=True).values_list(
                "id", "wallet_id", "wallet__removed_at"
            )
        )
        client = balance_client()
        readings, seen, listed_wallets = [], set(), set()
        for wallet_id in wallets_to_walk():
            counts["wallets"] += 1
            try:
                listed = client.list_storage_providers(wallet_id)
            except BalanceRejected as exc:
                errors.append(f"wallet {wallet_id}: {exc.message}")
                continue
            listed_wallets.add(wallet_id)
            for item in listed:
                seen.add(item.id)
                try:
                    detail = client.get_storage_provider(
                        wallet_id, item.id, show_sector_summary=True
                    )
                    readings.append(
                        reading_from_balance(detail, wallet_id=wallet_id, truncated=truncated)
                    )
                except BalanceRejected as exc:
                    errors.append(f"storage provider {item.id}: {exc.message}")
                except BalanceUnexpectedResponse as exc:
                    # One unreadable detail must not stop the others (the list was read, so
                    # the provider is not a removal candidate either).
                    errors.append(f"storage provider {item.id}: {exc.message}")
                except GarbledReading as exc:
                    errors.append(f"storage provider {item.id}: unreadable answer ({exc})")
        counts["providers"] = len(seen)
        now = timezone.now()
        stored = store_readings(readings, now)
        counts["created"], counts["updated"] = stored.created, stored.updated
        counts["snapshots"], counts["duplicate_snapshots"] = stored.snapshots, stored.duplicates
        if stored.out_of_order:
            counts["out_of_order"] = stored.out_of_order
        if stored.conflicts:
            counts["changed_without_new_time"] = stored.conflicts
        note_truncated(counts, truncated)
        if errors:
            counts["errors"] = errors
        active = {pid for pid, _, _ in known}
        # Providers of a wallet whose list Balance refused (and which is not gone) were not
        # read: neither returned nor missing.
        unread = {
            pid
            for pid, wallet_id, wallet_removed_at in known
            if wallet_id not in listed_wallets and wallet_removed_at is None
        }
        outcome = removals_after_walk(
            data_set=DataSet.STORAGE_PROVIDERS,
            active=active,
            seen=seen,
            run=run,
            unread=unread,
            force=allow_mass_removal,
        )
        refused: list[str] = []
        count_removals(counts, outcome, refused)
        logger.info("storage providers refresh: %s", counts)
        if refused:
            raise RefreshRefused(" ".join(refused), kind="removal")
    return counts
