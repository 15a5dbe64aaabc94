"""A small fixed-window rate limiter on the shared cache, per client address and scope.

Counting uses `cache.add` (create the window's counter if absent) then `cache.incr`: both are
atomic on Redis and in local memory, so concurrent workers never lose a hit. (On the database
cache `incr` is a read then a write: under heavy concurrency it may undercount a little.)

Every request counts, allowed or not, hit or miss: someone who keeps trying stays limited
until the window ends, and a lookup that finds nothing costs as much as one that does, so
codes cannot be enumerated faster than the limit.

Whose address: `REMOTE_ADDR`, the peer of the TCP connection, which a client cannot forge.
`X-Forwarded-For` is written by whoever sends the request, so it is read only when the
setting `TRUSTED_PROXY_COUNT` says how many proxies of ours stand in front (the same number
allauth's `ALLAUTH_TRUSTED_PROXY_COUNT` uses for its login limits). Behind a proxy with the
setting left at 0, every client shares the proxy's address and therefore one budget.

IPv6 clients are limited per /64 network: one subscriber usually holds a whole /64.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache as default_cache

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `seconds`."""

    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "30/m", "100/h", "5/10s", "30/60" (seconds)."""
        match = _RATE_RE.match(text or "")
        if not match:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. '30/m' or '5/10s').")
        limit, number, unit = match.groups()
        if not number and not unit:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. '30/m' or '5/10s').")
        seconds = int(number or 1) * _UNITS[unit or "s"]
        if int(limit) < 1 or seconds < 1:
            raise ValueError(f"Not a rate: {text!r} (limit and period must be positive).")
        return cls(limit=int(limit), seconds=seconds)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int  # requests counted in this window, this one included
    limit: int
    retry_after: int  # whole seconds until the window ends


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            # Each of our proxies appends the address it saw: the outermost one's entry is
            # the client; anything left of it was written by the client and is ignored.
            return hops[-proxies]
        logger.warning(
            "TRUSTED_PROXY_COUNT=%s but X-Forwarded-For has %s entries; using REMOTE_ADDR",
            proxies,
            len(hops),
        )
    return remote


def client_key(request) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64 network."""
    raw = client_ip(request)
    try:
        address = ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        return raw or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is an IPv4 client
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def hit(scope: str, key: str, rate: Rate, *, cache=None, now: float | None = None) -> Decision:
    """Count one request by `key` in `scope` and say whether it is within `rate`."""
    cache = cache or default_cache
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    cache_key = f"ratelimit:{scope}:{rate.seconds}:{window}:{digest}"
    # +1 s so the counter outlives its window even if the clocks of two machines differ a bit
    cache.add(cache_key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr: start again
        cache.add(cache_key, 1, timeout=rate.seconds + 1)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    return Decision(
        allowed=count <= rate.limit, count=count, limit=rate.limit, retry_after=retry_after
    )


def check_request(request, scope: str, rate: Rate | str | None) -> Decision | None:
    """Count this request against `rate` for its client; None when no rate is set."""
    if not rate:
        return None
    if isinstance(rate, str):
        rate = Rate.parse(rate)
    return hit(scope, client_key(request), rate)


def ratelimit(
    scope: str,
    rate: str | Callable[[], str | None],
    limited: Callable,
):
    """Decorate a view: over the rate, answer `limited(request, decision)` instead.

    `rate` may be a callable (read at request time, e.g. from settings) so tests and
    operators can change it without a restart of the module. The response to a limited
    request gets a `Retry-After` header.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            current = rate() if callable(rate) else rate
            decision = check_request(request, scope, current)
            if decision is not None and not decision.allowed:
                response = limited(request, decision)
                response["Retry-After"] = str(decision.retry_after)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
