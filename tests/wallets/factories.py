"""factory_boy factories for the wallets tests (local rows, no Balance involved)."""

import factory
from django.utils import timezone

from wallets.models import (
    ExternalAccount,
    ExternalAccountAddress,
    FundingAddress,
    SubAddress,
    Wallet,
    WalletBalance,
)


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet

    id = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"Wallet {n:04d}")
    custom_id = factory.Sequence(lambda n: f"CID-{n:05d}")
    kind = "warm"
    synced_at = factory.LazyFunction(timezone.now)


class WalletBalanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalletBalance

    wallet = factory.SubFactory(WalletFactory)
    asset = "btc"
    total = 100_000_000


class FundingAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingAddress

    wallet = factory.SubFactory(WalletFactory)
    asset = "btc"
    address = factory.Sequence(lambda n: f"mfunding{n:020d}")
    synced_at = factory.LazyFunction(timezone.now)


class SubAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubAddress

    wallet = factory.SubFactory(WalletFactory)
    asset = "btc"
    address = factory.Sequence(lambda n: f"msub{n:024d}")
    name = factory.Sequence(lambda n: f"Deposit {n}")
    balance = 0
    synced_at = factory.LazyFunction(timezone.now)


class ExternalAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalAccount

    id = factory.Sequence(lambda n: 500 + n)
    name = factory.Sequence(lambda n: f"Exchange {n}")
    synced_at = factory.LazyFunction(timezone.now)


class ExternalAccountAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalAccountAddress

    account = factory.SubFactory(ExternalAccountFactory)
    asset = "btc"
    address = factory.Sequence(lambda n: f"mext{n:024d}")


def wallet_with_balances(**balances: int) -> Wallet:
    """A wallet with one balance row per keyword (asset=base units) and funding addresses."""
    wallet = WalletFactory()
    for asset, total in balances.items():
        WalletBalanceFactory(wallet=wallet, asset=asset, total=total)
        FundingAddressFactory(wallet=wallet, asset=asset)
    return wallet
