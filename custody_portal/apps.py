from django.apps import AppConfig


class CustodyPortalConfig(AppConfig):
    """Shared pieces: roles, audit trail, refresh runs, login and the home page."""

    name = "custody_portal"
    verbose_name = "Custody Portal"
