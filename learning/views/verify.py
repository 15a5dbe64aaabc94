"""Public certificate checks: the verification page and the Open Badges credential.

No sign-in. Each lookup by code counts against a per-address rate limit (found or not, well
formed or not), so codes cannot be enumerated; malformed codes never reach the database.
The page and the credential say only what the printed certificate says: the learner's name
and the course as they were at issue, the dates and the status, never the holder's account.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from home.ratelimit import ratelimit
from home.selectors import branding
from learning import openbadges
from learning.models import Certificate
from learning.selectors.certificates import certificate_by_code, public_certificate, well_formed

RATE_SCOPE = "verify"


# --- responses common to every view here ----------------------------------------------------


def _public_headers(view=None, *, cors: bool = False):
    """Not indexed, no Referer carrying the code elsewhere, never cached by anyone.

    `cors`: a verifier's web page may read the answer (it is public, and rate-limited).
    """
    if view is None:
        return functools.partial(_public_headers, cors=cors)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        if cors:
            response["Access-Control-Allow-Origin"] = "*"
        return response

    return never_cache(wrapped)


def _limit_message(decision) -> str:
    return _(
        "Too many certificate checks from your network. Wait %(seconds)s seconds, then try again."
    ) % {"seconds": decision.retry_after}


def _limited_page(request, decision):
    return render(
        request,
        "learning/verify_limited.html",
        {"message": _limit_message(decision), "retry_after": decision.retry_after},
        status=429,
    )


def _limited_api(request, decision):
    return _json_error("rate_limited", _limit_message(decision), 429)


def _rate() -> str:
    return getattr(settings, "VERIFY_RATE_LIMIT", "30/m")


# One budget (scope) for the page and the credentials: they reveal the same thing.
page_limit = ratelimit(RATE_SCOPE, rate=_rate, limited=_limited_page)
api_limit = ratelimit(RATE_SCOPE, rate=_rate, limited=_limited_api)


def _json_error(error: str, message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse(
        {"error": error, "message": message, **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _not_found_json() -> JsonResponse:
    return _json_error(
        "not_found",
        _("No certificate has this code. Check it against the printed certificate."),
        404,
    )


def _gone_json(certificate) -> JsonResponse:
    replaced = Certificate.objects.filter(replaces_id=certificate.pk).exists()
    return _json_error(
        "revoked",
        _("This certificate was revoked and is no longer valid.")
        + (" " + _("It was replaced by a newer certificate.") if replaced else ""),
        410,
        revokedOn=timezone.localtime(certificate.revoked_at).date().isoformat(),
        verificationPage=openbadges.verify_url(certificate),
    )


def _filename(certificate, extension: str) -> str:
    name = slugify(certificate.course_title)[:60] or "certificate"
    return f"{name}-{certificate.code}.{extension}"


def _credential_lookup(code: str):
    """(certificate, None) when a credential may be served, else (None, error response)."""
    if not well_formed(code):
        return None, _not_found_json()
    certificate = certificate_by_code(code)
    if certificate is None:
        return None, _not_found_json()
    if certificate.revoked_at is not None:
        return None, _gone_json(certificate)
    return certificate, None


# --- views ------------------------------------------------------------------------------------


@_public_headers
@require_safe
@page_limit
def verify(request, code):
    """The public verification page of one certificate."""
    certificate = public_certificate(code)
    context = {
        "certificate": certificate,
        "organisation": branding().organisation_name or settings.WAGTAIL_SITE_NAME,
    }
    if certificate is None:
        return render(request, "learning/verify.html", context, status=404)
    return render(request, "learning/verify.html", context)


@_public_headers(cors=True)
@require_safe
@api_limit
def credential_json(request, code):
    """The Open Badges 3.0 credential as JSON; 410 Gone once revoked."""
    certificate, refusal = _credential_lookup(code)
    if refusal is not None:
        return refusal
    body = json.dumps(openbadges.credential(certificate), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(certificate, "badge.json")}"'
    )
    response["Link"] = f'<{openbadges.verify_url(certificate)}>; rel="alternate"; type="text/html"'
    return response


@_public_headers(cors=True)
@require_safe
@api_limit
def credential_jwt(request, code):
    """The same credential signed as a VC-JWT; 503 when this site has no signing key."""
    certificate, refusal = _credential_lookup(code)
    if refusal is not None:
        return refusal
    try:
        token = openbadges.credential_jwt(certificate)
    except openbadges.SigningKeyUnavailable:
        return _json_error(
            "signing_unavailable",
            _(
                "Signed credentials are not available on this site yet: it has no signing "
                "key. The JSON credential and the verification page still work."
            ),
            503,
            credential=openbadges.credential_url(certificate),
        )
    response = HttpResponse(token, content_type="application/jwt")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(certificate, "badge.jwt")}"'
    )
    return response


@require_safe
def issuer_profile(request):
    """The issuer's Open Badges Profile with its public key; `?key=<kid>` gives the JWK."""
    thumbprint = request.GET.get("key")
    if thumbprint is not None:
        jwk = openbadges.public_jwk(thumbprint)
        if jwk is None:
            return _json_error("not_found", _("This site has no key with that id."), 404)
        response = JsonResponse(jwk, content_type="application/jwk+json")
    else:
        response = JsonResponse(
            openbadges.issuer_profile(),
            content_type="application/ld+json",
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    # The same for everyone and changed only by HR's branding or a key rotation.
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
