"""One Redis connection for locks (the broker is Celery's business)."""

from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)


def get_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)
