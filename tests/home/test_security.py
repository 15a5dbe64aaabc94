"""Session limits, sign-out, and the `cx.security` log of failed sign-ins and refusals."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learning.models import StorySubmission
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LEARN = "/learn/"
STORY_URL = reverse("learning:story_submit")
STORY = {
    "title": "Nobody called back",
    "summary": "A customer waited three weeks for a call about a faulty gearbox.",
    "source": "The Leeds workshop",
    "touchpoint": "service",
    "missing_e": "engagement",
    "body": "She rang four times.",
}
MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLIENT_IP = "203.0.113.7"


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=CLIENT_IP)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def page_messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture(autouse=True)
def limits(settings):
    """The defaults of base settings; the test settings turn the limits off, because other
    suites sign in and then travel in time."""
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    return settings


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, learner, clock):
    assert sign_in(client, learner.email).status_code == 302
    assert client.get(LEARN).status_code == 200
    return client


def security_records(caplog):
    return [r for r in caplog.records if r.name == "cx.security"]


# --- idle and absolute limits -------------------------------------------------------------------


def test_idle_session_is_signed_out_and_sent_to_sign_in_with_next(signed_in, clock):
    session_key = signed_in.session.session_key
    clock.shift(timedelta(minutes=30, seconds=1))

    response = signed_in.get(LEARN + "?tab=done")

    assert response.status_code == 302
    assert response.url == LOGIN + "?next=%2Flearn%2F%3Ftab%3Ddone"
    assert signed_in_user_id(signed_in) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    page = signed_in.get(response.url)
    assert page_messages(page) == [
        "You were signed out after 30 minutes without activity. Please sign in again."
    ]


def test_activity_keeps_the_session_alive_past_the_idle_limit(signed_in, learner, clock):
    for _ in range(6):  # an hour, a request every ten minutes
        clock.shift(timedelta(minutes=10))
        assert signed_in.get(LEARN).status_code == 200
    assert signed_in_user_id(signed_in) == str(learner.pk)


def test_just_inside_the_idle_limit_the_session_lives_on(signed_in, learner, clock):
    clock.shift(timedelta(minutes=29, seconds=59))
    assert signed_in.get(LEARN).status_code == 200
    assert signed_in_user_id(signed_in) == str(learner.pk)


def test_absolute_limit_ends_even_an_active_session(signed_in, learner, clock):
    for _ in range(35):  # 11 h 40 min, a request every twenty minutes
        clock.shift(timedelta(minutes=20))
        assert signed_in.get(LEARN).status_code == 200
    clock.shift(timedelta(minutes=20))  # 12 hours after signing in

    response = signed_in.get(LEARN, follow=True)

    assert response.redirect_chain[0] == (LOGIN + "?next=%2Flearn%2F", 302)
    assert signed_in_user_id(signed_in) is None
    assert page_messages(response) == [
        "For your security you were signed out after 12 hours. Please sign in again."
    ]


def test_signing_in_again_starts_fresh_clocks(signed_in, learner, clock):
    clock.shift(timedelta(hours=1))
    signed_in.get(LEARN)  # signed out
    assert sign_in(signed_in, learner.email).status_code == 302
    clock.shift(timedelta(minutes=20))
    assert signed_in.get(LEARN).status_code == 200
    assert signed_in_user_id(signed_in) == str(learner.pk)


@pytest.mark.parametrize(
    ("idle", "absolute", "shift", "expected"),
    [
        (5 * 60, 12 * 3600, timedelta(minutes=5), "after 5 minutes without activity"),
        (3600, 2 * 3600, timedelta(minutes=59), None),
        (0, 2 * 3600, timedelta(hours=2), "after 2 hours."),
    ],
)
def test_limits_come_from_the_settings(
    signed_in, learner, clock, limits, idle, absolute, shift, expected
):
    limits.SESSION_IDLE_TIMEOUT = idle
    limits.SESSION_ABSOLUTE_TIMEOUT = absolute
    clock.shift(shift)
    response = signed_in.get(LEARN, follow=True)
    if expected is None:
        assert signed_in_user_id(signed_in) == str(learner.pk)
    else:
        assert signed_in_user_id(signed_in) is None
        assert expected in page_messages(response)[0]


def test_a_form_posted_after_the_limit_is_not_carried_out(signed_in, learner, clock):
    clock.shift(timedelta(minutes=31))
    response = signed_in.post(
        STORY_URL, STORY, HTTP_REFERER="http://testserver" + STORY_URL + "?from=menu"
    )

    assert response.status_code == 302
    assert response.url == LOGIN + "?next=%2Flearn%2Fstories%2Fnew%2F%3Ffrom%3Dmenu"
    assert not StorySubmission.objects.exists()
    assert signed_in_user_id(signed_in) is None


def test_the_same_form_inside_the_limit_is_carried_out(signed_in, learner, clock):
    # the control for the test above: the form and the view do work
    clock.shift(timedelta(minutes=29))
    response = signed_in.post(STORY_URL, STORY)
    assert response.status_code == 302
    assert StorySubmission.objects.filter(submitter=learner).count() == 1


def test_a_post_from_another_site_gets_no_next(signed_in, clock):
    clock.shift(timedelta(minutes=31))
    response = signed_in.post(STORY_URL, STORY, HTTP_REFERER="https://evil.example/learn/")
    assert response.url == LOGIN
    assert not StorySubmission.objects.exists()


def test_htmx_request_after_the_limit_gets_401_and_a_redirect_for_htmx(signed_in, clock):
    clock.shift(timedelta(minutes=31))
    response = signed_in.post(
        STORY_URL,
        STORY,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/team/?status=late",
    )
    assert response.status_code == 401
    assert response["HX-Redirect"] == LOGIN + "?next=%2Fteam%2F%3Fstatus%3Dlate"
    assert not StorySubmission.objects.exists()


def test_json_request_after_the_limit_gets_401(signed_in, clock):
    clock.shift(timedelta(minutes=31))
    response = signed_in.get(LEARN, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert signed_in_user_id(signed_in) is None


def session_writes(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_activity_is_written_to_the_session_at_most_once_a_minute(signed_in, clock):
    clock.shift(timedelta(seconds=20))
    assert session_writes(signed_in, LEARN) == []
    clock.shift(timedelta(seconds=30))
    assert session_writes(signed_in, LEARN) == []
    clock.shift(timedelta(seconds=15))  # 65 s after the last write
    assert len(session_writes(signed_in, LEARN)) == 1
    clock.shift(timedelta(seconds=5))
    assert session_writes(signed_in, LEARN) == []


def test_anonymous_visitors_are_untouched(client, clock):
    assert client.get(LOGIN).status_code == 200
    clock.shift(timedelta(hours=13))
    assert client.get(LOGIN).status_code == 200
    assert django_settings.SESSION_COOKIE_NAME not in client.cookies


# --- logout -------------------------------------------------------------------------------------


def test_logout_invalidates_the_session_server_side(client, learner):
    assert sign_in(client, learner.email).status_code == 302
    old_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.get(LEARN).status_code == 200

    assert client.post(reverse("account_logout")).status_code == 302

    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(LEARN)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert replay.get("/").context["user"].is_anonymous
    assert not Session.objects.filter(session_key=old_cookie).exists()


# --- the cx.security log ------------------------------------------------------------------------


def test_failed_sign_in_is_logged_with_email_ip_and_path_not_password(client, learner, caplog):
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        sign_in(client, "learner@northwind.example", "a-wrong-secret-guess")
        sign_in(client, "nobody@northwind.example", "another-wrong-guess")

    lines = [r.getMessage() for r in security_records(caplog)]
    assert lines == [
        f"sign-in failed email=learner@northwind.example ip={CLIENT_IP} path={LOGIN}",
        f"sign-in failed email=nobody@northwind.example ip={CLIENT_IP} path={LOGIN}",
    ]
    assert all(r.event == "login_failed" for r in security_records(caplog))
    assert "wrong-secret" not in caplog.text and "wrong-guess" not in caplog.text


def test_a_successful_sign_in_logs_no_failure(client, learner, caplog):
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        sign_in(client, learner.email)
    assert security_records(caplog) == []


def test_text_typed_at_sign_in_cannot_forge_log_lines(rf, caplog):
    # The sign-in form rejects such an address before authenticating; any other caller of
    # authenticate() (a future form, an API) still cannot start a new log line.
    from django.contrib.auth.signals import user_login_failed

    request = rf.post(LOGIN, REMOTE_ADDR=CLIENT_IP)
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        user_login_failed.send(
            sender=__name__,
            credentials={"email": "x@northwind.example\nsign-in ok user=1" + "y" * 500},
            request=request,
        )
    [record] = security_records(caplog)
    message = record.getMessage()
    assert "\n" not in message
    assert message.startswith("sign-in failed email=x@northwind.example?sign-in ok user=1yyy")
    assert len(message) < 400


def test_locked_out_sign_in_is_logged(client, learner, caplog):
    for _ in range(5):
        sign_in(client, learner.email, "wrong-password")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        sign_in(client, learner.email)
    assert [r.event for r in security_records(caplog)] == ["login_rate_limited"]
    assert f"email={learner.email} ip={CLIENT_IP}" in security_records(caplog)[0].getMessage()


def test_refused_page_is_logged_with_user_and_path(client, learner, caplog):
    client.force_login(learner)
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        response = client.get("/team/", REMOTE_ADDR=CLIENT_IP)
    assert response.status_code == 403
    [record] = security_records(caplog)
    assert record.event == "permission_denied"
    assert record.getMessage() == (
        f"permission denied user={learner.pk} ip={CLIENT_IP} path=/team/ method=GET"
    )


def test_csrf_failure_is_logged_and_shows_the_site_403_page(learner, caplog):
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        response = client.post(
            LOGIN, {"login": learner.email, "password": PASSWORD}, REMOTE_ADDR=CLIENT_IP
        )
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "Error 403" in response.content.decode()
    [record] = security_records(caplog)
    assert record.event == "csrf_failure"
    assert f"user=None ip={CLIENT_IP} path={LOGIN} method=POST reason=CSRF cookie not set" in (
        record.getMessage()
    )
    assert signed_in_user_id(client) is None


def test_wrong_second_factor_is_logged(client, trainer, with_mfa, caplog):
    with_mfa(trainer)
    sign_in(client, trainer.email)
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    [record] = security_records(caplog)
    assert record.event == "mfa_failed"
    assert record.user_id == trainer.pk
    assert "path=/accounts/2fa/authenticate/" in record.getMessage()


def test_session_ended_by_its_limit_is_logged(signed_in, learner, clock, caplog):
    clock.shift(timedelta(minutes=45))
    with caplog.at_level(logging.INFO, logger="cx.security"):
        signed_in.get(LEARN)
    [record] = security_records(caplog)
    assert (record.event, record.reason, record.user_id) == ("session_timeout", "idle", learner.pk)


def test_someone_elses_certificate_is_a_404_and_the_refusal_is_logged(
    client, learner, make_user, caplog
):
    from learning.models import Certificate
    from tests.modules import make_course

    other = make_user(email="other@northwind.example")
    course = make_course()
    certificate = Certificate.objects.create(
        user=other, course=course, learner_name="Other Person", course_title=course.title
    )
    client.force_login(learner)
    url = reverse("learning:certificate_pdf", args=[certificate.code])
    with caplog.at_level(logging.WARNING, logger="cx.security"):
        response = client.get(url, REMOTE_ADDR=CLIENT_IP)
        unknown = client.get(reverse("learning:certificate_pdf", args=["no-such-code"]))
    assert response.status_code == 404 and unknown.status_code == 404
    [record] = security_records(caplog)  # an unknown code is just not found
    assert record.event == "hidden_refusal"
    assert record.getMessage() == (
        f"access refused, answered 404 user={learner.pk} ip={CLIENT_IP} path={url} what=certificate"
    )
