"""The public verification page: statuses, what it shows (and never shows), the rate limit."""

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.ratelimit import Rate, client_ip, client_key, hit
from learning.models import Certificate, EmployeeProfile, OrgUnit
from learning.services.certificates import certificate_reissue, certificate_revoke
from tests.modules import make_course

pytestmark = pytest.mark.django_db

DAY = datetime(2031, 3, 3, 9, 0, 5, tzinfo=UTC)  # five seconds into a minute window


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def holder(make_user):
    # The account's name has changed since the certificate was issued: the page shows the
    # snapshot. Email, employee id and unit are the account's, never the page's.
    user = make_user(email="augusta.private@northwind.example", first_name="Augusta")
    user.last_name = "Byron-King"
    user.save(update_fields=["last_name"])
    unit = OrgUnit.add_root(name="Secret Skunkworks", full_name="Secret Skunkworks")
    EmployeeProfile.objects.create(user=user, employee_id="EMP-4711", unit=unit)
    return user


def make_certificate(user, course, **fields):
    fields.setdefault("learner_name", "Ada Lovelace")
    fields.setdefault("course_title", "Everyone's day job")
    return Certificate.objects.create(user=user, course=course, **fields)


def page(client, code, **extra):
    return client.get(f"/verify/{code}/", **extra)


def text_of(response) -> str:
    return response.content.decode()


# --- the statuses --------------------------------------------------------------------------


def test_valid_certificate_shows_the_printed_facts_and_what_valid_means(client, holder, course):
    with time_machine.travel(DAY, tick=False):
        certificate = make_certificate(holder, course, expires_on=date(2032, 3, 3))
        response = page(client, certificate.code)

    assert response.status_code == 200
    html = text_of(response)
    assert "verify-verdict--valid" in html
    assert "This certificate is genuine and current" in html
    assert "Ada Lovelace" in html
    assert "Everyone&#x27;s day job" in html
    assert "3 March 2031" in html  # issued
    assert "Valid until" in html and "2 March 2032" in html  # the last valid day
    assert certificate.code in html
    assert f"/verify/{certificate.code}/credential.json" in html
    assert f"/verify/{certificate.code}/credential.jwt" in html


def test_certificate_that_never_expires_says_so(client, holder, course):
    certificate = make_certificate(holder, course, expires_on=None)

    html = text_of(page(client, certificate.code))

    assert "Does not expire" in html
    assert "verify-verdict--valid" in html


def test_certificate_is_expired_from_its_expiry_day_on(client, holder, course):
    with time_machine.travel(datetime(2026, 1, 10, 9, tzinfo=UTC), tick=False):
        certificate = make_certificate(holder, course, expires_on=date(2027, 1, 10))

    with time_machine.travel(datetime(2027, 1, 9, 12, tzinfo=UTC), tick=False):
        before = text_of(page(client, certificate.code))
    with time_machine.travel(datetime(2027, 1, 10, 9, tzinfo=UTC), tick=False):
        response = page(client, certificate.code)

    assert "verify-verdict--valid" in before and "9 January 2027" in before
    assert response.status_code == 200
    html = text_of(response)
    assert "verify-verdict--expired" in html
    assert "This certificate is genuine, but it expired on 10 January 2027" in html
    assert "Expired on" in html
    assert "verify-verdict--valid" not in html
    # an expired certificate keeps its credential: validUntil tells a verifier it expired
    assert f"/verify/{certificate.code}/credential.json" in html


def test_revoked_certificate_shows_the_date_but_never_the_reason(client, holder, course, hr):
    certificate = make_certificate(holder, course)
    with time_machine.travel(datetime(2031, 5, 6, 10, tzinfo=UTC), tick=False):
        certificate_revoke(
            certificate=certificate, by=hr, reason="Internal: disciplinary case 42 in Leeds"
        )

    response = page(client, certificate.code)

    assert response.status_code == 200
    html = text_of(response)
    assert "verify-verdict--revoked" in html
    assert "withdrew this certificate on 6 May 2031" in html
    assert "Do not rely on it" in html
    assert "disciplinary" not in html and "Leeds" not in html
    assert "replaced by a newer certificate" not in html
    # a revoked certificate offers no credential: nothing may claim it is valid
    assert "credential.json" not in html and "credential.jwt" not in html


