"""Benchmarks: production-like (DEBUG off, hashed static files) on a local database."""

from .base import *  # noqa: F403
from .base import FRAGMENT_CACHE, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="bench-only-insecure-key-0a1b2c3d4e5f6a7b8c9d0e1f")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING["root"]["level"] = "WARNING"
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}
if not REDIS_URL:
    # workers must share the cache, as in production
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cx_cache",
        },
        "fragments": FRAGMENT_CACHE,
    }
