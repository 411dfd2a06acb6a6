from django.apps import AppConfig


class CustodyPortalConfig(AppConfig):
    """Shared pieces: roles, audit trail, refresh runs, login and the home page."""

    name = "custody_portal"
    verbose_name = "Custody Portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # connects the Celery signal handlers

        post_migrate.connect(signals.ensure_role_groups, sender=self)
