"""Role predicates: the one place that says who a person is on this platform.

Views, templates (through the navigation context processor) and tests all use these.
"""

from django.core.cache import cache

from home import roles


def user_role_names(user) -> frozenset[str]:
    """The names of the role groups a user belongs to, read once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    names = getattr(user, "_cx_role_names", None)
    if names is None:
        key = role_cache_key(user.pk)
        names = cache.get(key)
        if names is None:
            names = frozenset(
                user.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True)
            )
            cache.set(key, names, 60 * 60)
        user._cx_role_names = names
    return names


def role_cache_key(user_id) -> str:
    """Cleared whenever a user's groups change (home.signals)."""
    return f"cx:roles:{user_id}"


def user_is_signed_in(user) -> bool:
    """Every active, signed-in person learns here, whatever else their role."""
    return getattr(user, "is_authenticated", False) and user.is_active


def user_is_manager(user) -> bool:
    return roles.MANAGERS in user_role_names(user)


def user_is_trainer(user) -> bool:
    return roles.TRAINERS in user_role_names(user)


def user_is_hr(user) -> bool:
    return roles.HR in user_role_names(user)


def user_is_superuser(user) -> bool:
    return user_is_signed_in(user) and user.is_superuser


def user_is_staff_role(user) -> bool:
    """Trainers, HR and superusers: the people who change content or records."""
    return user_is_superuser(user) or bool(roles.STAFF_ROLES & user_role_names(user))


def user_can_access_admin(user) -> bool:
    # Only staff roles are given admin access, so others are answered without a query.
    return user_is_staff_role(user) and user.has_perm("wagtailadmin.access_admin")


def user_can_view_team(user) -> bool:
    return user_is_manager(user) or user_is_hr(user) or user_is_superuser(user)


def user_must_set_up_mfa(user) -> bool:
    """A staff role without a second factor is stopped before the admin."""
    if not user_is_staff_role(user):
        return False
    from allauth.mfa.utils import is_mfa_enabled

    return not is_mfa_enabled(user)
