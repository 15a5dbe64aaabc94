"""Who may do what with the organisation and its people."""

from home.permissions import user_is_hr, user_is_superuser


def user_can_import_org(user) -> bool:
    return user_is_hr(user) or user_is_superuser(user)
