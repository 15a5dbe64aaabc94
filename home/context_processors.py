from django.conf import settings

from home.selectors import branding, navigation_for, url_named


def navigation(request):
    """The role-based main navigation, for the base layout."""
    user = getattr(request, "user", None)
    return {
        "main_navigation": navigation_for(user) if user is not None else [],
        "signup_open": settings.ALLOW_SIGNUP,
        "branding": branding(),
        "account_urls": {
            "login": url_named("account_login"),
            "logout": url_named("account_logout"),
        },
    }
