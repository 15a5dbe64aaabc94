"""Certificates are issued by completing a course, renewed by completing it again, revoked and
reissued by HR, and each person downloads only their own."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.models import ModuleProgress
from home import roles
from learning.models import Certificate, EmployeeProfile, OrgUnit
from learning.rules import add_months
from learning.services.certificates import certificate_reissue, certificate_revoke
from tests.modules import make_course, make_module

pytestmark = pytest.mark.django_db

DAY0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def complete_over_http(client, module, user):
    """Play the module to its good ending, pass the check and reflect, as a learner does."""
    client.force_login(user)  # signed in at the (travelled) time of the visit
    client.post(reverse("assessments:start", args=[module.pk]), {"restart": "1"})
    for scene, step in (("call", 0), ("check", 1)):
        client.post(
            reverse("assessments:choose", args=[module.pk]),
            {"scene": scene, "choice": 0, "step": step},
        )
    progress = ModuleProgress.objects.filter(module=module).first()
    if not (progress and progress.quiz_passed):
        client.post(
            reverse("assessments:knowledge_check", args=[module.pk]),
            {"q0": "1", "q1": ["0", "1"]},
        )
    if not (progress and progress.reflection_done):
        client.post(
            reverse("assessments:reflect", args=[module.pk]),
            {"text": "Our returns checklist can trap people like Mrs Lee."},
        )


def replay_over_http(client, module, user):
    client.force_login(user)
    client.post(reverse("assessments:start", args=[module.pk]), {"restart": "1"})
    for scene, step in (("call", 0), ("check", 1)):
        client.post(
            reverse("assessments:choose", args=[module.pk]),
            {"scene": scene, "choice": 0, "step": step},
        )


@pytest.fixture
def course():
    return make_course()


@pytest.fixture
def modules(course):
    return [make_module(course=course), make_module(course=course, slug="second-module")]


def test_completing_every_module_issues_one_certificate_and_emails_it(
    client, learner, course, modules, django_capture_on_commit_callbacks
):
    with at(DAY0), django_capture_on_commit_callbacks(execute=True):
        complete_over_http(client, modules[0], learner)
        assert not Certificate.objects.exists()  # one module of two
        complete_over_http(client, modules[1], learner)
    certificate = Certificate.objects.get()
    assert certificate.user == learner
    assert certificate.learner_name == learner.display_name
    assert certificate.course_title == course.title
    assert certificate.issued_on == date(2031, 3, 3)
    assert certificate.expires_on == add_months(date(2031, 3, 3), 12)
    assert certificate.valid_until == date(2032, 3, 2)
    assert len(certificate.code) == 20
    [message] = [m for m in mail.outbox if learner.email in m.to]
    assert course.title in message.subject
    assert f"/verify/{certificate.code}/" in message.body

    # playing again while it is valid issues nothing more
    with at(DAY0 + timedelta(days=30)):
        replay_over_http(client, modules[0], learner)
    assert Certificate.objects.count() == 1


def test_the_longest_name_the_org_import_accepts_fits_on_the_certificate(
    client, make_user, course, modules
):
    person = make_user(roles.LEARNERS, first_name="A" * 150, last_name="B" * 150)
    for module in modules:
        complete_over_http(client, module, person)
    certificate = Certificate.objects.get(user=person)
    assert certificate.learner_name == f"{'A' * 150} {'B' * 150}"


def test_the_certificate_title_is_the_courses_and_the_snapshot_does_not_follow_renames(
    client, learner, course, modules
):
    course.certificate_title = "Customer Care Foundations"
    course.save_revision().publish()
    client.force_login(learner)
    for module in modules:
        complete_over_http(client, module, learner)
    learner.first_name = "Renamed"
    learner.save()
    certificate = Certificate.objects.get()
    assert certificate.course_title == "Customer Care Foundations"
    assert certificate.learner_name != learner.display_name  # as printed on the day


def test_renewal_comes_from_playing_again_within_30_days_of_expiry(
    client, learner, course, modules
):
    with at(DAY0):
        for module in modules:
            complete_over_http(client, module, learner)
    first = Certificate.objects.get()

    # two months before expiry a replay does not renew
    with at(DAY0 + timedelta(days=300)):
        for module in modules:
            replay_over_http(client, module, learner)
    assert Certificate.objects.count() == 1

    # inside the window: each module again, and only then
    window = DAY0 + timedelta(days=350)
    with at(window):
        replay_over_http(client, modules[0], learner)
        assert Certificate.objects.count() == 1
        replay_over_http(client, modules[1], learner)
    assert Certificate.objects.count() == 2
    renewed = Certificate.objects.exclude(pk=first.pk).get()
    assert renewed.issued_on == window.date()
    assert renewed.expires_on == add_months(window.date(), 12)
    assert renewed.code != first.code
    first.refresh_from_db()
    assert first.revoked_at is None  # the old one stays in history, valid to its end


def test_after_expiry_playing_again_issues_a_new_certificate(client, learner, course, modules):
    with at(DAY0):
        for module in modules:
            complete_over_http(client, module, learner)
    later = DAY0 + timedelta(days=500)
    with at(later):
        assert Certificate.objects.get().status == "expired"
        for module in modules:
            replay_over_http(client, module, learner)
        assert [c.status for c in Certificate.objects.all()] == ["valid", "expired"]


def test_a_revoked_certificate_is_not_reissued_automatically(client, learner, hr, course, modules):
    with at(DAY0):
        for module in modules:
            complete_over_http(client, module, learner)
        certificate_revoke(certificate=Certificate.objects.get(), by=hr, reason="Shared answers")
    with at(DAY0 + timedelta(days=500)):
        for module in modules:
            replay_over_http(client, module, learner)
    assert Certificate.objects.count() == 1


def test_a_course_that_never_expires_prints_no_expiry(client, learner):
    course = make_course(slug="forever")
    course.validity_months = 0
    course.save_revision().publish()
    module = make_module(course=course, slug="only-module")
    client.force_login(learner)
    complete_over_http(client, module, learner)
    certificate = Certificate.objects.get()
    assert certificate.expires_on is None
    with at(DAY0 + timedelta(days=4000)):
        assert certificate.status == "valid"


# --- HR: revoke and reissue ----------------------------------------------------------------------


def issued(user, course, **fields):
    values = {
        "learner_name": user.display_name,
        "course_title": course.title,
        "expires_on": timezone.localdate() + timedelta(days=200),
    }
    values.update(fields)
    return Certificate.objects.create(user=user, course=course, **values)


def test_revoking_needs_a_reason_and_happens_once(learner, hr, course):
    certificate = issued(learner, course)
    with pytest.raises(ValidationError, match="Say why"):
        certificate_revoke(certificate=certificate, by=hr, reason="   ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    certificate_revoke(certificate=certificate, by=hr, reason="Issued to the wrong person")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert (certificate.revoked_by, certificate.revoked_reason) == (
        hr,
        "Issued to the wrong person",
    )
    with pytest.raises(ValidationError, match="already revoked"):
        certificate_revoke(certificate=certificate, by=hr, reason="Again")


def test_reissue_prints_the_current_name_under_a_new_code_and_replaces_the_old(learner, hr, course):
    certificate = issued(learner, course, learner_name="Lee Misspelt")
    new = certificate_reissue(certificate=certificate, by=hr, reason="Name corrected")
    certificate.refresh_from_db()
    assert new.code != certificate.code
    assert new.learner_name == learner.display_name
    assert (new.issued_at, new.expires_on) == (certificate.issued_at, certificate.expires_on)
    assert new.replaces == certificate
    assert certificate.status == "revoked"
    assert certificate.revoked_reason.startswith(f"Reissued as {new.code}.")
    assert "Name corrected" in certificate.revoked_reason
    with pytest.raises(ValidationError, match="already reissued"):
        certificate_reissue(certificate=certificate, by=hr)


def test_a_certificate_revoked_by_mistake_can_be_reissued(learner, hr, course):
    certificate = issued(learner, course)
    certificate_revoke(certificate=certificate, by=hr, reason="Clicked the wrong row")
    new = certificate_reissue(certificate=certificate, by=hr)
    assert new.status == "valid"
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Clicked the wrong row"  # the first reason stays


def test_an_expired_certificate_is_renewed_not_reissued(learner, hr, course):
    certificate = issued(learner, course, expires_on=timezone.localdate())
    with pytest.raises(ValidationError, match="renews it by completing"):
        certificate_reissue(certificate=certificate, by=hr)
    assert Certificate.objects.count() == 1


# --- the learner's page and downloads -----------------------------------------------------------


def test_my_certificates_lists_mine_by_status_and_nobody_elses(client, learner, make_user, course):
    other = make_user(first_name="Other")
    valid = issued(learner, course)
    expired = issued(learner, course, expires_on=timezone.localdate() - timedelta(days=1))
    theirs = issued(other, course)
    client.force_login(learner)
    html = client.get(reverse("learning:certificates")).content.decode()
    assert valid.code in html and expired.code in html
    assert theirs.code not in html
    assert html.index(valid.code) < html.index("Expired and withdrawn") < html.index(expired.code)
    assert reverse("learning:certificate_pdf", args=[valid.code]) in html


def test_my_certificates_costs_the_same_for_3_and_300(
    client, learner, course, django_assert_max_num_queries
):
    client.force_login(learner)
    for count in (3, 300):
        Certificate.objects.bulk_create(
            Certificate(user=learner, course=course, learner_name="Lee", course_title="C")
            for _ in range(count - Certificate.objects.count())
        )
        with django_assert_max_num_queries(8):
            response = client.get(reverse("learning:certificates"))
        assert response.content.decode().count('class="card certificate') == count


@pytest.fixture
def team(make_user, course):
    """A unit with a manager and a learner holding a certificate; a sibling unit's manager."""
    root = OrgUnit.add_root(name="Northwind", full_name="Northwind")
    sales = root.add_child(name="Sales", full_name="Northwind/Sales")
    care = root.add_child(name="Care", full_name="Northwind/Care")
    boss = make_user(roles.LEARNERS, roles.MANAGERS, first_name="Boss")
    other_boss = make_user(roles.LEARNERS, roles.MANAGERS, first_name="Other")
    sales.managers.add(boss)
    care.managers.add(other_boss)
    sam = make_user(first_name="Sam")
    EmployeeProfile.objects.create(user=sam, employee_id="E1", unit=sales)
    return {"boss": boss, "other_boss": other_boss, "sam": sam, "cert": issued(sam, course)}


