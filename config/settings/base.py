"""Settings shared by every environment; values come from environment variables.

Every variable read here is listed in the README's configuration table.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- applications -----------------------------------------------------------

INSTALLED_APPS = [
    # ours first so our templates override the libraries'
    "home",
    "courses",
    "assessments",
    "learning",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # sign-in
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    # tasks, security, front end
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_htmx",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # signs out idle and too-old sessions before any view (or later middleware) acts
    "home.session_timeouts.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # after CSPMiddleware, so its response hook runs first and can relax the policy
    "config.middleware.AdminCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.RequireMFAForStaffMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.navigation",
            ],
        },
    },
]

# --- data -------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "home.User"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://cx-training")}

# Rendered template fragments that depend only on content, language and branding (the page
# chrome, a scene's text and choices): kept in each process, keyed by everything they show.
# Every settings module that replaces CACHES keeps this alias.
FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "cx-fragments",
    "TIMEOUT": 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
CACHES["fragments"] = FRAGMENT_CACHE

# --- background tasks -------------------------------------------------------
# One machine: tasks are rows in the database and `manage.py db_worker` runs them.
# Scale-out: DJANGO_TASKS_BACKEND=rq puts them on Redis for `manage.py rqworker`s.

TASKS_BACKEND = env("DJANGO_TASKS_BACKEND", default="database")
if TASKS_BACKEND == "rq":
    RQ_REDIS_URL = env("RQ_REDIS_URL", default=REDIS_URL)
    if not RQ_REDIS_URL:
        raise ImproperlyConfigured("DJANGO_TASKS_BACKEND=rq needs REDIS_URL or RQ_REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": RQ_REDIS_URL, "DEFAULT_TIMEOUT": 600}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- authentication (django-allauth) -----------------------------------------

AUTHENTICATION_BACKENDS = [
    "home.backends.CachedAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "account_login"

ALLOW_SIGNUP = env.bool("DJANGO_ALLOW_SIGNUP", default=False)
ACCOUNT_ADAPTER = "home.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "home.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Verification matters where people sign themselves up; imported accounts are trusted.
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if ALLOW_SIGNUP else "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's defaults, stated so the README can point here: 5 failures per account in 5 minutes.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",  # nosec B105 # a rate, not a password
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = env("DJANGO_EMAIL_SUBJECT_PREFIX", default="[CX Training] ")

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Without self-signup every address comes from HR's import and is trusted, but allauth records
# it unverified after a password reset; with no verification flow that would lock new staff out
# of the second factor the admin requires.
MFA_ALLOW_UNVERIFIED_EMAIL = not ALLOW_SIGNUP
MFA_TOTP_ISSUER = env("DJANGO_MFA_ISSUER", default="CX Training")

SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS: dict = {}

if env("OIDC_CLIENT_ID", default=""):
    INSTALLED_APPS += ["allauth.socialaccount.providers.openid_connect"]
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "EMAIL_AUTHENTICATION": True,
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", default="company"),
                "name": env("OIDC_NAME", default="Company single sign-on"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ],
    }

if env("SAML_IDP_ENTITY_ID", default=""):
    INSTALLED_APPS += ["allauth.socialaccount.providers.saml"]
    SOCIALACCOUNT_PROVIDERS["saml"] = {
        "EMAIL_AUTHENTICATION": True,
        "APPS": [
            {
                "name": env("SAML_NAME", default="Company single sign-on"),
                "provider_id": env("SAML_IDP_ENTITY_ID"),
                "client_id": env("SAML_ORGANIZATION", default="company"),
                "settings": {
                    "attribute_mapping": {
                        "uid": env("SAML_ATTR_UID", default="http://schemas.auth0.com/clientID"),
                        "email": env(
                            "SAML_ATTR_EMAIL",
                            default="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                        ),
                        "first_name": env(
                            "SAML_ATTR_FIRST_NAME",
                            default="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                        ),
                        "last_name": env(
                            "SAML_ATTR_LAST_NAME",
                            default="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                        ),
                    },
                    "idp": {
                        "entity_id": env("SAML_IDP_ENTITY_ID"),
                        "sso_url": env("SAML_IDP_SSO_URL"),
                        "x509cert": env("SAML_IDP_X509CERT"),
                    },
                },
            }
        ],
    }

# Staff roles must have a second factor before they reach these paths.
MFA_REQUIRED_PATH_PREFIXES = ["/admin/"]

# --- Wagtail ------------------------------------------------------------------

WAGTAIL_SITE_NAME = env("DJANGO_SITE_NAME", default="Northwind CX Academy")
WAGTAILADMIN_BASE_URL = env("DJANGO_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "yaml", "json"]
WAGTAIL_I18N_ENABLED = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No run-time network: no Gravatar avatars, no external editor guide link.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_EDITOR_GUIDE_URL = False
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="cx-training@localhost"
)

# --- email --------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="cx-training@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- security headers -----------------------------------------------------------

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "home.security.csrf_failure"

# Sessions (home/session_timeouts.py), in seconds; 0 turns a limit off. A signed-in session
# ends after SESSION_IDLE_TIMEOUT without a request, and SESSION_ABSOLUTE_TIMEOUT after sign-in
# whatever the activity. The cookie lives no longer than the absolute limit.
SESSION_IDLE_TIMEOUT = env.int("DJANGO_SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("DJANGO_SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = env.int(
    "DJANGO_SESSION_COOKIE_AGE", default=SESSION_ABSOLUTE_TIMEOUT or 12 * 60 * 60
)

# --- internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files people fetch only through a view that checks their right to them (bulk certificate
# downloads): never under MEDIA_URL. On object storage, point this at a private bucket.
PRIVATE_MEDIA_ROOT = Path(
    env("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))
)
# Processes rendering a large bulk certificate download (default: up to two, one per core).
CERTIFICATE_BATCH_PROCESSES = env.int(
    "DJANGO_CERTIFICATE_BATCH_PROCESSES", default=min(2, os.cpu_count() or 1)
)
PRIVATE_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "INFO"},
        # Failed sign-ins and second factors, refused permissions and CSRF checks, sessions
        # ended by their time limits (home/security.py, home/session_timeouts.py).
        "cx.security": {"level": "INFO"},
        "django.security": {"level": "INFO"},
    },
}

# --- certificates: public verification and Open Badges (issue 5) ------------------------------
# Verification lookups (page and credentials) per client address, see home/ratelimit.py:
# "30/m", "100/h", "5/10s"; empty turns the limit off.
VERIFY_RATE_LIMIT = env("DJANGO_VERIFY_RATE_LIMIT", default="30/m")
# How many reverse proxies of ours append to X-Forwarded-For in front of the app. 0: trust only
# REMOTE_ADDR (the header can be forged by anyone). Our limiter and allauth's read the same.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# PEM RSA private key (2048 bits or more) that signs Open Badges credentials (VC-JWT, RS256).
# Unset: where OPEN_BADGES_GENERATE_DEV_KEY is true (None: when DEBUG is on) a key is generated
# once into OPEN_BADGES_DEV_KEY_FILE; elsewhere the signed credential answers 503.
OPEN_BADGES_SIGNING_KEY_FILE = env("OPEN_BADGES_SIGNING_KEY_FILE", default="")
OPEN_BADGES_DEV_KEY_FILE = BASE_DIR / "var" / "openbadges-signing-key.pem"
OPEN_BADGES_GENERATE_DEV_KEY = None
