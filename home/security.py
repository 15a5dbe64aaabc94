"""Authentication and authorization failures, logged to the `cx.security` logger.

Every record says what failed, who (the user id, or the email address tried: never a password
or a code), from where (the client address, as `home.ratelimit.client_ip` reads it) and on
which path. Records also carry `event`, `user_id` and `ip` as attributes for structured
handlers. Receivers are connected in `HomeConfig.ready`.
"""

from __future__ import annotations

import logging

from django.shortcuts import render

from home.ratelimit import client_ip

logger = logging.getLogger("cx.security")

MAX_LOGGED_CHARS = 254  # the longest valid email address


def clean(value) -> str:
    """Text someone typed, made safe for one log line: printable, no line breaks, bounded."""
    text = str(value or "")[:MAX_LOGGED_CHARS]
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _ip(request) -> str:
    return (client_ip(request) or "-") if request is not None else "-"


def _path(request) -> str:
    return clean(request.path) if request is not None else "-"


def _user_id(request):
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _email_tried(credentials) -> str:
    for key in ("email", "login", "username"):
        if credentials.get(key):
            return clean(credentials[key])
    return "-"


_ANONYMOUS = object()  # a sign-in attempt: no user yet, the email tried says who


def _log(event: str, message: str, request, *, user_id=_ANONYMOUS, **fields) -> None:
    """One warning: `message`, who (unless a sign-in attempt), from where, on which path, then
    `fields` in order."""
    ip = _ip(request)
    who = "" if user_id is _ANONYMOUS else f"user={user_id} "
    details = "".join(f" {name}={value}" for name, value in fields.items())
    logger.warning(
        "%s %sip=%s path=%s%s",
        message,
        who,
        ip,
        _path(request),
        details,
        extra={"event": event, "user_id": None if user_id is _ANONYMOUS else user_id, "ip": ip},
    )


def log_login_failed(sender, credentials, request=None, **kwargs):
    """`user_login_failed` receiver (Django cleanses the password out of `credentials`)."""
    _log("login_failed", f"sign-in failed email={_email_tried(credentials)}", request)


def log_login_rate_limited(request, credentials) -> None:
    """Called by the account adapter when allauth refuses a sign-in for too many failures."""
    what = f"sign-in refused, too many failed attempts email={_email_tried(credentials)}"
    _log("login_rate_limited", what, request)


def log_mfa_failed(sender, request=None, user=None, reauthentication=False, **kwargs):
    """allauth.mfa's `authentication_failed` receiver: a wrong second-factor code."""
    _log(
        "mfa_failed",
        "second factor failed",
        request,
        user_id=getattr(user, "pk", None),
        reauthentication=bool(reauthentication),
    )


def log_permission_denied(request) -> None:
    _log(
        "permission_denied",
        "permission denied",
        request,
        user_id=_user_id(request),
        method=request.method,
    )


def log_hidden_refusal(request, what: str) -> None:
    """An object the user may not see, answered as not found (so its existence is not
    confirmed): logged like a 403, with what was asked for."""
    _log(
        "hidden_refusal",
        "access refused, answered 404",
        request,
        user_id=_user_id(request),
        what=what,
    )


def csrf_failure(request, reason=""):
    """`CSRF_FAILURE_VIEW`: log the failure and answer with the site's own 403 page."""
    _log(
        "csrf_failure",
        "CSRF check failed",
        request,
        user_id=_user_id(request),
        method=request.method,
        reason=clean(reason),
    )
    return render(request, "403.html", status=403)