def test_reissued_certificate_says_it_was_replaced_without_giving_the_new_code(
    client, holder, course, hr
):
    old = make_certificate(holder, course)
    new = certificate_reissue(certificate=old, by=hr, reason="Name spelt wrong")

    old_html = text_of(page(client, old.code))
    new_html = text_of(page(client, new.code))

    assert "verify-verdict--revoked" in old_html
    assert "It was replaced by a newer certificate" in old_html
    assert new.code not in old_html  # the holder shares the new one; the old one does not
    assert "Name spelt wrong" not in old_html
    assert "verify-verdict--valid" in new_html
    assert "replaced by a newer certificate" not in new_html


# --- unknown and malformed codes -------------------------------------------------------------


def test_unknown_code_is_a_plain_404(client, holder, course):
    make_certificate(holder, course)

    response = page(client, "A" * 20)

    assert response.status_code == 404
    html = text_of(response)
    assert "No certificate has this code" in html
    assert "Ada Lovelace" not in html


@pytest.mark.parametrize(
    "code",
    ["short", "A" * 19, "A" * 21, "A" * 32, "A" * 19 + ".", "A" * 19 + "%20", "A" * 19 + "%C3%A9"],
)
def test_malformed_code_is_404_without_a_certificate_query(client, holder, course, code):
    certificate = make_certificate(holder, course)
    # even a row holding exactly that (malformed) code is never looked up
    Certificate.objects.filter(pk=certificate.pk).update(code=unquote(code)[:32])

    with CaptureQueriesContext(connection) as queries:
        response = page(client, code)

    assert response.status_code == 404
    assert "No certificate has this code" in text_of(response)
    assert not [q for q in queries.captured_queries if "learning_certificate" in q["sql"]]


def test_json_of_malformed_or_unknown_code_is_404(client):
    assert client.get(f"/verify/{'A' * 21}/credential.json").status_code == 404
    response = client.get(f"/verify/{'B' * 20}/credential.jwt")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- what the page never shows ------------------------------------------------------------------


def test_page_and_credential_show_nothing_of_the_account(client, holder, course):
    certificate = make_certificate(holder, course)

    html = text_of(page(client, certificate.code))
    badge = client.get(f"/verify/{certificate.code}/credential.json").content.decode()

    for private in (
        "augusta.private@northwind.example",
        "augusta.private",
        "Augusta",
        "Byron-King",
        "EMP-4711",
        "Secret Skunkworks",
        f"/team/people/{holder.pk}/",
    ):
        assert private not in html, private
        assert private not in badge, private
    assert "Ada Lovelace" in html and "Ada Lovelace" in badge


def test_page_works_signed_out_and_signed_in_as_anyone(client, holder, course, make_user):
    certificate = make_certificate(holder, course)
    assert page(client, certificate.code).status_code == 200

    client.force_login(make_user(email="stranger@northwind.example"))

    assert page(client, certificate.code).status_code == 200


def test_responses_are_not_indexed_cached_or_referred(client, holder, course):
    certificate = make_certificate(holder, course)

    for url in (
        f"/verify/{certificate.code}/",
        f"/verify/{'Z' * 20}/",
        f"/verify/{certificate.code}/credential.json",
    ):
        response = client.get(url)
        assert response["X-Robots-Tag"].startswith("noindex"), url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_only_get_and_head(client, holder, course):
    certificate = make_certificate(holder, course)

    assert client.post(f"/verify/{certificate.code}/").status_code == 405
    assert client.head(f"/verify/{certificate.code}/").status_code == 200


@pytest.mark.parametrize("rows", [3, 300])
def test_page_query_count_does_not_grow_with_certificates(
    client, holder, course, hr, rows, django_assert_max_num_queries
):
    Certificate.objects.bulk_create(
        Certificate(user=holder, course=course, learner_name=f"L{n}", course_title="C")
        for n in range(rows)
    )
    old = make_certificate(holder, course)
    new = certificate_reissue(certificate=old, by=hr)
    page(client, new.code)  # branding is cached after the first page, as in production

    with django_assert_max_num_queries(1):
        assert page(client, new.code).status_code == 200
    with django_assert_max_num_queries(1):
        assert "replaced by a newer" in text_of(page(client, old.code))


# --- the rate limit ---------------------------------------------------------------------------


