import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def login(client, email, password):
    return client.post(LOGIN, {"login": email, "password": password})


def test_login_page_has_labelled_email_and_password_fields(client):
    html = client.get(LOGIN).content.decode()
    assert 'for="id_login"' in html
    assert 'for="id_password"' in html
    assert 'type="email"' in html


def test_learner_signs_in_with_email_and_password(client, learner):
    response = login(client, "learner@northwind.example", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").context["user"] == learner


def test_email_is_matched_case_insensitively(client, learner):
    login(client, "Learner@Northwind.EXAMPLE", PASSWORD)
    assert client.session.get("_auth_user_id") == str(learner.pk)


def test_wrong_password_rerenders_the_form_with_an_error(client, learner):
    response = login(client, "learner@northwind.example", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "email address and/or password you specified are not correct" in (
        response.content.decode()
    )


def test_logout_ends_the_session(client, learner):
    login(client, "learner@northwind.example", PASSWORD)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_by_get_only_asks_for_confirmation(client, learner):
    login(client, "learner@northwind.example", PASSWORD)
    client.get(reverse("account_logout"))
    assert client.session.get("_auth_user_id") == str(learner.pk)


def test_repeated_failures_lock_the_account_for_a_while(client, learner):
    for _ in range(5):
        login(client, "learner@northwind.example", "wrong-password")
    # Even the right password is refused now.
    response = login(client, "learner@northwind.example", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_rate_limit_does_not_affect_another_account(client, learner, make_user):
    make_user(email="other@northwind.example")
    for _ in range(5):
        login(client, "learner@northwind.example", "wrong-password")
    login(client, "other@northwind.example", PASSWORD)
    assert "_auth_user_id" in client.session


def test_signup_is_closed_by_default(client):
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()
    response = client.post(
        reverse("account_signup"),
        {"email": "new@northwind.example", "password1": "x" * 12, "password2": "x" * 12},
    )
    from home.models import User

    assert not User.objects.filter(email="new@northwind.example").exists()


def test_password_reset_sends_an_email_with_a_link(client, learner):
    response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert learner.email in mail.outbox[0].to
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_unknown_email_reveals_nothing(client, learner):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    # allauth may send an "unknown account" notice, but never a reset link.
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_inactive_account_cannot_sign_in(client, learner):
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    login(client, "learner@northwind.example", PASSWORD)
    assert "_auth_user_id" not in client.session


def test_login_page_explains_where_accounts_come_from_when_signup_is_closed(client):
    html = client.get(LOGIN).content.decode()
    assert "invited" in html
    assert reverse("account_signup") not in html
