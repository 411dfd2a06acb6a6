"""Queue a storage-provider refresh for the workers (the Filecoin page's "Refresh now", and
after an operator confirmed a held-back removal of storage providers)."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from kombu.exceptions import KombuError

from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from wallets.services.enqueue import BROKER_DOWN, send_after_commit

logger = logging.getLogger(__name__)


def storage_providers_refresh_enqueue(*, user: AbstractBaseUser) -> None:
    """Send the refresh task after the request's transaction commits; audited."""
    from .. import tasks  # tasks import services

    def send() -> None:
        try:
            tasks.refresh_storage_providers.delay()
        except (KombuError, OSError) as exc:
            logger.warning("could not queue the storage-provider refresh: %s", exc)
            raise ApplicationError(BROKER_DOWN.format(detail=str(exc)[:160]), status=503) from exc
        audit_record(
            actor=user,
            action="refresh.request",
            object_type="refresh",
            object_id="refresh_storage_providers",
            wallet_id=None,
            message="Asked for a refresh of the Filecoin storage providers",
        )

    transaction.on_commit(send)


def storage_providers_refresh_after_confirm() -> None:
    """After an operator confirmed a held-back removal of storage providers
    (`custody_portal.removals`): queue a refresh, whose walk shows whether Balance agrees and
    replaces the failed run on the home page. Best effort (the beat runs it anyway); the
    confirmation itself is audited."""
    from .. import tasks

    send_after_commit(tasks.refresh_storage_providers, "the storage-provider refresh")
