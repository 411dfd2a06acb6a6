"""`make run`: everything embedded, debug on, nothing to configure."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Serve static files straight from the finders (no collectstatic outside production).
WHITENOISE_AUTOREFRESH = True
