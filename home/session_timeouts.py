"""Signed-in sessions end after a while without activity, and a fixed time after sign-in.

`SESSION_IDLE_TIMEOUT` and `SESSION_ABSOLUTE_TIMEOUT` (seconds; 0 turns a limit off) are read
from the settings. The session holds two Unix times: when the person signed in (set by the
`user_logged_in` signal) and when they were last seen. The last-seen time is written only when
a minute or more has passed since the stored one, so a busy learner does not cost a session
write per request; the idle limit may therefore act up to a minute early, never late.

When a limit has passed, the person is signed out (`logout` flushes the session) before the
view runs, so a form posted from a stale page is never carried out:
- an HTML GET is sent to the sign-in page with `?next=` back to where they were;
- an htmx request gets 401 with `HX-Redirect` to the sign-in page, a JSON request a 401;
- any other request (a posted form) is sent to the sign-in page, `next` being the page the
  form was on when that is one of ours.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from home.ratelimit import client_ip

logger = logging.getLogger("cx.security")

SIGNED_IN_AT = "cx_signed_in_at"
LAST_SEEN_AT = "cx_last_seen_at"
# How stale the stored last-seen time may get before it is written again.
ACTIVITY_RESOLUTION = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def stamp_sign_in(sender, request, user, **kwargs):
    """`user_logged_in` receiver: the session starts its clocks now."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def expired_because(session, now: int) -> str | None:
    """IDLE or ABSOLUTE when that limit has passed for this session, else None."""
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT
    idle = settings.SESSION_IDLE_TIMEOUT
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if absolute and signed_in is not None and now - signed_in >= absolute:
        return ABSOLUTE
    if idle and last_seen is not None and now - last_seen >= idle:
        return IDLE
    return None


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = max(1, round(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def signed_out_message(reason: str) -> str:
    if reason == IDLE:
        text = _("You were signed out after %(duration)s without activity. Please sign in again.")
        return text % {"duration": _duration(settings.SESSION_IDLE_TIMEOUT)}
    text = _("For your security you were signed out after %(duration)s. Please sign in again.")
    return text % {"duration": _duration(settings.SESSION_ABSOLUTE_TIMEOUT)}


def _sign_in_url(next_path: str | None) -> str:
    url = resolve_url(settings.LOGIN_URL)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def _same_site_path(url: str, request) -> str | None:
    """The path and query of URL when it points at this site, else None."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _page_path(request) -> str | None:
    """The page a request was made from: htmx names it, a browser's form post refers to it."""
    return _same_site_path(
        request.headers.get("HX-Current-URL") or request.headers.get("Referer", ""), request
    )


def timed_out_response(request, reason: str) -> HttpResponse:
    """What a request that arrives after the session ended gets instead of its view."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=401)
        response["HX-Redirect"] = _sign_in_url(_page_path(request))
        return response
    if not request.accepts("text/html"):
        return JsonResponse({"error": "session_expired", "reason": reason}, status=401)
    if request.method in ("GET", "HEAD"):
        next_path = request.get_full_path()
    else:
        next_path = _page_path(request)
    return HttpResponseRedirect(_sign_in_url(next_path))


class SessionTimeoutMiddleware:
    """Sign out sessions past their idle or absolute limit; record activity once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A signed-in session holds the user's id: checking for it reads the session (which
        # every signed-in request needs anyway) but not the user, which only a sign-out needs.
        if SESSION_KEY in request.session:
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        if SIGNED_IN_AT not in session or LAST_SEEN_AT not in session:
            # A session from before these limits existed: its clocks start now.
            session.setdefault(SIGNED_IN_AT, now)
            session[LAST_SEEN_AT] = now
            return None
        reason = expired_because(session, now)
        if reason is None:
            if now - session[LAST_SEEN_AT] >= ACTIVITY_RESOLUTION:
                session[LAST_SEEN_AT] = now
            return None
        user_id = request.user.pk
        logout(request)
        logger.info(
            "session ended (%s timeout) user=%s ip=%s path=%s",
            reason,
            user_id,
            client_ip(request),
            request.path,
            extra={"event": "session_timeout", "reason": reason, "user_id": user_id},
        )
        messages.info(request, signed_out_message(reason), fail_silently=True)
        return timed_out_response(request, reason)
