"""HR finds certificates in the Wagtail admin by unit, course, dates, status or name, revokes and
reissues them; nobody else may see or touch these screens."""

import datetime
from datetime import UTC, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import ModelLogEntry

from home import roles
from learning.models import Certificate, CertificateBatch
from tests.certificates import (
    TODAY,
    certify,
    hr_signed_in,
)

pytestmark = pytest.mark.django_db

INDEX_URL = reverse("certificates:index")
RESULTS_URL = reverse("certificates:index_results")


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2031, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        yield TODAY


@pytest.fixture
def certificates(people, courses):
    day_job, listening = courses["day_job"], courses["listening"]
    return {
        "ada": certify(people["ada"], day_job, issued=TODAY - timedelta(days=10)),
        "bo": certify(
            people["bo"],
            listening,
            issued=TODAY - timedelta(days=400),
            expires=TODAY - timedelta(days=35),
        ),
        "cy": certify(
            people["cy"], day_job, issued=TODAY - timedelta(days=40), expires=TODAY + timedelta(300)
        ),
        "cy_revoked": certify(
            people["cy"], listening, issued=TODAY - timedelta(days=60), revoked=True
        ),
    }


def listed(response) -> set[str]:
    """The learners whose rows the list shows (by the links to their certificate pages)."""
    html = response.content.decode()
    names = {
        "ada": "Ada Lovelace",
        "bo": "Bo Northman",
        "cy": "Cy Carer",
    }
    return {key for key, name in names.items() if name in html}


# --- the list ------------------------------------------------------------------------------------


def test_hr_finds_certificates_in_the_admin_menu(hr_client):
    assert INDEX_URL in hr_client.get("/admin/").content.decode()


def test_hr_sees_each_certificate_with_unit_dates_and_status(hr_client, certificates):
    response = hr_client.get(INDEX_URL)
    html = response.content.decode()
    assert response.status_code == 200
    ada = certificates["ada"]
    assert ada.code in html and "Ada Lovelace" in html and escape(ada.course_title) in html
    assert "Northwind/Sales/North" in html and "Northwind/Care" in html
    assert "Valid" in html and "Expired" in html and "Revoked" in html
    assert "Never" in html  # Ada's certificate does not expire
    assert reverse("certificates:inspect", args=[ada.pk]) in html
    assert reverse("learning:certificate_pdf", args=[ada.code]) in html
    # no way to add or edit one: they come from completions
    assert "/admin/certificates/new/" not in html and "/edit/" not in html
    assert hr_client.get("/admin/certificates/new/").status_code == 404


def test_the_unit_filter_takes_in_the_units_below(hr_client, certificates, org):
    sales = hr_client.get(INDEX_URL, {"unit": org["sales"].pk})
    assert listed(sales) == {"ada", "bo"}
    north = hr_client.get(INDEX_URL, {"unit": org["north"].pk})
    assert listed(north) == {"bo"}
    assert listed(hr_client.get(INDEX_URL, {"unit": org["root"].pk})) == {"ada", "bo", "cy"}


def test_the_course_filter(hr_client, certificates, courses):
    response = hr_client.get(INDEX_URL, {"course": courses["listening"].pk})
    html = response.content.decode()
    assert listed(response) == {"bo", "cy"}
    assert certificates["cy_revoked"].code in html and certificates["cy"].code not in html


def test_the_issue_dates_filter_includes_both_ends(hr_client, certificates):
    day = (TODAY - timedelta(days=40)).isoformat()
    only_that_day = hr_client.get(INDEX_URL, {"issued_from": day, "issued_to": day})
    html = only_that_day.content.decode()
    assert certificates["cy"].code in html and listed(only_that_day) == {"cy"}
    since = hr_client.get(INDEX_URL, {"issued_from": (TODAY - timedelta(days=60)).isoformat()})
    assert listed(since) == {"ada", "cy"} and certificates["bo"].code not in since.content.decode()
    until = hr_client.get(INDEX_URL, {"issued_to": (TODAY - timedelta(days=41)).isoformat()})
    assert listed(until) == {"bo", "cy"}
    assert certificates["cy"].code not in until.content.decode()  # issued a day later


