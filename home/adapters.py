from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

from home.security import log_login_rate_limited


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the org import and invitations; self-signup only if enabled."""

    def is_open_for_signup(self, request):
        return settings.ALLOW_SIGNUP

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                log_login_rate_limited(request, credentials)
            raise


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on connects to existing accounts; it creates none unless signup is on."""

    def is_open_for_signup(self, request, sociallogin):
        return settings.ALLOW_SIGNUP
