"""HR downloads a filtered set of certificates as one ZIP, built in the background with a progress
bar; bad, empty or oversized requests write nothing; only HR may fetch the file."""

import datetime
import io
import tempfile
import tracemalloc
import zipfile
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from home import roles
from learning.models import Certificate, CertificateBatch
from learning.services.certificate_batches import batch_build, batch_create
from tests.certificates import (
    TODAY,
    certify,
    make_person,
)

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("certificates:batch_create")
BATCHES_URL = reverse("certificates:batches")


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2031, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        yield TODAY


@pytest.fixture
def certificates(people, courses):
    day_job, listening = courses["day_job"], courses["listening"]
    return {
        "ada": certify(people["ada"], day_job, issued=TODAY - timedelta(days=10)),
        "bo": certify(people["bo"], listening, issued=TODAY - timedelta(days=20)),
        "cy": certify(people["cy"], day_job, issued=TODAY - timedelta(days=40)),
    }


@pytest.fixture
def fake_pdf(monkeypatch):
    """A stand-in renderer (the real one is used end to end below), recording what it printed."""
    printed = []

    def render(certificate, *, branding=None):
        printed.append(certificate.code)
        return b"%PDF-1.7 fake " + certificate.code.encode()

    monkeypatch.setattr("learning.certificates_pdf.render_certificate_pdf", render)
    return printed


def zip_of(response) -> zipfile.ZipFile:
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def request_zip(client, params, capture):
    with capture(execute=True) as callbacks:
        response = client.post(CREATE_URL, params)
    return response, callbacks


# --- end to end ----------------------------------------------------------------------------------


def test_hr_downloads_the_filtered_certificates_as_one_zip_of_real_pdfs(
    hr_client, certificates, courses, django_capture_on_commit_callbacks
):
    params = {"course": courses["day_job"].pk}
    confirm = hr_client.get(CREATE_URL, params).content.decode()
    assert "2 certificates match." in confirm and "Course: Everyone" in confirm
    assert f'name="course" value="{courses["day_job"].pk}"' in confirm

    response, _ = request_zip(hr_client, params, django_capture_on_commit_callbacks)
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("certificates:batch", args=[batch.pk])
    assert batch.status == CertificateBatch.Status.DONE
    assert (batch.total, batch.done, batch.percent) == (2, 2, 100)
    assert batch.finished_at == timezone.now()

    page = hr_client.get(response.url).content.decode()
    download_url = reverse("certificates:batch_download", args=[batch.pk])
    assert 'value="100"' in page and "100%" in page and download_url in page
    assert "hx-trigger" not in page  # finished: no more polling

    download = hr_client.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith("attachment;")
    content = b"".join(download.streaming_content)
    assert len(content) == batch.size
    archive = zipfile.ZipFile(io.BytesIO(content))
    ada, cy = certificates["ada"], certificates["cy"]
    assert sorted(archive.namelist()) == sorted(
        [
            f"everyones-day-job/ada-lovelace-{ada.code}.pdf",
            f"everyones-day-job/cy-carer-{cy.code}.pdf",
        ]
    )
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    for certificate in (ada, cy):
        name = next(n for n in archive.namelist() if certificate.code in n)
        text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        assert certificate.learner_name in text and certificate.code in text


