from django.apps import AppConfig


class FilecoinConfig(AppConfig):
    """Filecoin storage providers and their sector health over time."""

    name = "filecoin"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the Celery signal handler
