"""Production: every secret from the environment, no defaults; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import _balance_network, _celery_broker_url, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
BALANCE_API_URL = env("BALANCE_API_URL")
BALANCE_ACCESS_ID = env("BALANCE_ACCESS_ID")
# No default: a production portal checking addresses against the wrong chain is worse than
# one that does not start.
BALANCE_NETWORK = _balance_network(env("BALANCE_NETWORK"))
# base.py falls back to the sandbox's demo secret; production must bring its own.
if not (env("BALANCE_SECRET_KEY_FILE", default="") or env("BALANCE_SECRET_KEY", default="")):
    raise ImproperlyConfigured("Set BALANCE_SECRET_KEY or BALANCE_SECRET_KEY_FILE.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
