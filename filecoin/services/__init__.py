"""Filecoin services (the write side): refresh, roll-ups, alerts, termination queue,
reward withdrawals."""

from .alerts import alert_acknowledge, alert_mute, alert_unmute, storage_provider_alerts_sync
from .enqueue import storage_providers_refresh_enqueue
from .refresh import TASK_STORAGE_PROVIDERS, storage_providers_refresh
from .rollups import TASK_ROLLUP, sector_rollups_refresh
from .termination import (
    termination_fee_request,
    termination_fees_drain_one,
    termination_fees_enqueue,
    termination_fees_enqueue_due,
    termination_queue_state,
)
from .withdrawals import WithdrawalInvalid, reward_withdrawal_check, reward_withdrawal_request

__all__ = [
    "TASK_ROLLUP",
    "TASK_STORAGE_PROVIDERS",
    "WithdrawalInvalid",
    "alert_acknowledge",
    "alert_mute",
    "alert_unmute",
    "reward_withdrawal_check",
    "reward_withdrawal_request",
    "sector_rollups_refresh",
    "storage_provider_alerts_sync",
    "storage_providers_refresh",
    "storage_providers_refresh_enqueue",
    "termination_fee_request",
    "termination_fees_drain_one",
    "termination_fees_enqueue",
    "termination_fees_enqueue_due",
    "termination_queue_state",
]
