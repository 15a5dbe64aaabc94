"""A learner's certificates: the list, the PDF and the Open Badges credential to download."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from home.security import log_hidden_refusal
from learning.models import CertificateStatus
from learning.permissions import user_can_download_certificate, user_is_hr_or_admin
from learning.selectors.certificates import certificate_by_code, certificates_of


@login_required
@require_GET
def my_certificates(request):
    today = timezone.localdate()
    current, history = [], []
    for certificate in certificates_of(request.user):
        certificate.status_today = certificate.status_on(today)
        is_current = certificate.status_today == CertificateStatus.VALID
        (current if is_current else history).append(certificate)
    return render(
        request,
        "learning/my_certificates.html",
        {"current": current, "history": history, "today": today},
    )


def _downloadable(request, code):
    """The certificate when this person may download it; a revoked one only for HR."""
    certificate = certificate_by_code(code)
    if certificate is None or not user_can_download_certificate(request.user, certificate):
        if certificate is not None:
            log_hidden_refusal(request, "certificate")
        raise Http404  # someone else's certificate: not even its existence is confirmed
    if certificate.revoked_at is not None and not user_is_hr_or_admin(request.user):
        response = render(
            request, "learning/certificate_revoked.html", {"certificate": certificate}, status=410
        )
        return certificate, response
    return certificate, None


def _filename(certificate, extension: str) -> str:
    name = slugify(certificate.course_title)[:60] or "certificate"
    return f"{name}-{certificate.code}.{extension}"


@login_required
@require_GET
def certificate_pdf(request, code):
    from learning.certificates_pdf import render_certificate_pdf

    certificate, refusal = _downloadable(request, code)
    if refusal is not None:
        return refusal
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    disposition = "inline" if request.GET.get("view") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{_filename(certificate, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def certificate_credential(request, code):
    from learning.openbadges import credential

    certificate, refusal = _downloadable(request, code)
    if refusal is not None:
        return refusal
    response = HttpResponse(
        json.dumps(credential(certificate), indent=2, ensure_ascii=False),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(certificate, "badge.json")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
