"""Who may see what of learners' answers."""

from home.permissions import user_is_hr, user_is_superuser, user_is_trainer


def user_can_view_item_analysis(user) -> bool:
    """Trainers, HR and superusers see how learners answer (counts only, never names)."""
    return user_is_trainer(user) or user_is_hr(user) or user_is_superuser(user)
