from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    """Batch withdrawals and FIL reward withdrawals with two-person approval."""

    name = "payouts"
