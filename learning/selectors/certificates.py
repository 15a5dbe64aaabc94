"""Read queries for certificates: a person's own, and what their manager may see of them."""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from learning.models import Certificate
from learning.models.certificates import last_valid_day, status_of


def certificates_of(user) -> QuerySet[Certificate]:
    """A person's certificates, newest first, with what replaced a reissued one (one query)."""
    return (
        Certificate.objects.filter(user=user)
        .select_related("replaced_by")
        .order_by("-issued_at", "-pk")
    )


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this code and its holder, or None (also for a malformed code)."""
    if not well_formed(code):
        return None
    return Certificate.objects.select_related("user", "course").filter(code=code).first()


# secrets.token_urlsafe(15): exactly 20 characters of the URL-safe base64 alphabet
CODE_RE = re.compile(r"[A-Za-z0-9_-]{20}")


@dataclass(frozen=True)
class PublicCertificate:
    """What anyone may know about a certificate: what is printed on it, and its status."""

    code: str
    learner_name: str
    course_title: str
    issued_on: date
    expires_on: date | None  # the first day it is no longer valid
    status: str
    revoked_on: date | None
    replaced: bool

    @property
    def valid_until(self) -> date | None:
        return last_valid_day(self.expires_on)


def well_formed(code: str) -> bool:
    return bool(CODE_RE.fullmatch(code or ""))


def public_certificate(code: str) -> PublicCertificate | None:
    """The public record of a certificate, in one query; None when there is no such code.

    Only the printed fields are read, so nothing else can reach the page by mistake.
    """
    if not well_formed(code):
        return None
    row = (
        Certificate.objects.filter(code=code)
        .annotate(replaced=Exists(Certificate.objects.filter(replaces_id=OuterRef("pk"))))
        .values(
            "code",
            "learner_name",
            "course_title",
            "issued_at",
            "expires_on",
            "revoked_at",
            "replaced",
        )
        .first()
    )
    if row is None:
        return None
    status = status_of(
        revoked_at=row["revoked_at"], expires_on=row["expires_on"], today=timezone.localdate()
    )
    return PublicCertificate(
        code=row["code"],
        learner_name=row["learner_name"],
        course_title=row["course_title"],
        issued_on=timezone.localtime(row["issued_at"]).date(),
        expires_on=row["expires_on"],
        status=status,
        revoked_on=timezone.localtime(row["revoked_at"]).date() if row["revoked_at"] else None,
        replaced=bool(row["replaced"]),
    )
