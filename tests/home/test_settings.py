"""Settings load without an environment, and production passes `check --deploy`."""

import json

import pytest

from tests.helpers import django_env, run_django_code, run_python

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-key-that-is-long-and-random-enough-" + "x9Q" * 10,
    "DJANGO_ALLOWED_HOSTS": "cx.northwind.example",
    "DATABASE_URL": "postgres://cx@db.internal:5432/cx",
}


SESSION_LIMITS_ENV = {
    "DJANGO_SESSION_IDLE_TIMEOUT": "600",
    "DJANGO_SESSION_ABSOLUTE_TIMEOUT": "14400",
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


PRODUCTION_PROBE = """
import json
import re
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("createcachetable")
from django.conf import settings
from django.test import Client
from home.services import user_create
user_create(email="lee@northwind.example", password="correct-horse-battery", first_name="Lee")
client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="cx.northwind.example")
HEADERS = ("Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
           "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy")
def seen(response):
    return {
        "status": response.status_code,
        "headers": {name: response.headers.get(name) for name in HEADERS},
        "cookies": {name: {flag: morsel[flag] for flag in ("secure", "httponly", "samesite",
                    "path", "domain")} for name, morsel in response.cookies.items()},
    }
home = client.get("/")
out = {"home": seen(home), "sign_in": seen(client.get("/accounts/login/"))}
css = re.search(r'href="(/static/css/site\\.[0-9a-f]+\\.css)"', home.content.decode()).group(1)
static = client.get(css)
out["static"] = {"status": static.status_code, "cache_control": static["Cache-Control"]}
out["sign_in_post"] = seen(client.post(
    "/accounts/login/", {"login": "lee@northwind.example", "password": "correct-horse-battery"}
))
out["learner"] = seen(client.get("/learn/"))
out["plain_http"] = seen(Client(HTTP_HOST="cx.northwind.example").get("/learn/"))
out["names"] = [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
out["session_limits"] = [settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_TIMEOUT]
import logging
out["security_log_level"] = logging.getLogger("cx.security").getEffectiveLevel()
out["csrf_failure_view"] = settings.CSRF_FAILURE_VIEW
print(json.dumps(out))
"""


def csp_directives(header):
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory):
    """A visit on production settings in a fresh process (SQLite for the database, static
    files collected and hashed as a deployment does): what each response carried."""
    tmp = tmp_path_factory.mktemp("production")
    env = django_env(
        "config.settings.production",
        **{
            **PRODUCTION_ENV,
            "DATABASE_URL": f"sqlite:///{tmp}/prod.sqlite3",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
        },
    )
    collect = run_python("manage.py", "collectstatic", "--noinput", "-v", "0", env=env)
    assert collect.returncode == 0, collect.stderr
    return json.loads(run_django_code(PRODUCTION_PROBE, env=env).splitlines()[-1])


@pytest.mark.parametrize("page", ["home", "sign_in", "sign_in_post", "learner"])
def test_production_responses_carry_strict_security_headers(production_responses, page):
    response = production_responses[page]
    assert response["status"] == (302 if page == "sign_in_post" else 200)
    headers = response["headers"]
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "upgrade-insecure-requests" in csp
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    hsts = dict(
        (part.strip().split("=") + [""])[:2]
        for part in headers["Strict-Transport-Security"].split(";")
    )
    assert int(hsts["max-age"]) >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts and "preload" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_sign_in_sets_host_only_secure_http_only_cookies(production_responses):
    session_name, csrf_name = production_responses["names"]
    assert (session_name, csrf_name) == ("__Host-sessionid", "__Host-csrftoken")
    csrf = production_responses["sign_in"]["cookies"][csrf_name]
    session = production_responses["sign_in_post"]["cookies"][session_name]
    for cookie in (session, csrf):
        # __Host- cookies are refused by browsers unless Secure, Path=/ and no Domain
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
    assert production_responses["learner"]["status"] == 200  # the session works


def test_production_redirects_plain_http_to_https(production_responses):
    assert production_responses["plain_http"]["status"] == 301


@pytest.mark.parametrize(
    ("variables", "expected"),
    [({}, "1800 43200 43200"), (SESSION_LIMITS_ENV, "600 14400 14400")],
)
def test_session_limits_are_read_from_the_environment(variables, expected):
    code = (
        "from django.conf import settings;"
        "print(settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_TIMEOUT,"
        " settings.SESSION_COOKIE_AGE)"
    )
    out = run_django_code(code, env=django_env("config.settings.dev", **variables))
    assert out.splitlines()[-1] == expected


def test_production_keeps_the_default_session_limits(production_responses):
    assert production_responses["session_limits"] == [30 * 60, 12 * 60 * 60]


def test_production_logs_security_events_even_at_a_quieter_root_level(production_responses):
    # django_env sets DJANGO_LOG_LEVEL=WARNING; cx.security keeps its INFO (sessions ended)
    assert production_responses["security_log_level"] == 20
    assert production_responses["csrf_failure_view"] == "home.security.csrf_failure"


def test_models_and_migrations_agree():
    result = manage(
        "makemigrations", "--check", "--dry-run", settings_module="config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_serves_hashed_static_files_through_whitenoise(production_responses):
    static = production_responses["static"]
    assert static["status"] == 200
    assert "immutable" in static["cache_control"]
