"""When a refresh may mark storage providers removed (DESIGN §11.7: a garbled or empty walk
never erases the local copy).

The wallets refresh applies the same rule to wallets; this is the storage providers' copy of
it (see filecoin/README.md — it could share one helper with wallets once that lands). Removing
needs a sane walk: a walk that returned no provider at all while the portal holds some, or one
that would remove more than half of them, is far likelier a Balance problem (an empty page, a
wrong account, a half-migrated backend) than a real event. The run then fails, says why, and
removes nothing; an operator who checked can force it with
`manage.py refresh_storage_providers --allow-mass-removal`.
"""

from balance.errors import BalanceError

MAX_REMOVED_SHARE = 0.5


class RemovalRefused(BalanceError):
    """The walk looks wrong: the run fails and no provider is marked removed."""


def check_removals(*, held: int, returned: int, removing: int, allow_mass_removal: bool) -> None:
    """Raise RemovalRefused unless marking `removing` of the `held` active providers removed is
    safe, given that Balance returned `returned` providers in this walk."""
    if allow_mass_removal or held == 0:
        return
    if returned == 0:
        raise RemovalRefused(
            f"Balance returned no storage provider while the portal holds {held}; nothing was "
            "marked removed. If they are really gone, run "
            "`manage.py refresh_storage_providers --allow-mass-removal`."
        )
    if removing > held * MAX_REMOVED_SHARE:
        raise RemovalRefused(
            f"Balance no longer returns {removing} of the {held} storage providers the portal "
            f"holds (more than {MAX_REMOVED_SHARE:.0%}); nothing was marked removed. If they "
            "are really gone, run `manage.py refresh_storage_providers --allow-mass-removal`."
        )
