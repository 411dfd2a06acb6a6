from django.apps import AppConfig


class WalletsConfig(AppConfig):
    """Wallets, balances, funding and sub-addresses, external accounts; their refresh."""

    name = "wallets"
