"""factory_boy factories for Filecoin tests (local rows, no Balance involved)."""

from datetime import timedelta

import factory
from django.utils import timezone

from filecoin.models import SectorSnapshot, StorageProvider, StorageProviderAlert
from tests.wallets.factories import WalletFactory

FIL = 10**18


class StorageProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StorageProvider

    id = factory.Sequence(lambda n: 5_000 + n)
    wallet = factory.SubFactory(WalletFactory)
    address = factory.Sequence(lambda n: f"t0{70_000 + n}")
    initial_pledge = 100 * FIL
    locked_rewards = 20 * FIL
    available_balance = 5 * FIL
    active_sectors = 1_000
    live_sectors = 1_000
    faulty_sectors = 0
    live_sectors_penalty = 50 * FIL
    faulty_sectors_penalty = 0
    faulty_share_ppm = 0
    last_updated_at = factory.LazyFunction(timezone.now)
    synced_at = factory.LazyFunction(timezone.now)


class SectorSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectorSnapshot

    provider = factory.SubFactory(StorageProviderFactory)
    last_updated_at = factory.LazyFunction(timezone.now)
    taken_at = factory.LazyFunction(timezone.now)
    active_sectors = 1_000
    live_sectors = 1_000
    faulty_sectors = 0
    live_sectors_penalty = 50 * FIL
    faulty_sectors_penalty = 0
    available_balance = 5 * FIL
    locked_rewards = 20 * FIL


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StorageProviderAlert

    provider = factory.SubFactory(StorageProviderFactory)
    kind = "faulty"
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    figures = factory.LazyFunction(lambda: {"faulty_sectors": 3, "live_sectors": 1000})
