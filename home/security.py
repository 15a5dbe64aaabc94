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


def log_login_failed(sender, credentials, request=None, **kwargs):
    """`user_login_failed` receiver (Django cleanses the password out of `credentials`)."""
    ip = _ip(request)
    logger.warning(
        "sign-in failed email=%s ip=%s path=%s",
        _email_tried(credentials),
        ip,
        _path(request),
        extra={"event": "login_failed", "user_id": None, "ip": ip},
    )


def log_login_rate_limited(request, credentials) -> None:
    """Called by the account adapter when allauth refuses a sign-in for too many failures."""
    ip = _ip(request)
    logger.warning(
        "sign-in refused, too many failed attempts email=%s ip=%s path=%s",
        _email_tried(credentials),
        ip,
        _path(request),
        extra={"event": "login_rate_limited", "user_id": None, "ip": ip},
    )


def log_mfa_failed(sender, request=None, user=None, reauthentication=False, **kwargs):
    """allauth.mfa's `authentication_failed` receiver: a wrong second-factor code."""
    ip = _ip(request)
    user_id = getattr(user, "pk", None)
    logger.warning(
        "second factor failed user=%s ip=%s path=%s reauthentication=%s",
        user_id,
        ip,
        _path(request),
        bool(reauthentication),
        extra={"event": "mfa_failed", "user_id": user_id, "ip": ip},
    )


def log_permission_denied(request) -> None:
    user_id = _user_id(request)
    ip = _ip(request)
    logger.warning(
        "permission denied user=%s ip=%s path=%s method=%s",
        user_id,
        ip,
        _path(request),
        request.method,
        extra={"event": "permission_denied", "user_id": user_id, "ip": ip},
    )


def log_hidden_refusal(request, what: str) -> None:
    """An object the user may not see, answered as not found (so its existence is not
    confirmed): logged like a 403, with what was asked for."""
    user_id = _user_id(request)
    ip = _ip(request)
    logger.warning(
        "access refused, answered 404 user=%s ip=%s path=%s what=%s",
        user_id,
        ip,
        _path(request),
        what,
        extra={"event": "hidden_refusal", "user_id": user_id, "ip": ip},
    )


def csrf_failure(request, reason=""):
    """`CSRF_FAILURE_VIEW`: log the failure and answer with the site's own 403 page."""
    user_id = _user_id(request)
    ip = _ip(request)
    logger.warning(
        "CSRF check failed user=%s ip=%s path=%s method=%s reason=%s",
        user_id,
        ip,
        _path(request),
        request.method,
        clean(reason),
        extra={"event": "csrf_failure", "user_id": user_id, "ip": ip},
    )
    return render(request, "403.html", status=403)