@pytest.mark.parametrize(
    "status, expected",
    [("valid", {"ada", "cy"}), ("expired", {"bo"}), ("revoked", {"cy_revoked"})],
)
def test_the_status_filter(hr_client, certificates, status, expected):
    html = hr_client.get(INDEX_URL, {"status": status}).content.decode()
    shown = {key for key, c in certificates.items() if c.code in html}
    assert shown == expected


def test_an_expiry_date_reached_today_counts_as_expired(hr_client, people, courses):
    ends_today = certify(people["ada"], courses["day_job"], expires=TODAY)
    assert ends_today.code in hr_client.get(INDEX_URL, {"status": "expired"}).content.decode()
    assert ends_today.code not in hr_client.get(INDEX_URL, {"status": "valid"}).content.decode()


def test_search_by_learner_name_or_code(hr_client, certificates):
    assert listed(hr_client.get(INDEX_URL, {"q": "lovelace"})) == {"ada"}
    code = certificates["bo"].code
    assert listed(hr_client.get(INDEX_URL, {"q": code})) == {"bo"}
    # the results fragment (what the admin fetches as HR types) filters the same way
    assert listed(hr_client.get(RESULTS_URL, {"q": "lovelace"})) == {"ada"}


def test_filters_combine(hr_client, certificates, org, courses):
    response = hr_client.get(
        INDEX_URL, {"unit": org["root"].pk, "course": courses["day_job"].pk, "status": "valid"}
    )
    html = response.content.decode()
    assert certificates["ada"].code in html and certificates["cy"].code in html
    assert certificates["bo"].code not in html and certificates["cy_revoked"].code not in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"unit": "999999"}, "That org unit does not exist (any more)"),
        ({"unit": "sales'--"}, "That org unit does not exist (any more)"),
        ({"course": "424242"}, "That course does not exist (any more)"),
        ({"issued_from": "2031-02-30"}, "Enter a real date"),
        ({"issued_to": "yesterday"}, "Enter a real date"),
        ({"issued_from": "2031-03-01", "issued_to": "2031-01-01"}, "after the"),
        ({"status": "forged"}, "Choose a status: valid, expired or revoked."),
        ({"q": "x" * 101}, "Search for at most 100 characters"),
    ],
    ids=[
        "unknown-unit",
        "junk-unit",
        "unknown-course",
        "bad-date",
        "word-date",
        "reversed",
        "bad-status",
        "long-search",
    ],
)
def test_tampered_filters_get_a_clear_message_and_no_list(hr_client, certificates, params, message):
    for target in (INDEX_URL, RESULTS_URL):
        response = hr_client.get(target, params)
        html = response.content.decode()
        assert response.status_code == 200
        assert escape(message) in html or message in html
        assert "These filters could not be used" in html
        assert listed(response) == set()  # never the unfiltered list under a broken filter
    assert "Download these as ZIP" not in hr_client.get(INDEX_URL, params).content.decode()