def test_the_zip_holds_one_pdf_per_filtered_certificate_with_unique_names(
    hr_client, make_user, org, courses, people, fake_pdf, django_capture_on_commit_callbacks
):
    twins = [make_person(make_user, "Zoë", "O'Brien", org["sales"]) for _ in range(2)]
    same_name = [certify(twin, courses["listening"]) for twin in twins]
    certify(people["cy"], courses["listening"])  # in Care: outside the unit filter
    certify(people["ada"], courses["listening"], revoked=True)  # revoked: outside the status
    bo = certify(people["bo"], courses["listening"])  # Sales/North: below Sales, so in

    params = {"unit": org["sales"].pk, "status": "valid", "course": courses["listening"].pk}
    response, _ = request_zip(hr_client, params, django_capture_on_commit_callbacks)
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302 and batch.status == CertificateBatch.Status.DONE
    assert batch.filters == {
        "unit": org["sales"].pk,
        "course": courses["listening"].pk,
        "status": "valid",
    }
    archive = zip_of(hr_client.get(reverse("certificates:batch_download", args=[batch.pk])))
    assert sorted(archive.namelist()) == sorted(
        [f"listening-well/zoe-obrien-{c.code}.pdf" for c in same_name]
        + [f"listening-well/bo-northman-{bo.code}.pdf"]
    )
    assert sorted(fake_pdf) == sorted([c.code for c in same_name] + [bo.code])
    assert archive.read(f"listening-well/bo-northman-{bo.code}.pdf").endswith(bo.code.encode())


def test_the_search_term_is_part_of_the_download(
    hr_client, certificates, fake_pdf, django_capture_on_commit_callbacks
):
    request_zip(hr_client, {"q": "lovelace"}, django_capture_on_commit_callbacks)
    assert fake_pdf == [certificates["ada"].code]
    assert CertificateBatch.objects.get().description == "Search: “lovelace”"


def test_the_progress_fragment_polls_until_the_zip_is_ready(hr_client, hr_user):
    batch = CertificateBatch.objects.create(
        requested_by=hr_user, status=CertificateBatch.Status.RUNNING, total=10, done=5
    )
    page = hr_client.get(reverse("certificates:batch", args=[batch.pk])).content.decode()
    progress_url = reverse("certificates:batch_progress", args=[batch.pk])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "htmx-2" in page  # the script, from static files (no CDN)
    assert '<progress id="certificate-batch-bar" max="100" value="50">' in page
    assert "50% (5 of 10)" in page
    assert 'aria-live="polite"' in page and '<label for="certificate-batch-bar">' in page

    fragment = hr_client.get(progress_url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "50% (5 of 10)" in fragment
    assert "<html" not in fragment

    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.DONE, done=10, size=2048, finished_at=timezone.now()
    )
    fragment = hr_client.get(progress_url).content.decode()
    assert "hx-trigger" not in fragment and "100% (10 of 10)" in fragment
    assert reverse("certificates:batch_download", args=[batch.pk]) in fragment


