"""Settings load without an environment, and production passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra=None, settings_module):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": settings_module,
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_settings_load_with_no_environment(module):
    result = run_manage("check", settings_module=module)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-key-that-is-long-and-random-enough-" + "x9Q" * 10,
    "DJANGO_ALLOWED_HOSTS": "cx.northwind.example",
    "DATABASE_URL": "postgres://cx@db.internal:5432/cx",
}


def test_production_settings_pass_check_deploy_without_a_warning():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra=PRODUCTION_ENV,
        settings_module="config.settings.production",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_settings_require_their_variables(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env_extra=env, settings_module="config.settings.production")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_headers_are_strict():
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(HTTP_X_FORWARDED_PROTO='https');"
        "r = c.get('/healthz', HTTP_HOST='cx.northwind.example');"
        "print(r['Strict-Transport-Security']); print(r['Content-Security-Policy'])"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        **PRODUCTION_ENV,
        "DATABASE_URL": "sqlite:////tmp/cx-prod-headers-check.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    hsts, csp = result.stdout.strip().splitlines()[-2:]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert "object-src 'none'" in csp and "unsafe-inline" not in csp


def test_models_and_migrations_agree():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", settings_module="config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr
