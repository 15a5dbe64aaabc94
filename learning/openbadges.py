"""Open Badges 3.0 (1EdTech) credentials for certificates: the JSON and its VC-JWT proof.

`credential(certificate)` builds an OpenBadgeCredential (VC Data Model 2.0 contexts, named as
strings and never fetched). `credential_jwt(certificate)` signs it as a VC-JWT (spec section
"JSON Web Token Proof Format": RS256, the public key in the `jwk` header and a `kid` URL that
answers with the same key). `issuer_profile()` is the issuer's Profile, with the public key,
so a verifier can check a JWT offline.

A revoked certificate gets no credential from the views (410 Gone): nothing here claims it is
valid, and Open Badges' only status mechanism (a signed Bitstring Status List) is more
machinery than one page that already says "revoked". Expired certificates keep their
credential, whose `validUntil` (and JWT `exp`) tells any verifier it has expired.

The signing key: see `signing_key()` and the settings block at the end of config/settings/base.py.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from home.selectors import branding

logger = logging.getLogger(__name__)

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
ALGORITHM = "RS256"
MIN_KEY_BITS = 2048


class SigningKeyUnavailable(Exception):
    """No key to sign with: none configured and this is not a place to generate one."""


# --- URLs ----------------------------------------------------------------------------------


def absolute(path: str) -> str:
    """An absolute URL on this site, from WAGTAILADMIN_BASE_URL (no request needed)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def credential_url(certificate) -> str:
    return absolute(reverse("learning:verify_credential", args=[certificate.code]))


def credential_jwt_url(certificate) -> str:
    return absolute(reverse("learning:verify_credential_jwt", args=[certificate.code]))


def verify_url(certificate) -> str:
    return absolute(reverse("learning:verify", args=[certificate.code]))


def issuer_id() -> str:
    return absolute(reverse("learning:verify_issuer"))


# --- the credential ------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    """DateTimeZ in UTC, to the second (so it equals the JWT's NumericDate exactly)."""
    utc = moment.astimezone(UTC).replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")


def valid_until(certificate) -> datetime | None:
    """`expires_on` is the first day it is not valid: the start of that day, site time."""
    if certificate.expires_on is None:
        return None
    return timezone.make_aware(datetime.combine(certificate.expires_on, time.min))


def _salt(code: str) -> str:
    # Deterministic per certificate, so the JSON is the same on every download, and secret
    # (SECRET_KEY): nobody can precompute hashes of likely addresses for a given code.
    return salted_hmac("learning.openbadges.salt", code, algorithm="sha256").hexdigest()[:32]


def identity_hash(email: str, salt: str) -> str:
    """Open Badges IdentityHash: "sha256$" + hex SHA-256 of the address then the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def subject_id(certificate) -> str:
    """An opaque URI for the holder of this one certificate (the JWT `sub`).

    Per certificate, so two credentials of one person cannot be linked through it.
    """
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, credential_url(certificate) + "#sub"))


def _profile() -> dict:
    brand = branding()
    profile = {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": brand.organisation_name or settings.WAGTAIL_SITE_NAME,
        "url": absolute("/"),
    }
    if brand.support_email:
        profile["email"] = brand.support_email
    return profile


def _achievement_id(certificate) -> str:
    """The course's page when it still exists; a stable URN from its id otherwise."""
    course = certificate.course
    if course is not None:
        url = course.get_url()  # relative on a single site: made absolute like every URL here
        if url:
            return absolute(url) if url.startswith("/") else url
    name = f"{absolute('/')}#course-{certificate.course_id or certificate.course_title}"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _achievement(certificate, organisation: str) -> dict:
    course = certificate.course
    introduction = strip_tags(course.introduction).strip() if course is not None else ""
    description = (
        Truncator(" ".join(introduction.split())).chars(500)
        if introduction
        else _("A customer-experience training course of %(organisation)s.")
        % {"organisation": organisation}
    )
    return {
        "id": _achievement_id(certificate),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": certificate.course_title,
        "description": description,
        "criteria": {
            "narrative": _(
                "Complete every module of the course: play each customer scenario through "
                "to an ending, pass its knowledge check and, where one is asked for, write "
                "the reflection."
            )
        },
    }


def _identifiers(certificate) -> list[dict]:
    identifiers = []
    email = getattr(certificate.user, "email", "") if certificate.user_id else ""
    if email:
        salt = _salt(certificate.code)
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(email, salt),
                "salt": salt,
            }
        )
    # The name as printed; the public verification page shows it too.
    identifiers.append(
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": certificate.learner_name,
        }
    )
    return identifiers


