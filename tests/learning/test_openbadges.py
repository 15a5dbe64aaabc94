"""Open Badges 3.0: the credential's fields, the VC-JWT and its key, revoked certificates."""

import base64
import hashlib
import json
import stat
from datetime import UTC, date, datetime

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from learning import openbadges
from learning.models import Certificate
from learning.services.certificates import certificate_reissue, certificate_revoke
from tests.modules import make_course

pytestmark = pytest.mark.django_db

ISSUED = datetime(2025, 3, 3, 9, 30, 15, 123456, tzinfo=UTC)
ISSUER = "http://testserver/verify/issuer.json"


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory):
    """One key for the session, in a temporary directory (never the repository's var/)."""
    path = tmp_path_factory.mktemp("openbadges") / "signing-key.pem"
    path.write_bytes(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def _signing_key(settings, signing_key_file):
    settings.OPEN_BADGES_SIGNING_KEY_FILE = str(signing_key_file)


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def holder(make_user):
    return make_user(email="Ada.Lovelace@Northwind.example", first_name="Ada")


def make_certificate(user, course, **fields):
    fields.setdefault("learner_name", "Ada Lovelace")
    fields.setdefault("course_title", "Everyone's day job")
    fields.setdefault("issued_at", ISSUED)
    return Certificate.objects.create(user=user, course=course, **fields)


def loaded(certificate):
    # as the views load it: with its holder and course
    return Certificate.objects.select_related("user", "course").get(pk=certificate.pk)


def public_key_from_issuer(client):
    profile = client.get("/verify/issuer.json").json()
    jwk = profile["verificationMethod"][0]["publicKeyJwk"]
    return jwt.algorithms.RSAAlgorithm.from_jwk(jwk), profile


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- the credential ------------------------------------------------------------------------------


def test_credential_has_the_required_open_badges_fields(holder, course):
    certificate = make_certificate(holder, course, expires_on=date(2032, 3, 3))

    data = openbadges.credential(loaded(certificate))

    assert data["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert data["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert data["id"] == f"http://testserver/verify/{certificate.code}/credential.json"
    assert data["issuer"] == {
        "id": ISSUER,
        "type": ["Profile"],
        "name": "Northwind Motors",
        "url": "http://testserver/",
    }
    assert data["validFrom"] == "2025-03-03T09:30:15Z"
    # expires_on is the first day not valid: midnight London time (GMT in March)
    assert data["validUntil"] == "2032-03-03T00:00:00Z"
    assert data["name"] == "Everyone's day job"
    assert f"http://testserver/verify/{certificate.code}/" in data["description"]

    subject = data["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["id"] == "http://testserver/courses/everyones-day-job/"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Everyone's day job"
    assert achievement["description"]
    assert "every module" in achievement["criteria"]["narrative"]


def test_validuntil_follows_british_summer_time(holder, course):
    certificate = make_certificate(holder, course, expires_on=date(2032, 7, 1))

    assert openbadges.credential(loaded(certificate))["validUntil"] == "2032-06-30T23:00:00Z"


def test_credential_without_expiry_has_no_validuntil(holder, course):
    data = openbadges.credential(loaded(make_certificate(holder, course, expires_on=None)))

    assert "validUntil" not in data


def test_recipient_is_a_salted_email_hash_that_a_verifier_can_check(holder, course):
    certificate = make_certificate(holder, course)
    other = make_certificate(holder, course)

    first = openbadges.credential(loaded(certificate))
    again = openbadges.credential(loaded(certificate))
    for_other = openbadges.credential(loaded(other))

    email_id, name_id = first["credentialSubject"]["identifier"]
    assert email_id["type"] == "IdentityObject"
    assert email_id["identityType"] == "emailAddress"
    assert email_id["hashed"] is True
    # what a verifier who knows the address does (lower case, then the salt)
    expected = hashlib.sha256(("ada.lovelace@northwind.example" + email_id["salt"]).encode())
    assert email_id["identityHash"] == "sha256$" + expected.hexdigest()
    assert "lovelace@" not in json.dumps(first).lower()
    assert name_id == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Ada Lovelace",
    }
    # stable for one certificate; unlinkable between two of the same person
    assert again == first
    other_email = for_other["credentialSubject"]["identifier"][0]
    assert other_email["salt"] != email_id["salt"]
    assert other_email["identityHash"] != email_id["identityHash"]
    assert for_other["credentialSubject"]["id"] != first["credentialSubject"]["id"]


def test_salt_depends_on_the_secret_key(holder, course, settings):
    certificate = loaded(make_certificate(holder, course))
    salt = openbadges.credential(certificate)["credentialSubject"]["identifier"][0]["salt"]

    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"

    changed = openbadges.credential(certificate)["credentialSubject"]["identifier"][0]["salt"]
    assert changed != salt


def test_credential_of_a_deleted_account_still_names_the_learner(holder, course):
    certificate = make_certificate(holder, course)
    holder.delete()

    data = openbadges.credential(loaded(certificate))

    assert data["credentialSubject"]["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Ada Lovelace",
        }
    ]


# --- the signed credential -------------------------------------------------------------------


def test_jwt_verifies_with_the_issuer_profiles_public_key(client, holder, course):
    certificate = make_certificate(holder, course, expires_on=date(2032, 3, 3))

    with time_machine.travel(datetime(2031, 6, 1, tzinfo=UTC), tick=False):
        response = client.get(f"/verify/{certificate.code}/credential.jwt")
        public_key, profile = public_key_from_issuer(client)
        token = response.content.decode()
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            issuer=ISSUER,
            options={"require": ["iss", "jti", "sub", "nbf", "exp"]},
        )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    assert response["Content-Disposition"].endswith(f'-{certificate.code}.badge.jwt"')
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert set(header) == {"alg", "typ", "kid", "jwk"}
    assert "d" not in header["jwk"]
    assert header["jwk"] == profile["verificationMethod"][0]["publicKeyJwk"]
    assert header["kid"] == profile["verificationMethod"][0]["id"]
    assert header["kid"].startswith(ISSUER + "?key=")

    vc = claims["vc"]
    assert vc == openbadges.credential(loaded(certificate))
    assert {k: claims[k] for k in vc} == vc  # the payload is the credential too (VCDM 2.0)
    assert claims["iss"] == vc["issuer"]["id"]
    assert claims["jti"] == vc["id"]
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime(2025, 3, 3, 9, 30, 15, tzinfo=UTC).timestamp())
    assert claims["exp"] == int(datetime(2032, 3, 3, tzinfo=UTC).timestamp())


