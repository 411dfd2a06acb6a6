"""Production settings: pass `check --deploy`, and refuse to start without their secrets."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "custody_portal.settings.production",
    "DJANGO_SECRET_KEY": "test-only-Qm3vX8rT2wL9pK4zN7bH1cF6gJ0sD5yE8uA2iO4tR7wV1",
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://portal@db.example.com:5432/portal",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "BALANCE_API_URL": "https://balance.example.com",
    "BALANCE_ACCESS_ID": "access-id",
    "BALANCE_SECRET_KEY": "secret-key",
    "BALANCE_NETWORK": "mainnet",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # A clean environment: nothing from the developer's shell or CI leaks in.
    base = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_passes_with_warnings_as_errors():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_balance_secret_may_come_from_a_file(tmp_path):
    secret = tmp_path / "balance-secret"
    secret.write_text("secret-from-file\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "BALANCE_SECRET_KEY"}
    env["BALANCE_SECRET_KEY_FILE"] = str(secret)
    code = "from django.conf import settings; print(settings.BALANCE_SECRET_KEY)"

    result = manage("shell", "--no-imports", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "secret-from-file"


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "BALANCE_API_URL",
        "BALANCE_ACCESS_ID",
        "BALANCE_SECRET_KEY",
        "BALANCE_NETWORK",
    ],
)
def test_refuses_to_start_without_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_is_not_debug_and_secures_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True"]


@pytest.mark.parametrize("network", ["mainnet", "testnet"])
def test_the_balance_network_is_the_one_configured(network):
    code = "from django.conf import settings; print(settings.BALANCE_NETWORK)"

    result = manage(
        "shell", "--no-imports", "-c", code, env={**PRODUCTION_ENV, "BALANCE_NETWORK": network}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == network


@pytest.mark.parametrize("settings_module", ["production", "local", "test"])
@pytest.mark.parametrize("typo", ["Mainnet", "testnet "])
def test_a_mistyped_balance_network_refuses_to_start_in_every_settings_module(
    settings_module, typo
):
    """A typo must not start a portal that checks addresses against no chain (or the wrong
    one): every settings module names the variable and the accepted values."""
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": f"custody_portal.settings.{settings_module}",
        "BALANCE_NETWORK": typo,
    }

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "BALANCE_NETWORK must be one of mainnet, testnet" in result.stderr
