"""HR's bulk downloads: a filtered set of certificates as one ZIP, built in the background.

The ZIP is written to a temporary file on disk, one PDF at a time, then streamed to the private
storage: memory stays bounded whatever the count. Rendering is CPU-bound Python (WeasyPrint holds
the GIL), so a large batch is rendered by a small pool of forked processes
(`CERTIFICATE_BATCH_PROCESSES`, default: up to two, one per core), a chunk of certificates at a
time; the parent alone reads the database and writes the ZIP, in order.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import tempfile
import zipfile
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from learning.models import Certificate, CertificateBatch
from learning.selectors.certificate_admin import (
    certificate_filters_clean,
    certificate_filters_describe,
    certificates_for_hr,
)

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 5000
CHUNK_SIZE = 200  # certificates read per database round trip while building
PROGRESS_EVERY_MAX = 25  # write progress at least every 25 certificates...
PROGRESS_STEPS = 50  # ...and at least every 2%
# A batch still "queued" or "building" after this long is taken to have died with its worker:
# it no longer stops its requester from starting another.
STALE_AFTER = timedelta(hours=6)
OPEN_STATUSES = (CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING)


# Below this many certificates a pool costs more than it saves: each process warms its own
# WeasyPrint (about a second and a half) before its first PDF.
POOL_MIN_CERTIFICATES = 40
POOL_CHUNK = 8  # certificates per process per round: progress and memory stay fine-grained


def batch_processes() -> int:
    default = min(2, os.cpu_count() or 1)
    return max(1, int(getattr(settings, "CERTIFICATE_BATCH_PROCESSES", default) or default))


def _pool_process_started() -> None:
    """In each pool process: remove its renderer's temporary fonts when it exits (pool
    processes skip atexit hooks; multiprocessing's finalizers do run)."""
    from multiprocessing.util import Finalize

    from learning.certificates_pdf import forget_renderer

    Finalize(None, forget_renderer, exitpriority=10)


def _render_in_pool(job):
    """Run in a pool process: plain values in, PDF bytes out (no database)."""
    from learning.certificates_pdf import render_certificate_pdf

    certificate, branding = job
    return render_certificate_pdf(certificate, branding=branding)


def _printable(certificate: Certificate) -> Certificate:
    """Just what a PDF prints, to send to a pool process (not the row's relations)."""
    return Certificate(
        pk=certificate.pk,
        code=certificate.code,
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_at=certificate.issued_at,
        expires_on=certificate.expires_on,
        revoked_at=certificate.revoked_at,
    )


@contextmanager
def _renderer_for(total: int, branding):
    """(render, round size): `render` turns a list of certificates into their PDFs, in order,
    in this process one at a time for a small batch, else a round at a time in a pool of
    forked processes (closed however the build ends)."""
    from learning.certificates_pdf import render_certificate_pdf

    processes = batch_processes()
    if processes < 2 or total < POOL_MIN_CERTIFICATES:
        yield (
            lambda certificates: [
                render_certificate_pdf(certificate, branding=branding)
                for certificate in certificates
            ],
            1,
        )
        return
    # fork: the children inherit the configured Django and never touch the database
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_pool_process_started)
    try:
        yield (
            lambda certificates: pool.map(
                _render_in_pool,
                [(_printable(certificate), branding) for certificate in certificates],
                chunksize=POOL_CHUNK,
            ),
            POOL_CHUNK * processes,
        )
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()  # the processes finish cleanly, and run their finalizers
    finally:
        pool.join()


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_limit() -> int:
    return getattr(settings, "CERTIFICATE_BATCH_LIMIT", DEFAULT_LIMIT)


def batch_open_for(user) -> CertificateBatch | None:
    """The person's download that is still queued or building (recently), if any."""
    return (
        CertificateBatch.objects.filter(
            requested_by=user,
            status__in=OPEN_STATUSES,
            created_at__gte=timezone.now() - STALE_AFTER,
        )
        .order_by("-created_at")
        .first()
    )


