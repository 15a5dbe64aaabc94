"""Single sign-on is off by default and switched on by environment variables alone."""

from tests.helpers import django_env, run_django_code

RENDER_LOGIN = (
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
    env = django_env(DATABASE_URL=f"sqlite:///{tmp_path}/sso.sqlite3", **extra)
    return run_django_code(RENDER_LOGIN, env=env)


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
