import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_home_page_invites_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to start learning" in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'aria-label="Main"' in html


def test_signed_in_learner_sees_their_next_step(client, learner):
    client.force_login(learner)
    response = client.get("/")
    html = response.content.decode()
    assert response.context["next_step"] is not None
    assert "Welcome back, Lee" in html
    assert "Sign in to start learning" not in html


def test_staff_without_mfa_is_told_to_set_it_up_first(client, trainer):
    client.force_login(trainer)
    step = client.get("/").context["next_step"]
    assert step.url == "/accounts/2fa/totp/activate/"


def test_trainer_with_mfa_is_pointed_to_the_admin(client, trainer, with_mfa):
    with_mfa(trainer)
    client.force_login(trainer)
    assert client.get("/").context["next_step"].url == "/admin/"


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_server_error_page_renders_without_a_request_context():
    from django.test import RequestFactory

    from home.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_permission_denied_page(rf, learner):
    from home.views import permission_denied

    request = rf.get("/")
    request.user = learner
    response = permission_denied(request)
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()


def test_site_pages_have_a_strict_content_security_policy(client):
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp


def test_only_the_admin_gets_wagtails_inline_script_allowance(client, trainer, with_mfa):
    with_mfa(trainer)
    client.force_login(trainer)
    assert "'unsafe-inline'" in client.get("/admin/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/")["Content-Security-Policy"]


def test_pages_use_no_external_resources(client):
    import re

    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(DEBUG=False)
def test_home_page_query_count_is_small(client, learner, django_assert_max_num_queries):
    client.force_login(learner)
    client.get("/")  # warm Wagtail's site cache
    with django_assert_max_num_queries(12):
        client.get("/")