def test_progress_is_written_as_the_zip_grows(hr_user, people, courses, fake_pdf, monkeypatch):
    Certificate.objects.bulk_create(
        Certificate(
            user=people["ada"],
            course=courses["day_job"],
            learner_name=f"Learner {n}",
            course_title="Everyone's day job",
        )
        for n in range(60)
    )
    batch = batch_create(requested_by=hr_user, filters={})
    seen = []

    def render(certificate, *, branding=None):
        seen.append(CertificateBatch.objects.values_list("done", flat=True).get(pk=batch.pk))
        return b"%PDF fake"

    monkeypatch.setattr("learning.certificates_pdf.render_certificate_pdf", render)
    built = batch_build(batch_id=batch.pk)
    # 60 certificates: progress every 2 (about 2%), each a single UPDATE of `done`
    assert seen == [(i // 2) * 2 for i in range(60)]
    assert (built.status, built.done, built.total) == (CertificateBatch.Status.DONE, 60, 60)
    assert batch_build(batch_id=batch.pk).finished_at == built.finished_at  # a rerun: nothing


def test_memory_stays_bounded_whatever_the_count(hr_user, people, courses, monkeypatch, tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    monkeypatch.setattr(CertificateBatch._meta.get_field("file"), "storage", storage)
    Certificate.objects.bulk_create(
        Certificate(
            user=people["ada"],
            course=courses["day_job"],
            learner_name=f"Learner {n}",
            course_title="Everyone's day job",
        )
        for n in range(40)
    )
    pdf_size = 256 * 1024

    def render(certificate, *, branding=None):
        return b"%PDF" + certificate.code.encode() * (pdf_size // 20)

    monkeypatch.setattr("learning.certificates_pdf.render_certificate_pdf", render)
    batch = batch_create(requested_by=hr_user, filters={})
    tracemalloc.start()
    try:
        built = batch_build(batch_id=batch.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert built.status == CertificateBatch.Status.DONE and built.size > 40 * pdf_size
    assert peak < 3 * 1024 * 1024, peak  # one PDF at a time, not 10 MB of them
    assert (tmp_path / built.file.name).stat().st_size == built.size


def test_a_failed_build_says_so_and_does_not_block_the_next(
    hr_client, certificates, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(certificate, *, branding=None):
        raise RuntimeError("font file missing")

    monkeypatch.setattr("learning.certificates_pdf.render_certificate_pdf", broken)
    response, _ = request_zip(hr_client, {}, django_capture_on_commit_callbacks)
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == CertificateBatch.Status.FAILED and not batch.file
    assert "could not be built" in batch.error and "font file missing" in batch.error
    page = hr_client.get(response.url).content.decode()
    assert "could not be built" in page and "hx-trigger" not in page
    download = hr_client.get(reverse("certificates:batch_download", args=[batch.pk]))
    assert download.status_code == 404

    monkeypatch.setattr("learning.certificates_pdf.render_certificate_pdf", lambda c, **k: b"%PDF")
    request_zip(hr_client, {}, django_capture_on_commit_callbacks)
    assert CertificateBatch.objects.filter(status=CertificateBatch.Status.DONE).count() == 1


# --- refused requests write nothing --------------------------------------------------------------


def test_a_request_over_the_limit_is_refused_and_writes_nothing(
    hr_client, certificates, settings, fake_pdf, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_BATCH_LIMIT = 2
    before = CertificateBatch.objects.count()
    response, callbacks = request_zip(hr_client, {}, django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert response.status_code == 200
    assert "These filters select 3 certificates; one download holds at most 2." in html
    assert CertificateBatch.objects.count() == before and callbacks == [] and fake_pdf == []


def test_an_empty_request_is_refused_and_writes_nothing(
    hr_client, certificates, fake_pdf, django_capture_on_commit_callbacks
):
    params = {"q": "nobody by this name"}
    assert "0 certificates match." in hr_client.get(CREATE_URL, params).content.decode()
    before = CertificateBatch.objects.count()
    response, callbacks = request_zip(hr_client, params, django_capture_on_commit_callbacks)
    assert "No certificates match these filters" in response.content.decode()
    assert CertificateBatch.objects.count() == before and callbacks == [] and fake_pdf == []


@pytest.mark.parametrize(
    "params, message",
    [
        ({"unit": "999999"}, "That org unit does not exist"),
        ({"issued_from": "31/02/2031"}, "Enter a real date"),
        ({"status": "all-of-them"}, "Choose a status"),
    ],
)
def test_tampered_filters_are_refused_and_write_nothing(
    hr_client, certificates, fake_pdf, django_capture_on_commit_callbacks, params, message
):
    assert message in hr_client.get(CREATE_URL, params).content.decode()
    response, callbacks = request_zip(hr_client, params, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and message in response.content.decode()
    assert "Nothing was started" in response.content.decode()
    assert not CertificateBatch.objects.exists() and callbacks == [] and fake_pdf == []


def test_one_download_at_a_time_per_person(
    hr_client, hr_user, certificates, fake_pdf, django_capture_on_commit_callbacks
):
    running = CertificateBatch.objects.create(
        requested_by=hr_user, status=CertificateBatch.Status.RUNNING, total=3
    )
    response, callbacks = request_zip(hr_client, {}, django_capture_on_commit_callbacks)
    assert "You already have a download being built" in response.content.decode()
    assert CertificateBatch.objects.count() == 1 and callbacks == []

    # one its worker never finished (hours old) does not block for ever
    CertificateBatch.objects.filter(pk=running.pk).update(
        created_at=timezone.now() - timedelta(hours=7)
    )
    response, _ = request_zip(hr_client, {}, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and CertificateBatch.objects.count() == 2


# --- who may fetch the file ----------------------------------------------------------------------


@pytest.fixture
def ready_batch(hr_user, certificates, fake_pdf):
    batch = batch_create(requested_by=hr_user, filters={})
    return batch_build(batch_id=batch.pk)


def test_any_hr_colleague_may_download_a_ready_zip(client, make_user, with_mfa, ready_batch):
    colleague = make_user(roles.HR)
    with_mfa(colleague)
    client.force_login(colleague)
    response = client.get(reverse("certificates:batch_download", args=[ready_batch.pk]))
    assert response.status_code == 200 and len(zip_of(response).namelist()) == 3
    assert ready_batch.description in client.get(BATCHES_URL).content.decode()


@pytest.mark.parametrize("role", [roles.TRAINERS, roles.MANAGERS, roles.LEARNERS])
def test_nobody_else_may_download_it(client, make_user, with_mfa, ready_batch, role):
    user = make_user(role)
    with_mfa(user)
    client.force_login(user)
    for name in ("batch_download", "batch", "batch_progress"):
        response = client.get(reverse(f"certificates:{name}", args=[ready_batch.pk]))
        assert response.status_code in (302, 403), name
        assert not response.content.startswith(b"PK") and b"Lovelace" not in response.content


def test_signed_out_visitors_cannot_download(client, ready_batch):
    response = client.get(reverse("certificates:batch_download", args=[ready_batch.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_a_zip_not_ready_yet_is_not_found(hr_client, hr_user):
    batch = CertificateBatch.objects.create(requested_by=hr_user, total=3)
    response = hr_client.get(reverse("certificates:batch_download", args=[batch.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("rows", [3, 300])
def test_the_downloads_list_reads_a_constant_number_of_queries(
    hr_client, make_user, rows, django_assert_max_num_queries
):
    requesters = [make_user(roles.HR, first_name=f"Asker{n}") for n in range(3)]
    CertificateBatch.objects.bulk_create(
        CertificateBatch(
            requested_by=requesters[n % 3], description=f"Batch number {n}", total=n + 1
        )
        for n in range(rows)
    )
    hr_client.get(BATCHES_URL)
    with django_assert_max_num_queries(9):
        response = hr_client.get(BATCHES_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Batch number ") == min(rows, 20) and "Asker0" in html


def test_a_large_download_is_rendered_by_a_pool_of_processes_in_order(
    hr_user, people, courses, settings, monkeypatch
):
    from learning.services import certificate_batches

    settings.CERTIFICATE_BATCH_PROCESSES = 2
    monkeypatch.setattr(certificate_batches, "POOL_MIN_CERTIFICATES", 5)
    monkeypatch.setattr(certificate_batches, "POOL_CHUNK", 2)
    Certificate.objects.bulk_create(
        Certificate(
            user=people["ada"],
            course=courses["day_job"],
            learner_name=f"Learner Number{n}",
            course_title="Everyone's day job",
        )
        for n in range(7)
    )
    from learning import certificates_pdf

    certificates_pdf.warm_up()  # this process has a renderer before the pool forks
    own_fonts = certificates_pdf._get_renderer().font_config._folder
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("weasyprint-*"))

    batch = batch_create(requested_by=hr_user, filters={})
    built = batch_build(batch_id=batch.pk)
    assert (built.status, built.done, built.total) == (CertificateBatch.Status.DONE, 7, 7)
    # the pool processes removed their own fonts, and left this process's in place
    assert own_fonts.is_dir() and any(own_fonts.iterdir())
    assert set(temp.glob("weasyprint-*")) <= before
    archive = zipfile.ZipFile(built.file.open("rb"))
    assert len(archive.namelist()) == 7
    for name in archive.namelist():  # each PDF is the certificate its name says, from the pool
        code = name.removesuffix(".pdf")[-20:]
        certificate = Certificate.objects.get(code=code)
        text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        assert certificate.learner_name in text and code in text
