"""Fast, self-contained test settings (like bakerydemo's): no environment needed."""

from .base import *  # noqa: F403
from .base import FRAGMENT_CACHE, env

DEBUG = False
SECRET_KEY = "test-only-insecure-key-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"  # nosec B105 # tests only
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": FRAGMENT_CACHE,
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"
DATABASES["default"]["TEST"] = {"NAME": env("DJANGO_TEST_DATABASE_NAME", default=None)}
LOGGING["root"]["level"] = "WARNING"
# Static files come from the app finders here; whitenoise serves the collected set in production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}
# Failures are WARNING and stay visible to caplog; sessions ended on time are INFO.
LOGGING["loggers"]["cx.security"] = {"level": "WARNING"}
# Session limits off: many tests sign in, then travel days ahead in time. The tests of the
# limits (tests/home/test_security.py) turn them on.
SESSION_IDLE_TIMEOUT = 0
SESSION_ABSOLUTE_TIMEOUT = 0

# --- certificates (issue 5): a throwaway signing key, generated once, outside the repo ----------
OPEN_BADGES_SIGNING_KEY_FILE = ""
OPEN_BADGES_DEV_KEY_FILE = BASE_DIR / "test-artifacts" / "openbadges-signing-key.pem"
OPEN_BADGES_GENERATE_DEV_KEY = True
# Bulk certificate downloads render in this process (one test runs the process pool itself).
CERTIFICATE_BATCH_PROCESSES = 1
