"""How storage providers drift: new sectors, faults, recoveries, rewards and vesting.

Step `n` of provider `p` always draws from `Random(f"{seed}:sp:{p}:{n}")`, so the sequence of
states is the same however the steps are triggered (a `/_sandbox/tick` or a minute of wall
clock) and whether they are applied one at a time or in a burst.
"""

import random

from .models import StorageProvider

# Applying a week of missed minutes at once would stall a request; older steps are skipped.
MAX_CATCH_UP_STEPS = 1_000
FAULT_PROBABILITY = 0.12
RECOVERY_PROBABILITY = 0.35


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
    sp.available_balance = max(0, sp.available_balance + reward - locked + vested - fault_fee)


def advance(sp: StorageProvider, seed: int, target_step: int, now: int) -> None:
    """Apply the steps `sp` has not seen up to `target_step`; stamp `last_updated_at`."""
    if target_step <= sp.steps_applied:
        return
    sp.steps_applied = max(sp.steps_applied, target_step - MAX_CATCH_UP_STEPS)
    while sp.steps_applied < target_step:
        sp.steps_applied += 1
        apply_step(sp, seed, sp.steps_applied)
    sp.last_updated_at = now