def test_kid_dereferences_to_the_public_jwk(client, holder, course):
    token = openbadges.credential_jwt(loaded(make_certificate(holder, course)))
    header = jwt.get_unverified_header(token)

    response = client.get(header["kid"].removeprefix("http://testserver"))
    wrong = client.get("/verify/issuer.json?key=not-our-key")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk+json"
    assert response.json() == header["jwk"]
    assert set(response.json()) == {"kty", "n", "e", "alg", "use", "kid"}
    assert wrong.status_code == 404


def test_tampered_jwt_fails_verification(client, holder, course):
    certificate = make_certificate(holder, course)
    token = client.get(f"/verify/{certificate.code}/credential.jwt").content.decode()
    public_key, _ = public_key_from_issuer(client)
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    claims["vc"]["credentialSubject"]["identifier"][-1]["identityHash"] = "Mallory"
    claims["credentialSubject"]["identifier"][-1]["identityHash"] = "Mallory"

    tampered = ".".join([header, b64url(claims), signature])

    jwt.decode(token, public_key, algorithms=["RS256"], issuer=ISSUER)  # the original is fine
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tampered, public_key, algorithms=["RS256"], issuer=ISSUER)


def test_jwt_signed_by_someone_else_fails_against_the_issuer_key(client, holder, course):
    certificate = make_certificate(holder, course)
    token = client.get(f"/verify/{certificate.code}/credential.jwt").content.decode()
    public_key, _ = public_key_from_issuer(client)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(forger.public_key(), as_dict=True)

    # a forger can put their own key in the header: verifiers must use the issuer's
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"jwk": forged_jwk})

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, public_key, algorithms=["RS256"], issuer=ISSUER)


def test_expired_certificates_jwt_is_rejected_as_expired(client, holder, course):
    certificate = make_certificate(holder, course, expires_on=date(2032, 3, 3))

    with time_machine.travel(datetime(2032, 3, 4, tzinfo=UTC), tick=False):
        response = client.get(f"/verify/{certificate.code}/credential.jwt")
        public_key, _ = public_key_from_issuer(client)
        with pytest.raises(jwt.ExpiredSignatureError):
            jwt.decode(response.content, public_key, algorithms=["RS256"], issuer=ISSUER)

    assert response.status_code == 200


# --- revoked certificates are never claimed valid --------------------------------------------


