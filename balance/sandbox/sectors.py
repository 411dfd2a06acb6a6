"""How storage providers drift: new sectors, faults, recoveries, rewards and vesting.

Step `n` of provider `p` always draws from `Random(f"{seed}:sp:{p}:{n}")`, so the sequence of
states is the same however the steps are triggered (a `/_sandbox/tick` or a minute of wall
clock) and whether they are applied one at a time or in a burst.

Fault fees come out of the available balance even when it is too small: the balance goes
negative, which is Filecoin's fee debt (the provider owes fees before it can withdraw).

A provider pinned through `/_sandbox/storage_providers/<id>` (control_fil.py) does not drift
and keeps its `last_updated_at`, as when Balance has not re-read it; its steps still count, so
unpinning resumes from the current step without replaying the pinned ones.
"""

import random

from .models import StorageProvider

# Applying a week of missed minutes at once would stall a request; older steps are skipped.
MAX_CATCH_UP_STEPS = 1_000
FAULT_PROBABILITY = 0.12
RECOVERY_PROBABILITY = 0.35


def is_pinned(sp: StorageProvider) -> bool:
    """Pinned by the control surface: figures and `last_updated_at` stay as set."""
    return getattr(sp, "pinned", False)


def apply_step(sp: StorageProvider, seed: int, step: int) -> None:
    """Advance `sp` by one deterministic step."""
    rng = random.Random(f"{seed}:sp:{sp.id}:{step}")
    added = rng.randint(0, 25)
    sp.active_sectors += added
    sp.initial_pledge += added * sp.penalty_per_sector * 2
    if sp.active_sectors and rng.random() < FAULT_PROBABILITY:
        faulted = rng.randint(1, max(1, sp.active_sectors // 50))
        sp.active_sectors -= faulted
        sp.faulty_sectors += faulted
    if sp.faulty_sectors and rng.random() < RECOVERY_PROBABILITY:
        recovered = rng.randint(1, sp.faulty_sectors)
        sp.faulty_sectors -= recovered
        sp.active_sectors += recovered
    reward = rng.randint(10**16, 5 * 10**17) * max(1, sp.active_sectors // 1000)
    locked = reward * 3 // 4  # Filecoin locks 75% of block rewards and vests them linearly
    vested = sp.locked_rewards // 180
    sp.locked_rewards += locked - vested
    fault_fee = sp.faulty_sectors * sp.penalty_per_sector // 100
    sp.available_balance += reward - locked + vested - fault_fee


def advance(sp: StorageProvider, seed: int, target_step: int, now: int) -> None:
    """Apply the steps `sp` has not seen up to `target_step`; stamp `last_updated_at`."""
    if target_step <= sp.steps_applied:
        return
    if is_pinned(sp):
        sp.steps_applied = target_step
        return
    sp.steps_applied = max(sp.steps_applied, target_step - MAX_CATCH_UP_STEPS)
    while sp.steps_applied < target_step:
        sp.steps_applied += 1
        apply_step(sp, seed, sp.steps_applied)
    # Strictly later than the previous figures' time, even for two steps within a second:
    # Balance's `last_updated_at` identifies a reading (the portal deduplicates on it).
    sp.last_updated_at = max(now, sp.last_updated_at + 1)


def new_storage_provider(
    rng: random.Random, sp_id: int, wallet_id: int, number: int
) -> StorageProvider:
    """A generated provider `t0<number>` (the control surface adds these for benchmarks)."""
    active = rng.randint(500, 20_000)
    penalty = rng.randint(5 * 10**16, 3 * 10**17)
    return StorageProvider(
        id=sp_id,
        wallet_id=wallet_id,
        address=f"t0{number}",
        active_sectors=active,
        faulty_sectors=rng.choice((0, 0, 0, rng.randint(1, 40))),
        initial_pledge=active * penalty * 2,
        locked_rewards=rng.randint(10**19, 5 * 10**21),
        available_balance=rng.randint(10**18, 2 * 10**22),
        penalty_per_sector=penalty,
    )
