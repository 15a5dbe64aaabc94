"""Production: required variables have no default, and `check --deploy` is clean."""

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, DATABASES, FRAGMENT_CACHE, REDIS_URL, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES["default"] = {
    **env.db("DATABASE_URL"),
    "ATOMIC_REQUESTS": False,
    "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
}
WAGTAILADMIN_BASE_URL = env("DJANGO_BASE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[WAGTAILADMIN_BASE_URL])

if not REDIS_URL:
    # Login rate limits and MFA state must be shared by every worker: never local memory here.
    CACHES = {
        "default": env.cache("CACHE_URL", default="dbcache://cx_cache"),
        "fragments": FRAGMENT_CACHE,
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# No script of ours or Wagtail's reads the CSRF cookie: forms and the admin take the token
# from the page.
CSRF_COOKIE_HTTPONLY = True
# __Host-: browsers accept these cookies only when Secure, for path / and without a Domain,
# so neither a sibling subdomain nor plain HTTP can set or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
