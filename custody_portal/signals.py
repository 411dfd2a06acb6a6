"""Signal handlers: role groups that survive a flush, and a first refresh on worker start.

Beat's first wallet refresh only comes one interval after it starts, so a fresh `make run`
would show empty pages for five minutes. When a worker (the `celery worker` command) is
ready, it enqueues the initial refreshes. Tasks are sent by name, so this module does not
import the wallets app; one that is not registered is skipped.
"""

import logging

from celery.signals import worker_ready

from .roles import ROLE_PERMISSIONS

logger = logging.getLogger(__name__)


def ensure_role_groups(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate: recreate any missing role group with its permissions.

    Migration 0002 creates the groups; but `flush` (transactional tests, live_server) empties
    every table and replays only post_migrate. Existing groups are left as they are, so an
    admin's edits in the Django admin stand.
    """
    from django.contrib.auth.models import Group, Permission

    permissions = {
        p.codename: p
        for p in Permission.objects.using(using).filter(content_type__app_label="custody_portal")
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, created = Group.objects.using(using).get_or_create(name=role)
        if created:
            group.permissions.add(*(permissions[c] for c in codenames if c in permissions))


# Refreshes a fresh `make run` needs at once: wallets first, then watched sub-addresses (so the
# home page does not report them as never refreshed for the first 30 minutes).
INITIAL_REFRESH_TASKS = (
    "wallets.tasks.refresh_wallets",
    "wallets.tasks.refresh_watched_sub_addresses",
)
# The sandbox (a sibling process under honcho) may come up a second or two after the worker;
# the client also retries GETs. A failed run is recorded and beat tries again later.
INITIAL_REFRESH_COUNTDOWN = 5


@worker_ready.connect(dispatch_uid="custody_portal.initial_refresh")
def enqueue_initial_refresh(sender=None, **kwargs) -> None:
    """Enqueue the initial refreshes a few seconds after the worker starts consuming."""
    app = getattr(sender, "app", None)
    if app is None:
        return
    for task in INITIAL_REFRESH_TASKS:
        if task not in app.tasks:
            logger.info("initial refresh skipped: %s is not registered", task)
            continue
        try:
            app.send_task(task, countdown=INITIAL_REFRESH_COUNTDOWN)
        except Exception:  # the broker hiccuped: beat's schedule still refreshes later
            logger.warning("initial refresh could not be enqueued", exc_info=True)
            return
        logger.info("initial refresh enqueued: %s in %ss", task, INITIAL_REFRESH_COUNTDOWN)