def test_lookups_over_the_limit_get_429_then_the_window_resets(client, holder, course, settings):
    settings.VERIFY_RATE_LIMIT = "3/m"
    with time_machine.travel(DAY, tick=False):
        certificate = make_certificate(holder, course)
        # hits, misses and malformed codes all count
        assert page(client, certificate.code).status_code == 200
        assert page(client, "Q" * 20).status_code == 404
        assert page(client, "nonsense").status_code == 404

        limited = page(client, certificate.code)
        limited_json = client.get(f"/verify/{certificate.code}/credential.json")
        elsewhere = page(client, certificate.code, REMOTE_ADDR="203.0.113.9")

    assert limited.status_code == 429
    assert limited["Retry-After"] == "55"
    assert "Too many certificate checks" in text_of(limited)
    assert "Ada Lovelace" not in text_of(limited)
    assert limited["X-Robots-Tag"].startswith("noindex")
    assert limited_json.status_code == 429
    assert limited_json.json()["error"] == "rate_limited"
    assert limited_json["Retry-After"] == "55"
    assert elsewhere.status_code == 200  # another address has its own budget

    with time_machine.travel(DAY + timedelta(seconds=56), tick=False):
        assert page(client, certificate.code).status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, holder, course, settings):
    settings.VERIFY_RATE_LIMIT = "2/m"
    settings.TRUSTED_PROXY_COUNT = 0
    with time_machine.travel(DAY, tick=False):
        certificate = make_certificate(holder, course)
        statuses = [
            page(client, certificate.code, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
            for n in range(4)
        ]

    assert statuses == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    client, holder, course, settings
):
    settings.VERIFY_RATE_LIMIT = "1/m"
    settings.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(DAY, tick=False):
        certificate = make_certificate(holder, course)
        first = page(client, certificate.code, HTTP_X_FORWARDED_FOR="198.51.100.1")
        second = page(client, certificate.code, HTTP_X_FORWARDED_FOR="198.51.100.2")
        # the client may prepend anything; only the entry our proxy wrote counts
        spoofed = page(client, certificate.code, HTTP_X_FORWARDED_FOR="198.51.100.9, 198.51.100.1")

    assert [first.status_code, second.status_code, spoofed.status_code] == [200, 200, 429]


@pytest.mark.parametrize(
    ("text", "limit", "seconds"),
    [("30/m", 30, 60), ("100/h", 100, 3600), ("5/10s", 5, 10), ("7/90", 7, 90), ("1/d", 1, 86400)],
)
def test_rate_parses_common_forms(text, limit, seconds):
    assert Rate.parse(text) == Rate(limit=limit, seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "30/", "x/m", "0/m", "30/0", "30/w"])
def test_rate_rejects_nonsense(text):
    with pytest.raises(ValueError, match="rate"):
        Rate.parse(text)


def test_ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    same_net = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    other_net = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    mapped = rf.get("/", REMOTE_ADDR="::ffff:192.0.2.7")

    assert client_key(one) == client_key(same_net) == "2001:db8:1:2::/64"
    assert client_key(other_net) != client_key(one)
    assert client_key(mapped) == "192.0.2.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.1")) == (
        "192.0.2.1"
    )


def test_hit_counts_atomically_per_window_and_scope():
    rate = Rate(limit=2, seconds=60)
    now = 60 * 31_666_666 + 20.0  # 20 s into a window

    first = hit("a", "k", rate, now=now)
    second = hit("a", "k", rate, now=now + 1)
    third = hit("a", "k", rate, now=now + 2)
    other_scope = hit("b", "k", rate, now=now + 2)
    next_window = hit("a", "k", rate, now=now + 40)

    assert [first.count, second.count, third.count] == [1, 2, 3]
    assert first.allowed and second.allowed and not third.allowed
    assert third.retry_after == 38
    assert other_scope.allowed and other_scope.count == 1
    assert next_window.allowed and next_window.count == 1


def test_credential_json_is_public_and_named_for_download(client, holder, course):
    certificate = make_certificate(holder, course)

    response = client.get(f"/verify/{certificate.code}/credential.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="everyones-day-job-{certificate.code}.badge.json"'
    )
    assert f"/verify/{certificate.code}/" in response["Link"]
    data = json.loads(response.content)
    assert data["id"] == f"http://testserver/verify/{certificate.code}/credential.json"
