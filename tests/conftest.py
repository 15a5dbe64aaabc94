import pytest
from django.core.cache import cache

from home import roles
from home.services import user_create

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: each test starts with a clean slate. Row ids
    # are reused between tests, so per-process memos keyed by id are cleared too.
    from assessments.selectors import scenario_for_revision
    from home.selectors import forget_branding_locally

    def clear():
        cache.clear()
        scenario_for_revision.cache_clear()
        forget_branding_locally()

    clear()
    yield
    clear()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(*role_names, email=None, password=PASSWORD, is_superuser=False, **fields):
        n = next(counter)
        return user_create(
            email=email or f"person{n}@northwind.example",
            password=password,
            first_name=fields.pop("first_name", f"Person{n}"),
            last_name=fields.pop("last_name", "Test"),
            role_names=role_names or (roles.LEARNERS,),
            is_superuser=is_superuser,
        )

    return make


@pytest.fixture
def learner(make_user):
    return make_user(roles.LEARNERS, email="learner@northwind.example", first_name="Lee")


@pytest.fixture
def manager(make_user):
    return make_user(roles.LEARNERS, roles.MANAGERS, email="manager@northwind.example")


@pytest.fixture
def trainer(make_user):
    return make_user(roles.TRAINERS, email="trainer@northwind.example")


@pytest.fixture
def hr(make_user):
    return make_user(roles.HR, email="hr@northwind.example")


@pytest.fixture
def superuser(make_user):
    return make_user(email="root@northwind.example", is_superuser=True)


def enable_totp(user):
    """Give a user a confirmed TOTP authenticator, as finishing allauth's setup does.

    Returns the plain secret, as the person's authenticator app would hold it.
    """
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret):
    """The code an authenticator app shows now for this secret."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@pytest.fixture
def with_mfa():
    return enable_totp
