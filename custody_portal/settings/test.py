"""Test settings: fast hashing, tasks really go through Redis when a test asks for it."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests start their own sandbox on a free port; keep retries short so fault tests are quick.
BALANCE_GET_RETRIES = env.int("BALANCE_GET_RETRIES", default=1)
BALANCE_READ_TIMEOUT = env.float("BALANCE_READ_TIMEOUT", default=5.0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the finders (no collectstatic outside production).
WHITENOISE_AUTOREFRESH = True
