"""Project-wide request rules that are not one view's business."""

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from home.permissions import user_must_set_up_mfa

# Wagtail's admin still renders inline scripts and styles in its widgets (wagtail#1288),
# so the staff-only admin gets this narrower exception; the learner site stays strict.
ADMIN_CSP_REPLACE = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    # the editor shows page previews in a same-origin iframe
    "frame-ancestors": [SELF],
}
PREVIEW_CSP_REPLACE = {"frame-ancestors": [SELF]}


class AdminCSPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/admin/"):
            response._csp_replace = ADMIN_CSP_REPLACE
        elif getattr(request, "is_dummy", False):
            # A preview: Wagtail renders the page through a dummy request for its own URL
            # (the site's strict policy) and the editor shows it in a same-origin iframe.
            response._csp_replace = PREVIEW_CSP_REPLACE
        return response


class RequireMFAForStaffMiddleware:
    """Send staff roles without a second factor to set one up before the admin."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.MFA_REQUIRED_PATH_PREFIXES)

    def __call__(self, request):
        if request.path_info.startswith(self.prefixes) and user_must_set_up_mfa(request.user):
            messages.warning(
                request,
                _(
                    "Your role can change content and people's records, so it needs "
                    "two-factor authentication. Set it up now to continue."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
