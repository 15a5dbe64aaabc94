"""Single sign-on is off by default and switched on by environment variables alone."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RENDER_LOGIN = (
    "import django; django.setup();"
    "from django.test import Client;"
    "from django.core.management import call_command;"
    "call_command('migrate', verbosity=0);"
    "print(Client(HTTP_HOST='localhost').get('/accounts/login/').content.decode())"
)

OIDC = {
    "OIDC_CLIENT_ID": "cx-training",
    "OIDC_CLIENT_SECRET": "not-a-real-secret",
    "OIDC_SERVER_URL": "https://login.northwind.example/realms/staff",
    "OIDC_NAME": "Northwind Login",
}
SAML = {
    "SAML_IDP_ENTITY_ID": "https://idp.northwind.example/metadata",
    "SAML_IDP_SSO_URL": "https://idp.northwind.example/sso",
    "SAML_IDP_X509CERT": "MIIBfake",
    "SAML_NAME": "Northwind SAML",
}


def render_login(tmp_path, extra):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path}/sso.sqlite3",
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", RENDER_LOGIN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_sso_providers_appear_on_the_login_page_when_configured(tmp_path):
    html = render_login(tmp_path, {**OIDC, **SAML})
    assert "Northwind Login" in html
    assert "/accounts/oidc/company/login/" in html
    assert "Northwind SAML" in html
    assert "/accounts/saml/company/login/" in html


def test_no_sso_button_by_default(tmp_path):
    html = render_login(tmp_path, {})
    assert "Or use a third-party" not in html
    assert "/accounts/oidc/" not in html and "/accounts/saml/" not in html
