"""Read side of wallets (placeholder)."""


def holdings_by_asset() -> list:
    return []