@pytest.mark.parametrize("suffix", ["credential.json", "credential.jwt"])
def test_revoked_certificate_has_no_credential(client, holder, course, hr, suffix):
    certificate = make_certificate(holder, course)
    with time_machine.travel(datetime(2031, 5, 6, 10, tzinfo=UTC), tick=False):
        certificate_revoke(certificate=certificate, by=hr, reason="Internal reason 42")

    response = client.get(f"/verify/{certificate.code}/{suffix}")

    assert response.status_code == 410
    body = response.json()
    assert body["error"] == "revoked"
    assert body["revokedOn"] == "2031-05-06"
    assert body["verificationPage"] == f"http://testserver/verify/{certificate.code}/"
    text = response.content.decode()
    assert "Internal reason" not in text
    assert "OpenBadgeCredential" not in text and "validFrom" not in text


def test_replaced_certificate_says_so_and_the_new_one_has_a_credential(client, holder, course, hr):
    old = make_certificate(holder, course)
    new = certificate_reissue(certificate=old, by=hr)

    gone = client.get(f"/verify/{old.code}/credential.json")
    fresh = client.get(f"/verify/{new.code}/credential.json")

    assert gone.status_code == 410
    assert "replaced by a newer certificate" in gone.json()["message"]
    assert new.code not in gone.content.decode()
    assert fresh.status_code == 200
    assert fresh.json()["id"].endswith(f"/verify/{new.code}/credential.json")


# --- the key ------------------------------------------------------------------------------


def test_issuer_profile_is_a_profile_with_a_public_key_only(client):
    response = client.get("/verify/issuer.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert "public" in response["Cache-Control"]
    profile = response.json()
    assert profile["id"] == ISSUER
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Northwind Motors"
    method = profile["verificationMethod"][0]
    assert method["controller"] == ISSUER
    assert set(method["publicKeyJwk"]) == {"kty", "n", "e", "alg", "use", "kid"}
    for private in ("d", "p", "q", "dp", "dq", "qi"):
        assert private not in method["publicKeyJwk"]


def test_dev_key_is_generated_once_with_owner_only_permissions(settings, tmp_path):
    path = tmp_path / "var" / "openbadges-signing-key.pem"
    settings.OPEN_BADGES_SIGNING_KEY_FILE = ""
    settings.OPEN_BADGES_GENERATE_DEV_KEY = True
    settings.OPEN_BADGES_DEV_KEY_FILE = path

    first = openbadges.signing_key()
    written = path.read_bytes()
    openbadges.forget_signing_keys()  # as a new process would
    second = openbadges.signing_key()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == written
    assert second.thumbprint == first.thumbprint
    assert second.private_key.key_size == 2048
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_key_is_read_once_per_process(settings, tmp_path, monkeypatch):
    path = tmp_path / "key.pem"
    path.write_bytes(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    settings.OPEN_BADGES_SIGNING_KEY_FILE = str(path)
    reads = []
    real = serialization.load_pem_private_key
    monkeypatch.setattr(
        openbadges.serialization,
        "load_pem_private_key",
        lambda *a, **k: reads.append(1) or real(*a, **k),
    )

    keys = {id(openbadges.signing_key()) for _ in range(3)}

    assert len(reads) == 1
    assert len(keys) == 1


def test_without_a_key_in_production_the_jwt_is_503_and_nothing_is_generated(
    client, holder, course, settings, tmp_path
):
    certificate = make_certificate(holder, course)
    settings.OPEN_BADGES_SIGNING_KEY_FILE = ""
    settings.OPEN_BADGES_GENERATE_DEV_KEY = None  # follow DEBUG
    settings.DEBUG = False
    settings.OPEN_BADGES_DEV_KEY_FILE = tmp_path / "never.pem"

    response = client.get(f"/verify/{certificate.code}/credential.jwt")
    profile = client.get("/verify/issuer.json").json()
    badge = client.get(f"/verify/{certificate.code}/credential.json")

    assert response.status_code == 503
    assert response.json()["error"] == "signing_unavailable"
    assert "no signing key" in response.json()["message"]
    assert not (tmp_path / "never.pem").exists()
    assert "verificationMethod" not in profile
    assert badge.status_code == 200  # the JSON needs no key


def test_a_short_or_unreadable_key_is_refused(settings, tmp_path):
    short = tmp_path / "short.pem"
    short.write_bytes(_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
    settings.OPEN_BADGES_SIGNING_KEY_FILE = str(short)
    with pytest.raises(openbadges.SigningKeyUnavailable, match="2048"):
        openbadges.signing_key()

    settings.OPEN_BADGES_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(openbadges.SigningKeyUnavailable, match="cannot be read"):
        openbadges.signing_key()
