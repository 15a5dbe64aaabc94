"""Read, in one round trip, the cache entries a request is about to ask for one by one.

A view that knows what it will need (the signed-in user, the module, the learner's attempt)
opens `prefetched(keys)`: one `get_many` fetches them all, and the code that asks for them later
(`get`, `get_many` here, used by the authentication backend and the player's selectors) is
served from that read instead of making its own round trip.

Each prefetched entry is served once: whatever changes the entry afterwards in the same
request is read back from the cache, never from a copy taken before.
"""

import contextlib
from contextvars import ContextVar

from django.core.cache import cache

_MISSING = object()  # prefetched, and not in the cache
_entries: ContextVar[dict | None] = ContextVar("cx_cache_prefetch", default=None)


@contextlib.contextmanager
def prefetched(keys):
    """Within the block, `get` and `get_many` serve these keys from one read made now."""
    keys = list(keys)
    found = cache.get_many(keys)
    token = _entries.set({key: found.get(key, _MISSING) for key in keys})
    try:
        yield
    finally:
        _entries.reset(token)


def get_many(keys) -> dict:
    """Like `cache.get_many`: prefetched keys are served (once) from the prefetch."""
    entries = _entries.get()
    if not entries:
        return cache.get_many(keys)
    found, rest = {}, []
    for key in keys:
        value = entries.pop(key, None)
        if value is None:
            rest.append(key)
        elif value is not _MISSING:
            found[key] = value
    if rest:
        found.update(cache.get_many(rest))
    return found


def get(key):
    """Like `cache.get(key)`: a prefetched key is served (once) from the prefetch."""
    entries = _entries.get()
    value = entries.pop(key, None) if entries else None
    if value is None:
        return cache.get(key)
    return None if value is _MISSING else value
