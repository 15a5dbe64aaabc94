import pytest

from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
MFA_SETUP = "/accounts/2fa/totp/activate"


@pytest.mark.parametrize("role", ["trainer", "hr", "superuser"])
def test_staff_without_mfa_is_sent_to_set_it_up_before_the_admin(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response.url.startswith(MFA_SETUP)
    # deeper admin URLs are guarded too
    response = client.get("/admin/pages/")
    assert response.url.startswith(MFA_SETUP)


@pytest.mark.parametrize("role", ["trainer", "hr", "superuser"])
def test_staff_with_mfa_reaches_the_admin(client, request, with_mfa, role):
    user = request.getfixturevalue(role)
    with_mfa(user)
    client.force_login(user)
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert b"wagtail" in response.content.lower()


@pytest.mark.parametrize("role", ["learner", "manager"])
def test_learners_and_managers_are_denied_the_admin(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(ADMIN)
    # Wagtail refuses: never the dashboard, and no MFA detour for non-staff.
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert not response.url.startswith(MFA_SETUP)
        assert client.get(response.url).status_code in (200, 302)
    assert b"wagtail-dashboard" not in response.content


def test_anonymous_visitor_to_admin_is_sent_to_sign_in(client):
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_learner_without_mfa_can_use_the_site(client, learner):
    client.force_login(learner)
    assert client.get("/").status_code == 200


def test_mfa_setup_page_shows_a_qr_code_allowed_by_the_csp(client, trainer):
    client.post("/accounts/login/", {"login": trainer.email, "password": PASSWORD})
    # allauth asks for the password again before any change to the second factor
    response = client.get(MFA_SETUP, follow=True)
    assert "/accounts/reauthenticate/" in response.redirect_chain[-1][0]
    response = client.post(
        "/accounts/reauthenticate/", {"password": PASSWORD, "next": MFA_SETUP + "/"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "data:image/svg+xml" in html
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


def test_signing_in_with_mfa_asks_for_the_code_then_lets_staff_in(client, trainer, with_mfa):
    secret = with_mfa(trainer)
    response = client.post("/accounts/login/", {"login": trainer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(trainer.pk)
    assert client.get(ADMIN).status_code == 200


def test_wrong_mfa_code_keeps_the_door_shut(client, trainer, with_mfa):
    with_mfa(trainer)
    client.post("/accounts/login/", {"login": trainer.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_whose_email_allauth_left_unverified_can_still_set_up_mfa(client, trainer):
    """Accounts come from HR's import, so their addresses are trusted; allauth records them
    unverified after a password reset or a visit to the email page, which must not lock a new
    trainer or HR person out of the second factor the admin requires."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=trainer, email=trainer.email, primary=True, verified=False)
    client.post("/accounts/login/", {"login": trainer.email, "password": PASSWORD})
    response = client.post(
        "/accounts/reauthenticate/", {"password": PASSWORD, "next": MFA_SETUP + "/"}, follow=True
    )
    assert response.status_code == 200
    assert "data:image/svg+xml" in response.content.decode()  # the set-up page, not a refusal
