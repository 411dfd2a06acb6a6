"""Wallet services (the write side): refreshes from Balance and sub-address writes."""

from .details import TASK_WALLET_DETAILS, wallet_details_refresh
from .enqueue import first_sub_address_sweep_enqueue, refresh_enqueue, wallet_details_enqueue
from .refresh import (
    TASK_SUB_ADDRESSES,
    TASK_WALLETS,
    external_accounts_refresh,
    sub_addresses_refresh,
    wallets_refresh,
)
from .sub_addresses import (
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    sub_address_create,
    sub_address_update,
    validate_sub_address_asset,
    wallet_refresh_from_balance,
)

__all__ = [
    "NAME_MAX_LENGTH",
    "NOTES_MAX_LENGTH",
    "TASK_SUB_ADDRESSES",
    "TASK_WALLETS",
    "TASK_WALLET_DETAILS",
    "external_accounts_refresh",
    "first_sub_address_sweep_enqueue",
    "refresh_enqueue",
    "sub_address_create",
    "sub_address_update",
    "sub_addresses_refresh",
    "validate_sub_address_asset",
    "wallet_details_enqueue",
    "wallet_details_refresh",
    "wallet_refresh_from_balance",
    "wallets_refresh",
]
