"""Operations that change users and roles; each is one transaction."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from home import roles
from home.models import User


def _permission_index(using: str) -> dict[str, Permission]:
    perms = Permission.objects.using(using).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}": p for p in perms}


def _permissions(index: dict[str, Permission], codes: list[str]) -> list[Permission]:
    missing = sorted(code for code in codes if code not in index)
    if missing:
        raise LookupError(f"Role permissions name unknown permissions: {', '.join(missing)}")
    return [index[code] for code in codes]


@transaction.atomic
def roles_sync_permissions(*, using: str = "default") -> None:
    """Create the role groups and give each exactly the permissions `home.roles` declares."""
    root_page = Page.objects.using(using).filter(depth=1).first()
    root_collection = Collection.objects.using(using).filter(depth=1).first()
    index = _permission_index(using)
    for name in roles.ALL_ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(_permissions(index, roles.MODEL_PERMISSIONS.get(name, [])))

        if root_page is not None:
            codenames = roles.PAGE_PERMISSIONS.get(name, [])
            GroupPagePermission.objects.using(using).filter(group=group).exclude(
                page=root_page, permission__codename__in=codenames
            ).delete()
            for perm in _permissions(index, [f"wagtailcore.{c}" for c in codenames]):
                GroupPagePermission.objects.using(using).get_or_create(
                    group=group, page=root_page, permission=perm
                )

        if root_collection is not None:
            perms = _permissions(index, roles.COLLECTION_PERMISSIONS.get(name, []))
            GroupCollectionPermission.objects.using(using).filter(group=group).exclude(
                collection=root_collection, permission__in=perms
            ).delete()
            for perm in perms:
                GroupCollectionPermission.objects.using(using).get_or_create(
                    group=group, collection=root_collection, permission=perm
                )


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    role_names: tuple[str, ...] = (roles.LEARNERS,),
    is_superuser: bool = False,
) -> User:
    """Create an active account in the given role groups."""
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.set(Group.objects.filter(name__in=role_names))
    return user