def credential(certificate) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned JSON).

    Needs `certificate.user` and `certificate.course` (select_related them).
    """
    profile = _profile()
    until = valid_until(certificate)
    data = {
        "@context": list(CONTEXTS),
        "id": credential_url(certificate),
        "type": list(CREDENTIAL_TYPES),
        "issuer": profile,
        "validFrom": _iso(certificate.issued_at),
        "awardedDate": _iso(certificate.issued_at),
        "name": certificate.course_title,
        "description": _(
            "%(organisation)s certifies that %(name)s completed the course “%(course)s”. "
            "Check its current status at %(url)s"
        )
        % {
            "organisation": profile["name"],
            "name": certificate.learner_name,
            "course": certificate.course_title,
            "url": verify_url(certificate),
        },
        "credentialSubject": {
            "id": subject_id(certificate),
            "type": ["AchievementSubject"],
            "identifier": _identifiers(certificate),
            "achievement": _achievement(certificate, profile["name"]),
        },
    }
    if until is not None:
        data["validUntil"] = _iso(until)
    return data


# --- the signing key -----------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    n: str  # the public key's modulus and exponent, base64url (JWK members)
    e: str
    thumbprint: str  # RFC 7638, base64url SHA-256 of the public JWK

    @property
    def kid(self) -> str:
        """A URL that answers with this key as a JWK (the `kid` the spec asks for)."""
        return f"{issuer_id()}?key={self.thumbprint}"

    @property
    def public_jwk(self) -> dict:
        """The public key as a JWK: never "d" or any other private member."""
        return {
            "kty": "RSA",
            "n": self.n,
            "e": self.e,
            "alg": ALGORITHM,
            "use": "sig",
            "kid": self.kid,
        }


_keys: dict[str, SigningKey] = {}
_keys_lock = threading.Lock()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_key_from(private_key) -> SigningKey:
    if not isinstance(private_key, rsa.RSAPrivateKey) or private_key.key_size < MIN_KEY_BITS:
        raise SigningKeyUnavailable(
            f"The Open Badges signing key must be an RSA key of at least {MIN_KEY_BITS} bits."
        )
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    members = {name: public[name] for name in ("e", "kty", "n")}
    thumbprint = _b64url(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )
    return SigningKey(private_key=private_key, n=public["n"], e=public["e"], thumbprint=thumbprint)


def _generate_key_file(path: Path) -> None:
    """Write a new key to `path` unless one is there; safe when several workers race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".openbadges-key-")
    try:  # mkstemp's file is 0600 already
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: use theirs
            os.link(temporary, path)  # atomic create-if-absent
    finally:
        os.unlink(temporary)
    logger.warning("Generated a development Open Badges signing key in %s", path)


def _key_path() -> Path:
    configured = getattr(settings, "OPEN_BADGES_SIGNING_KEY_FILE", "")
    if configured:
        return Path(configured)
    generate = getattr(settings, "OPEN_BADGES_GENERATE_DEV_KEY", None)
    if generate is None:
        generate = settings.DEBUG
    if not generate:
        raise SigningKeyUnavailable(
            "No Open Badges signing key is configured: set OPEN_BADGES_SIGNING_KEY_FILE to "
            "the path of a PEM RSA private key."
        )
    path = Path(settings.OPEN_BADGES_DEV_KEY_FILE)
    if not path.exists():
        _generate_key_file(path)
    return path


def signing_key() -> SigningKey:
    """The process's signing key, read once (per path) and kept in memory."""
    path = _key_path()
    cache_key = str(path.resolve())
    key = _keys.get(cache_key)
    if key is not None:
        return key
    with _keys_lock:
        key = _keys.get(cache_key)
        if key is None:
            try:
                private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except (OSError, ValueError, TypeError) as error:
                logger.error("Cannot read the Open Badges signing key %s: %s", path, error)
                raise SigningKeyUnavailable(
                    f"The Open Badges signing key in {path} cannot be read."
                ) from error
            key = _signing_key_from(private_key)
            _keys[cache_key] = key
    return key


def forget_signing_keys() -> None:
    """Drop the keys read so far (tests; a rotated key file without a restart)."""
    _keys.clear()


# --- the signed credential and the issuer ------------------------------------------------


def credential_jwt(certificate) -> str:
    """The credential as a VC-JWT (compact JWS, RS256), per Open Badges 3.0.

    The payload is the credential itself with the JWT claims beside it (OB 3.0 on VC Data
    Model 2.0), and the same credential again in `vc` for verifiers that follow VC Data
    Model 1.1. Raises SigningKeyUnavailable.
    """
    key = signing_key()
    data = credential(certificate)
    claims = {
        **data,
        "iss": data["issuer"]["id"],
        "jti": data["id"],
        "sub": data["credentialSubject"]["id"],
        "nbf": int(certificate.issued_at.timestamp()),
        "vc": data,
    }
    until = valid_until(certificate)
    if until is not None:
        claims["exp"] = int(until.timestamp())
    headers = {"typ": "JWT", "kid": key.kid, "jwk": key.public_jwk}
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers=headers)


def issuer_profile() -> dict:
    """The issuer's Profile; with its public key when one is available."""
    profile = {"@context": list(CONTEXTS), **_profile()}
    try:
        key = signing_key()
    except SigningKeyUnavailable:
        return profile
    profile["verificationMethod"] = [
        {
            "id": key.kid,
            "type": "JsonWebKey",
            "controller": profile["id"],
            "publicKeyJwk": key.public_jwk,
        }
    ]
    return profile


def public_jwk(thumbprint: str) -> dict | None:
    """The public key named by a `kid`, or None when it is not this site's current key."""
    try:
        key = signing_key()
    except SigningKeyUnavailable:
        return None
    return key.public_jwk if thumbprint == key.thumbprint else None
