"""Dashboard aggregates, cached under a version that every change they read moves on.

`changed()` is called after a commit that touches what dashboards show: module progress
(a start, an ending, a knowledge check, a reflection), assignments, certificates, people and
units, campaigns. Model signals cover saves and deletes; services that write in bulk
(`update()`, `bulk_create()`) call it themselves. A mid-scenario choice changes no figure (the
three-E profile reads finished play-throughs), so playing costs no extra write.

Reading a cached figure costs one query (the version); anything cached under an older
version is never read again and ages out of the cache.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction

from home.sql import Formula, update_where

T = TypeVar("T")

TIMEOUT = 60 * 60  # an entry nobody reads again ages out; correctness comes from the version
_ROW = 1


def version() -> int:
    from learning.models import DashboardVersion

    counter = DashboardVersion.objects.filter(pk=_ROW).values_list("counter", flat=True).first()
    return counter or 0


def _bump() -> None:
    from learning.models import DashboardVersion

    # after every ending, check and reflection: as SQL built once (home.sql)
    if not update_where(DashboardVersion, {"counter": Formula("{column} + 1")}, {"id": _ROW}):
        DashboardVersion.objects.get_or_create(pk=_ROW, defaults={"counter": 1})


class _Bump:
    """One pending move of the version; `done` once it ran (a test may run it early)."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        _bump()


def changed() -> None:
    """Data behind the dashboards changed: move the version on once the change commits.

    Several changes in one transaction move it on once.
    """
    if connection.in_atomic_block and any(
        isinstance(entry[1], _Bump) and not entry[1].done for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Bump())


def cached(key: str, compute: Callable[[], T], *, current: int | None = None) -> T:
    """`compute()`'s value for `key` under the current data version (read unless given)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    full_key = f"dashboard:{current if current is not None else version()}:{digest}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, TIMEOUT)
    return value