def test_downloads_are_for_the_holder_and_hr_only(client, team, learner, hr):
    certificate = team["cert"]
    urls = [
        reverse("learning:certificate_pdf", args=[certificate.code]),
        reverse("learning:certificate_credential", args=[certificate.code]),
    ]
    expected = {
        team["sam"]: 200,
        hr: 200,
        team["boss"]: 404,  # sees the status on the person page, does not print it
        team["other_boss"]: 404,
        learner: 404,
    }
    for who, status in expected.items():
        client.force_login(who)
        for url in urls:
            assert client.get(url).status_code == status, (who, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to sign in
    client.force_login(team["sam"])
    assert client.get(urls[0].replace(certificate.code, "x" * 20)).status_code == 404


def test_the_pdf_is_a_pdf_named_after_the_course(client, team):
    client.force_login(team["sam"])
    response = client.get(reverse("learning:certificate_pdf", args=[team["cert"].code]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"-{team['cert'].code}.pdf" in response["Content-Disposition"]


def test_a_revoked_certificate_cannot_be_downloaded_by_its_holder(client, team, hr):
    certificate_revoke(certificate=team["cert"], by=hr, reason="Wrong person")
    url = reverse("learning:certificate_pdf", args=[team["cert"].code])
    client.force_login(team["sam"])
    response = client.get(url)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    client.force_login(hr)
    assert client.get(url).status_code == 200  # HR may still print it for the records


def test_the_manager_sees_the_status_of_their_peoples_certificates_only(client, team):
    url = reverse("learning:person", args=[team["sam"].pk])
    client.force_login(team["boss"])
    html = client.get(url).content.decode()
    assert "Certificates" in html and "Valid" in html
    assert escape(team["cert"].course_title) in html
    assert reverse("learning:certificate_pdf", args=[team["cert"].code]) not in html
    client.force_login(team["other_boss"])
    assert client.get(url).status_code == 404
