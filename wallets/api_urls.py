"""Wallets JSON API (placeholder)."""

urlpatterns: list = []
