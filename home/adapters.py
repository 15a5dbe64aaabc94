from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the org import and invitations; self-signup only if enabled."""

    def is_open_for_signup(self, request):
        return settings.ALLOW_SIGNUP


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on connects to existing accounts; it creates none unless signup is on."""

    def is_open_for_signup(self, request, sociallogin):
        return settings.ALLOW_SIGNUP
