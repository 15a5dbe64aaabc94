"""Who may do what with course content (page-level rights come from Wagtail's tree)."""

from home.permissions import user_is_superuser, user_is_trainer


def user_can_import_modules(user) -> bool:
    return user_is_trainer(user) or user_is_superuser(user)
