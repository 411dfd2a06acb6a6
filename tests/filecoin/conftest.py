"""Fixtures for the Filecoin tests: users per role, a sandbox moved by ticks only, wallets
copied from it, and helpers that put sandbox providers into chosen states."""

import pytest

from wallets.services import wallets_refresh


@pytest.fixture
def fil_sandbox(sandbox):
    """The sandbox with wall-clock drift off: sectors move only on `tick`, so tests are exact."""
    sandbox.control("POST", "options", json={"sector_step_seconds": 0})
    return sandbox


@pytest.fixture
def fil_wallets(fil_sandbox, db) -> dict:
    """The sandbox's wallets in the local copy (providers hang off them)."""
    return wallets_refresh(include_external_accounts=False)


def set_provider(sandbox, provider_id: int, **figures) -> dict:
    """Force a sandbox provider's figures (see balance/sandbox/control_fil.py)."""
    return sandbox.control("POST", f"storage_providers/{provider_id}", json=figures).json()


def sandbox_provider_ids(sandbox) -> list[int]:
    return sandbox.control("GET", "info").json()["storage_providers"]


@pytest.fixture(autouse=True)
def _empty_termination_queue(_redis_settings):
    """The Redis is shared by the whole session: every test starts with no queue and no gate."""
    from custody_portal.redis import get_redis
    from filecoin.services.termination import GATE_KEY, QUEUE_KEY

    get_redis().delete(QUEUE_KEY, GATE_KEY)
    yield
    get_redis().delete(QUEUE_KEY, GATE_KEY)