def batch_create(*, requested_by, filters: Mapping) -> CertificateBatch:
    """Queue a ZIP of the certificates the filters select; refuses (writing nothing) when the
    filters are wrong, the set is empty or over the limit, or the person has one building."""
    cleaned = certificate_filters_clean(filters)
    today = timezone.localdate()
    limit = batch_limit()
    with transaction.atomic():
        # the person's row serialises a double click: the second one sees the first batch
        get_user_model().objects.select_for_update().filter(pk=requested_by.pk).exists()
        if open_batch := batch_open_for(requested_by):
            raise ValidationError(
                _(
                    "You already have a download being built (started %(when)s). Wait for it "
                    "to finish, then start another."
                )
                % {"when": date_format(timezone.localtime(open_batch.created_at), "H:i")}
            )
        count = certificates_for_hr(cleaned, today=today).count()
        if count == 0:
            raise ValidationError(
                _("No certificates match these filters, so there is nothing to download.")
            )
        if count > limit:
            raise ValidationError(
                _(
                    "These filters select %(count)s certificates; one download holds at most "
                    "%(limit)s. Narrow the filters (a unit, a course or dates) and try again."
                )
                % {"count": count, "limit": limit}
            )
        batch = CertificateBatch(
            requested_by=requested_by,
            filters=cleaned,
            description=certificate_filters_describe(cleaned),
            total=count,
        )
        batch.full_clean()
        batch.save()
        batch_id = batch.pk
        transaction.on_commit(lambda: _enqueue(batch_id))
    logger.info(
        "certificate download queued",
        extra={"batch": batch_id, "by": requested_by.pk, "count": count},
    )
    return batch


def _enqueue(batch_id: int) -> None:
    from learning.tasks import build_certificate_batch

    build_certificate_batch.enqueue(batch_id)


def pdf_name(certificate: Certificate, used: set[str]) -> str:
    """`<course-slug>/<learner-name-slug>-<code>.pdf`, unique within the ZIP."""
    folder = (certificate.course.slug if certificate.course else "") or slugify(
        certificate.course_title
    )
    person = slugify(certificate.learner_name) or "certificate"
    name = f"{folder or 'course'}/{person}-{certificate.code}.pdf"
    n = 1
    while name in used:  # codes are unique, so this is a guard, not a path taken
        n += 1
        name = f"{folder or 'course'}/{person}-{certificate.code}-{n}.pdf"
    used.add(name)
    return name


def _progress_every(total: int) -> int:
    return max(1, min(PROGRESS_EVERY_MAX, math.ceil(total / PROGRESS_STEPS)))


def batch_build(*, batch_id: int) -> CertificateBatch:
    """Build a queued download: every certificate its filters select, as PDFs in one ZIP saved
    to private storage; marks it ready (or failed, with a plain reason) and returns it.

    Not one transaction: progress is written as it goes, so the progress page can show it.
    Run twice for the same batch, the second run does nothing.
    """
    from learning.certificates_pdf import certificate_branding

    Status = CertificateBatch.Status
    claimed = CertificateBatch.objects.filter(pk=batch_id, status=Status.QUEUED).update(
        status=Status.RUNNING, done=0, error=""
    )
    batch = CertificateBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    done = 0
    try:
        certificates = certificates_for_hr(batch.filters, today=timezone.localdate())
        total = certificates.count()
        CertificateBatch.objects.filter(pk=batch_id).update(total=total)
        every = _progress_every(total)
        branding = certificate_branding()  # once for the whole batch, images included
        used: set[str] = set()
        with (
            tempfile.TemporaryFile(suffix=".zip") as tmp,
            _renderer_for(total, branding) as (render, round_size),
        ):
            # stored, not deflated: PDFs are compressed already
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
                rows = certificates.iterator(chunk_size=CHUNK_SIZE)
                for chunk in _chunks(rows, round_size):
                    for certificate, pdf in zip(chunk, render(chunk), strict=True):
                        info = zipfile.ZipInfo(
                            pdf_name(certificate, used),
                            date_time=timezone.localtime(certificate.issued_at).timetuple()[:6],
                        )
                        info.external_attr = 0o644 << 16  # readable once unpacked
                        archive.writestr(info, pdf)
                        done += 1
                        if done % every == 0 and done < total:
                            CertificateBatch.objects.filter(pk=batch_id).update(done=done)
            size = tmp.seek(0, os.SEEK_END)
            tmp.seek(0)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            batch.file.save(f"certificates-{batch_id}-{stamp}.zip", File(tmp), save=False)
        batch.status = Status.DONE
        batch.total = total
        batch.done = done
        batch.size = size
        batch.finished_at = timezone.now()
        batch.full_clean()
        batch.save(update_fields=["file", "status", "total", "done", "size", "finished_at"])
    except Exception as exc:
        logger.exception("certificate download %s failed", batch_id)
        error = _(
            "The download could not be built (%(problem)s). Start it again; if it fails again, "
            "tell the platform's support team."
        ) % {"problem": (f"{type(exc).__name__}: {exc}")[:300]}
        CertificateBatch.objects.filter(pk=batch_id).update(
            status=Status.FAILED, done=done, error=error, finished_at=timezone.now()
        )
        batch.refresh_from_db()
        return batch
    logger.info(
        "certificate download ready", extra={"batch": batch_id, "count": done, "bytes": size}
    )
    return batch
