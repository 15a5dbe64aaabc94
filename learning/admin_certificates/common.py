"""What HR's certificate screens share: names, URLs, the HR check, the permission policy."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from wagtail.permission_policies.base import BasePermissionPolicy

from home import roles
from learning.permissions import user_can_manage_certificates
from learning.selectors.certificate_admin import (
    FILTER_NAMES,
    SEARCH_NAME,
)

NAMESPACE = "certificates"
REVOKE_ACTION = "learning.certificate.revoke"
REISSUE_ACTION = "learning.certificate.reissue"
RECENT_BATCHES = 20


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _require_hr(request) -> None:
    if not user_can_manage_certificates(request.user):
        raise PermissionDenied


def filter_query(data) -> str:
    """The list's filters (and search) from a query string, to carry them to another page."""
    return urlencode(
        [(name, data.get(name)) for name in (*FILTER_NAMES, SEARCH_NAME) if data.get(name)]
    )


# --- who may use these screens ------------------------------------------------------------------


class CertificatePermissionPolicy(BasePermissionPolicy):
    """HR (and superusers) may look; nobody adds, edits or deletes a certificate here."""

    def user_has_permission(self, user, action):
        return action == "view" and user_can_manage_certificates(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and user_can_manage_certificates(user)

    def users_with_any_permission(self, actions):
        from home.models import User

        if "view" not in actions:
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=roles.HR), is_active=True
        ).distinct()
