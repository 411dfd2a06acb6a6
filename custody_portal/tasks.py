"""Portal-level Celery tasks: a ping that proves the broker → worker path end to end."""

import socket

from celery import shared_task

from .redis import get_redis

PING_KEY_PREFIX = "portal:ping:"
PING_TTL_SECONDS = 300


@shared_task(name="custody_portal.tasks.ping", ignore_result=True)
def ping(token: str) -> str:
    """Record in Redis which worker ran this ping (results are disabled, so the effect is
    the proof): `portal:ping:<token>` = the worker's hostname, for five minutes."""
    host = socket.gethostname()
    get_redis().set(f"{PING_KEY_PREFIX}{token}", host, ex=PING_TTL_SECONDS)
    return host
