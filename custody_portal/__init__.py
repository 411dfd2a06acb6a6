"""Custody Portal: the operations dashboard for warm wallets at Balance Custody."""

from .celery import app as celery_app

__all__ = ("celery_app",)
