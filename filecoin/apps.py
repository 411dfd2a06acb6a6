from django.apps import AppConfig


class FilecoinConfig(AppConfig):
    """Filecoin storage providers and their sector health over time."""

    name = "filecoin"
