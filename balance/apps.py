from django.apps import AppConfig


class BalanceConfig(AppConfig):
    """The Balance API client and the Balance sandbox (no models)."""

    name = "balance"
