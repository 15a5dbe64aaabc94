"""Who may do what with the organisation, its people and their learning.

Managers reach people through the org tree only: a person is theirs when the person's
primary unit is at or below a unit they manage (a path prefix), never a sibling or a parent.
"""

from home.permissions import (
    user_is_hr,
    user_is_manager,
    user_is_signed_in,
    user_is_superuser,
)


def user_is_hr_or_admin(user) -> bool:
    return user_is_hr(user) or user_is_superuser(user)


def user_can_import_org(user) -> bool:
    return user_is_hr_or_admin(user)


def user_can_manage_campaigns(user) -> bool:
    return user_is_hr_or_admin(user)


def user_manages_person(user, person) -> bool:
    """True when `person` (a User) has a primary unit in a subtree `user` manages."""
    if not user_is_manager(user) or person is None or person.pk == user.pk:
        return False
    from learning.models import EmployeeProfile

    profile = EmployeeProfile.objects.filter(user=person).select_related("unit").first()
    if profile is None or profile.unit is None:
        return False
    return any(
        profile.unit.path.startswith(prefix)
        for prefix in user.managed_units.values_list("path", flat=True)
    )


def user_can_view_learning_of(user, person) -> bool:
    """Own records, people below a unit one manages, or anyone for HR."""
    if not user_is_signed_in(user):
        return False
    return person.pk == user.pk or user_is_hr_or_admin(user) or user_manages_person(user, person)


def user_can_view_assignment(user, assignment) -> bool:
    return user_can_view_learning_of(user, assignment.user)


def user_can_nudge(user, assignment) -> bool:
    """A manager of the person (or HR) may nudge them about an open, overdue assignment."""
    if not user_is_signed_in(user) or assignment.user_id == user.pk:
        return False
    return user_is_hr_or_admin(user) or user_manages_person(user, assignment.user)


def user_can_submit_story(user) -> bool:
    return user_is_signed_in(user)


def user_can_view_certificate(user, certificate) -> bool:
    """Its holder, the holder's managers (status only) and HR see a certificate's record."""
    if not user_is_signed_in(user) or certificate.user_id is None:
        return False
    return certificate.user_id == user.pk or user_can_view_learning_of(user, certificate.user)


def user_can_download_certificate(user, certificate) -> bool:
    """The PDF and the credential are for the holder, and HR who prints them."""
    if not user_is_signed_in(user):
        return False
    return (
        certificate.user_id is not None and certificate.user_id == user.pk
    ) or user_is_hr_or_admin(user)


def user_can_manage_certificates(user) -> bool:
    """Revoke, reissue and bulk-download: HR."""
    return user_is_hr_or_admin(user)