def test_the_list_is_paginated(hr_client, people, courses):
    Certificate.objects.bulk_create(
        Certificate(
            user=people["ada"],
            course=courses["day_job"],
            learner_name=f"Learner {n:03d}",
            course_title="Everyone's day job",
            issued_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(60)
    )
    first = hr_client.get(INDEX_URL).content.decode()
    second = hr_client.get(INDEX_URL, {"p": 2}).content.decode()
    assert "Learner 000" in first and "Learner 049" in first and "Learner 050" not in first
    assert "Learner 050" in second and "Learner 059" in second and "Learner 000" not in second


def test_download_zip_button_carries_the_filters(hr_client, certificates, org):
    html = hr_client.get(INDEX_URL, {"unit": org["sales"].pk, "status": "valid"}).content.decode()
    create = reverse("certificates:batch_create")
    assert escape(f"{create}?unit={org['sales'].pk}&status=valid") in html


@pytest.mark.parametrize("rows", [3, 300])
def test_the_list_reads_a_constant_number_of_queries(
    hr_client, people, courses, org, rows, django_assert_max_num_queries
):
    Certificate.objects.bulk_create(
        Certificate(
            user=people[("ada", "bo", "cy")[n % 3]],
            course=courses["day_job"],
            learner_name=f"Learner {n}",
            course_title="Everyone's day job",
            expires_on=TODAY + timedelta(days=n - 150) if n % 2 else None,
        )
        for n in range(rows)
    )
    hr_client.get(INDEX_URL)
    with django_assert_max_num_queries(13):
        response = hr_client.get(INDEX_URL)
    assert response.status_code == 200
    assert response.content.decode().count("Learner ") >= min(rows, 50)
    with django_assert_max_num_queries(13):
        filtered = hr_client.get(
            INDEX_URL, {"unit": org["root"].pk, "status": "valid", "q": "Learner"}
        )
    assert filtered.status_code == 200 and "Learner " in filtered.content.decode()


# --- one certificate: details, PDF, revoke, reissue ----------------------------------------------


def test_hr_opens_a_certificate_and_downloads_its_pdf(hr_client, certificates):
    ada = certificates["ada"]
    html = hr_client.get(reverse("certificates:inspect", args=[ada.pk])).content.decode()
    assert ada.code in html and "Ada Lovelace" in html and "Northwind/Sales" in html
    assert reverse("certificates:revoke", args=[ada.pk]) in html
    assert reverse("certificates:reissue", args=[ada.pk]) in html
    pdf = hr_client.get(reverse("learning:certificate_pdf", args=[ada.code]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")


def test_revoke_needs_a_reason(hr_client, certificates):
    ada = certificates["ada"]
    revoke_url = reverse("certificates:revoke", args=[ada.pk])
    form = hr_client.get(revoke_url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    response = hr_client.post(revoke_url, {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the certificate is revoked." in response.content.decode()
    ada.refresh_from_db()
    assert ada.revoked_at is None and not ModelLogEntry.objects.exists()


def test_hr_revokes_a_certificate_with_a_reason(hr_client, hr_user, certificates):
    ada = certificates["ada"]
    response = hr_client.post(
        reverse("certificates:revoke", args=[ada.pk]), {"reason": "Completed on a shared login"}
    )
    assert response.status_code == 302
    assert response.url == reverse("certificates:inspect", args=[ada.pk])
    ada.refresh_from_db()
    assert ada.revoked_at == timezone.now() and ada.revoked_by == hr_user
    assert ada.revoked_reason == "Completed on a shared login"
    entry = ModelLogEntry.objects.get()
    assert entry.action == "learning.certificate.revoke" and entry.user == hr_user

    page = hr_client.get(response.url).content.decode()
    assert "Revoked" in page and "Completed on a shared login" in page and "Hana Reyes" in page
    revoked = hr_client.get(INDEX_URL, {"status": "revoked"}).content.decode()
    assert ada.code in revoked


def test_a_second_revoke_is_refused_and_changes_nothing(hr_client, certificates):
    ada = certificates["ada"]
    revoke_url = reverse("certificates:revoke", args=[ada.pk])
    hr_client.post(revoke_url, {"reason": "First reason"})
    ada.refresh_from_db()
    first = (ada.revoked_at, ada.revoked_reason)
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        response = hr_client.post(revoke_url, {"reason": "Second reason"})
    assert response.status_code == 200
    assert "This certificate was already revoked." in response.content.decode()
    ada.refresh_from_db()
    assert (ada.revoked_at, ada.revoked_reason) == first
    assert ModelLogEntry.objects.count() == 1


def test_a_get_to_revoke_changes_nothing(hr_client, certificates):
    ada = certificates["ada"]
    hr_client.get(reverse("certificates:revoke", args=[ada.pk]), {"reason": "Sneaky link"})
    ada.refresh_from_db()
    assert ada.revoked_at is None


def test_revoke_without_the_csrf_token_changes_nothing(make_user, with_mfa, certificates):
    client = Client(enforce_csrf_checks=True)
    hr_signed_in(client, make_user, with_mfa)
    ada = certificates["ada"]
    response = client.post(reverse("certificates:revoke", args=[ada.pk]), {"reason": "Forged"})
    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.revoked_at is None


def test_hr_reissues_a_certificate_under_a_new_code(hr_client, hr_user, certificates, people):
    ada_user = people["ada"]
    ada_user.last_name = "King"  # married since: the reissue prints the current name
    ada_user.save()
    old = certificates["ada"]
    reissue_url = reverse("certificates:reissue", args=[old.pk])
    confirm = hr_client.get(reissue_url).content.decode()
    assert "Ada King" in confirm and "Ada Lovelace" in confirm
    assert Certificate.objects.count() == 4  # a GET prints nothing

    response = hr_client.post(reissue_url, {"reason": "Name changed"})
    new = Certificate.objects.get(replaces=old)
    assert response.status_code == 302
    assert response.url == reverse("certificates:inspect", args=[new.pk])
    assert new.code != old.code and new.learner_name == "Ada King"
    assert (new.issued_at, new.expires_on, new.user) == (old.issued_at, old.expires_on, ada_user)
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == hr_user
    assert old.revoked_reason.startswith(f"Reissued as {new.code}.")

    page = hr_client.get(response.url).content.decode()
    assert new.code in page and f"Reissued as {new.code}" in page  # the success message
    assert reverse("certificates:inspect", args=[old.pk]) in page  # the one it replaces
    old_page = hr_client.get(reverse("certificates:inspect", args=[old.pk])).content.decode()
    assert f"Reissued as {new.code}" in old_page  # in its history
    assert reissue_url not in old_page  # no second reissue offered


def test_a_second_reissue_is_refused(hr_client, certificates):
    old = certificates["ada"]
    reissue_url = reverse("certificates:reissue", args=[old.pk])
    hr_client.post(reissue_url)
    response = hr_client.post(reissue_url)
    assert response.status_code == 200
    assert "This certificate was already reissued." in response.content.decode()
    assert Certificate.objects.filter(replaces=old).count() == 1


def test_an_expired_certificate_is_not_reissued(hr_client, certificates):
    expired = certificates["bo"]
    reissue_url = reverse("certificates:reissue", args=[expired.pk])
    assert "renews it by completing the course" in hr_client.get(reissue_url).content.decode()
    response = hr_client.post(reissue_url)
    assert response.status_code == 200
    assert "This certificate has expired" in response.content.decode()
    assert Certificate.objects.count() == 4
    expired.refresh_from_db()
    assert expired.revoked_at is None


# --- everyone else -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.TRAINERS, roles.MANAGERS, roles.LEARNERS])
def test_only_hr_may_use_the_certificate_admin(client, make_user, with_mfa, certificates, role):
    user = make_user(role)
    with_mfa(user)
    client.force_login(user)
    ada = certificates["ada"]
    batch = CertificateBatch.objects.create(requested_by=make_user(roles.HR), total=1)
    before = list(Certificate.objects.order_by("pk").values())

    if role == roles.TRAINERS:  # in the admin, but without a certificates menu item
        home = client.get("/admin/")
        assert home.status_code == 200 and INDEX_URL not in home.content.decode()
    for name, args in [
        ("certificates:index", []),
        ("certificates:index_results", []),
        ("certificates:inspect", [ada.pk]),
        ("certificates:revoke", [ada.pk]),
        ("certificates:reissue", [ada.pk]),
        ("certificates:batches", []),
        ("certificates:batch_create", []),
        ("certificates:batch", [batch.pk]),
        ("certificates:batch_progress", [batch.pk]),
        ("certificates:batch_download", [batch.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code in (302, 403), name
        assert b"Lovelace" not in response.content and ada.code.encode() not in response.content

    revoke = client.post(reverse("certificates:revoke", args=[ada.pk]), {"reason": "Mine now"})
    reissue = client.post(reverse("certificates:reissue", args=[ada.pk]))
    create = client.post(reverse("certificates:batch_create"), {"status": "valid"})
    assert {revoke.status_code, reissue.status_code, create.status_code} <= {302, 403}
    assert list(Certificate.objects.order_by("pk").values()) == before
    assert CertificateBatch.objects.count() == 1 and not ModelLogEntry.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, certificates):
    response = client.get(INDEX_URL)
    assert response.status_code == 302 and "login" in response.url
    client.post(reverse("certificates:revoke", args=[certificates["ada"].pk]), {"reason": "x"})
    assert (
        not Certificate.objects.filter(revoked_at__isnull=False)
        .exclude(pk=certificates["cy_revoked"].pk)
        .exists()
    )
