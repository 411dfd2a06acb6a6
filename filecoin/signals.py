"""A first storage-provider refresh when a worker starts.

Beat runs `refresh-storage-providers` one interval (15 min) after it starts, so a fresh
`make run` would show an empty Filecoin page for a quarter of an hour. The worker-start
handler of custody_portal queues the wallets refresh after 5 s; the providers hang off those
wallets, so this one waits a little longer. Sent by name, like custody_portal's.
"""

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)

TASK = "filecoin.tasks.refresh_storage_providers"
COUNTDOWN = 30


@worker_ready.connect(dispatch_uid="filecoin.initial_refresh")
def enqueue_initial_refresh(sender=None, **kwargs) -> None:
    """Queue one storage-provider refresh COUNTDOWN seconds after the worker is ready."""
    app = getattr(sender, "app", None)
    if app is None or TASK not in app.tasks:
        return
    try:
        app.send_task(TASK, countdown=COUNTDOWN)
    except Exception:  # the broker hiccuped: beat refreshes later anyway
        logger.warning("initial storage-provider refresh could not be enqueued", exc_info=True)
        return
    logger.info("initial refresh enqueued: %s in %ss", TASK, COUNTDOWN)
