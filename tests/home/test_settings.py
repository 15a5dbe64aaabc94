"""Settings load without an environment, and production passes `check --deploy`."""

import pytest

from tests.helpers import django_env, run_django_code, run_python

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-key-that-is-long-and-random-enough-" + "x9Q" * 10,
    "DJANGO_ALLOWED_HOSTS": "cx.northwind.example",
    "DATABASE_URL": "postgres://cx@db.internal:5432/cx",
}


def manage(*args, settings_module, **env_extra):
    return run_python("manage.py", *args, env=django_env(settings_module, **env_extra))


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_settings_load_with_no_environment(module):
    result = manage("check", settings_module=module)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_pass_check_deploy_without_a_warning():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings_module="config.settings.production",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_settings_require_their_variables(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", settings_module="config.settings.production", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_headers_are_strict(tmp_path):
    env = django_env(
        "config.settings.production",
        **{**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3"},
    )
    out = run_django_code(
        "from django.test import Client;"
        "c = Client(HTTP_X_FORWARDED_PROTO='https');"
        "r = c.get('/healthz', HTTP_HOST='cx.northwind.example');"
        "print(r['Strict-Transport-Security']); print(r['Content-Security-Policy'])",
        env=env,
    )
    hsts, csp = out.splitlines()[-2:]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert "object-src 'none'" in csp and "unsafe-inline" not in csp


def test_models_and_migrations_agree():
    result = manage(
        "makemigrations", "--check", "--dry-run", settings_module="config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_serves_hashed_static_files_through_whitenoise(tmp_path):
    env = django_env(
        "config.settings.production",
        **{
            **PRODUCTION_ENV,
            "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        },
    )
    collect = run_python("manage.py", "collectstatic", "--noinput", "-v", "0", env=env)
    assert collect.returncode == 0, collect.stderr
    out = run_django_code(
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0); call_command('createcachetable');"
        "from django.test import Client;"
        "c = Client(HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='cx.northwind.example');"
        "html = c.get('/').content.decode();"
        "import re;"
        "css = re.search(r'href=\"(/static/css/site\\.[0-9a-f]+\\.css)\"', html).group(1);"
        "r = c.get(css); print(r.status_code, r['Cache-Control'])",
        env=env,
    )
    status, cache_control = out.splitlines()[-1].split(" ", 1)
    assert status == "200"
    assert "immutable" in cache_control
