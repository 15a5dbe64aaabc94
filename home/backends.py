"""Authentication with the signed-in user read from the cache instead of the database.

Every request loads its user; caching it (dropped whenever the row changes, see
home.signals) saves a query on every page.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.core.cache import cache

from home import cache_prefetch

USER_CACHE_SECONDS = 60 * 15


def user_cache_key(user_id) -> str:
    return f"cx:user:{user_id}"


class CachedAuthenticationBackend(AuthenticationBackend):
    """allauth's email backend, with get_user served from the cache."""

    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache_prefetch.get(key)  # a view may have read it along with its own entries
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            from home.permissions import user_role_names

            user_role_names(user)  # cached along with the user
            cache.set(key, user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None
