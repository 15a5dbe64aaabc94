"""Pages rendered once and served with their few per-request values filled in.

Some pages are the same for everyone who sees them but for a handful of values: a scene of a
scenario shows every learner at that scene the same text, choices, header and footer, and
differs only in the CSRF token, the attempt and step its form carries, and the like. Such a
page is rendered with a placeholder (a "hole") in each of those places, kept in the fragment
cache under a key naming everything else it shows, and filled on every request: the template
engine then runs once per page and reader kind instead of on every request.

A hole is a marker with a secret drawn when the process starts, so no authored text can contain
one. Values are escaped as they go in, unless they are already safe (rendered HTML).
"""

import hashlib
import secrets

from django.core.cache import caches
from django.utils.html import conditional_escape

_SECRET = secrets.token_hex(8)
TIMEOUT = 60 * 60


def hole(name: str) -> str:
    """The placeholder for `name`: letters, digits and dashes, the same once escaped."""
    return f"cx-hole-{_SECRET}-{name}-"


def page_key(*parts) -> str:
    """A cache key naming everything a page shows besides its holes."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"page-holes:{digest}"


def cached_page(key: str, render) -> str:
    """The page kept under `key`, rendered by `render()` (with holes) when it is not."""
    return caches["fragments"].get_or_set(key, lambda: str(render()), TIMEOUT)


def fill(page: str, values: dict) -> str:
    """The page with each hole `name` replaced by values[name], escaped unless safe."""
    for name, value in values.items():
        page = page.replace(hole(name), conditional_escape(value))
    return page
