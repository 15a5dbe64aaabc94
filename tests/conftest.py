import pytest
from django.core.cache import cache, caches

from home import roles
from home.services import user_create

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: each test starts with a clean slate. Row ids
    # are reused between tests, so per-process memos keyed by id are cleared too.
    from assessments.selectors import scenario_for_revision
    from home.selectors import forget_branding_locally
    from learning.certificates_pdf import forget_images

    def clear():
        cache.clear()
        caches["fragments"].clear()
        scenario_for_revision.cache_clear()
        forget_branding_locally()
        forget_images()

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
    """The code an authenticator app shows now for this secret.

    Near the end of a period the code could expire before the form is sent (allauth
    accepts only the current period), so wait for the next period then, as a person would.
    """
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


@pytest.fixture
def with_mfa():
    return enable_totp


@pytest.fixture
def site_root(transactional_db):
    """For tests on a flushed database (not in a transaction): put back the home page and
    site that the migrations create, when an earlier test's flush removed them."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:
            language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
            locale, _ = Locale.objects.get_or_create(language_code=language)
            root = Page.add_root(title="Root", slug="root", locale=locale)
        home = root.add_child(
            instance=HomePage(
                title="Home", slug="home", hero_heading="Every conversation keeps a customer"
            )
        )
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    # The role groups come back by themselves (a flush re-runs post_migrate), but their page
    # permissions hang on the root page, which did not exist yet at that moment.
    from home.services import roles_sync_permissions

    roles_sync_permissions()
    return home
