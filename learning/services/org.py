"""Operations on the organisation: planning and applying an HR import, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from home import roles
from home.backends import user_cache_key
from home.models import User
from home.permissions import role_cache_key
from learning import dashboard_cache
from learning.models import (
    UNIT_PATH_SEPARATOR,
    Campaign,
    EmployeeProfile,
    OrgImport,
    OrgUnit,
)
from learning.org_file import OrgFileError, OrgRow, Problem, read_org_file

PROFILE_FIELDS = ("job_title", "is_manager")
USER_FIELDS = ("email", "first_name", "last_name")


@dataclass
class ImportPlan:
    """What applying a file would change. Built against the database as it is now."""

    rows: list[OrgRow]
    new: list[OrgRow] = field(default_factory=list)
    changed: list[tuple[OrgRow, dict[str, tuple[str, str]]]] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[EmployeeProfile] = field(default_factory=list)
    units_to_create: list[str] = field(default_factory=list)
    # accounts made by hand that new rows will adopt (same email, no HR profile yet)
    accounts: dict[str, User] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "rows": len(self.rows),
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "deactivated": len(self.leavers),
            "units_created": len(self.units_to_create),
        }


def org_import_plan(rows: list[OrgRow]) -> ImportPlan:
    """Compare the file with the database: who is new, who changed, who left, which units."""
    plan = ImportPlan(rows=rows)
    profiles = {
        p.employee_id: p for p in EmployeeProfile.objects.select_related("user", "unit").all()
    }
    users_by_email = {u.email.lower(): u for u in _users_by_email([r.email for r in rows])}
    units = dict(OrgUnit.objects.values_list("full_name", "pk"))
    roots = list(OrgUnit.get_root_nodes().values_list("full_name", flat=True))
    file_root = rows[0].unit_names[0] if rows else None
    if roots and file_root and file_root not in roots:
        plan.problems.append(
            Problem(0, f'the organisation starts at "{roots[0]}"; this file at "{file_root}"')
        )

    needed = set()
    for row in rows:
        names = row.unit_names
        needed.update(UNIT_PATH_SEPARATOR.join(names[: i + 1]) for i in range(len(names)))
    plan.units_to_create = sorted(
        (path for path in needed if path not in units),
        key=lambda p: (p.count(UNIT_PATH_SEPARATOR), p),
    )

    in_file = set()
    for row in rows:
        in_file.add(row.employee_id)
        profile = profiles.get(row.employee_id)
        owner = users_by_email.get(row.email)
        if (
            owner is not None
            and hasattr(owner, "profile")
            and owner.profile.employee_id != (row.employee_id)
        ):
            plan.problems.append(
                Problem(
                    row.line,
                    f"{row.email} belongs to employee {owner.profile.employee_id}",
                    "email",
                )
            )
            continue
        if profile is None:
            plan.new.append(row)
            if owner is not None:
                plan.accounts[row.email] = owner
            continue
        if owner is not None and owner.pk != profile.user_id:
            plan.problems.append(
                Problem(row.line, f"{row.email} belongs to another account", "email")
            )
            continue
        changes = {}
        for name in USER_FIELDS:
            before = getattr(profile.user, name)
            after = getattr(row, name)
            if before != after:
                changes[name] = (before, after)
        if profile.job_title != row.job_title:
            changes["job_title"] = (profile.job_title, row.job_title)
        if profile.is_manager != row.manager:
            changes["manager"] = (_yes(profile.is_manager), _yes(row.manager))
        unit_before = profile.unit.full_name if profile.unit else ""
        if unit_before != row.unit_path:
            changes["unit_path"] = (unit_before, row.unit_path)
        if not profile.active:
            changes["active"] = ("no", "yes")
        if changes:
            plan.changed.append((row, changes))
        else:
            plan.unchanged += 1
    plan.leavers = [p for key, p in profiles.items() if p.active and key not in in_file]
    return plan


def _users_by_email(emails: list[str]):
    """Accounts with these (lower-case) addresses, whatever case they were stored in."""
    found = []
    for start in range(0, len(emails), 500):  # bounded IN lists
        chunk = emails[start : start + 500]
        found += (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .select_related("profile")
        )
    return found


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@transaction.atomic
def org_import_apply(plan: ImportPlan, *, invite: bool = True) -> list[int]:
    """Apply a checked plan: units, people, leavers, managers and roles. Returns new user ids.

    New people get an invitation to set their password once the transaction commits (unless
    `invite` is False: the demo company, whose people nobody will email).
    """
    if plan.problems:
        raise OrgFileError(plan.problems)
    dashboard_cache.changed()  # bulk writes below bypass model signals
    now = timezone.now()
    units = _create_units(plan.units_to_create)

    # people new to the platform, or accounts (made by hand) that get their HR profile now
    existing = plan.accounts
    created = []
    for row in plan.new:
        if row.email in existing:
            user = existing[row.email]
            user.first_name, user.last_name, user.is_active = row.first_name, row.last_name, True
        else:
            user = User(email=row.email, first_name=row.first_name, last_name=row.last_name)
            user.set_unusable_password()
            created.append(user)
    User.objects.bulk_create(created, batch_size=1000)
    User.objects.bulk_update(
        list(existing.values()), ["first_name", "last_name", "is_active"], batch_size=1000
    )
    users = {u.email: u for u in created} | existing
    EmployeeProfile.objects.bulk_create(
        [
            EmployeeProfile(
                user=users[row.email],
                employee_id=row.employee_id,
                job_title=row.job_title,
                unit_id=units[row.unit_path],
                is_manager=row.manager,
            )
            for row in plan.new
        ],
        batch_size=1000,
    )

    # changes to people already known
    changed_profiles = []
    changed_users = []
    profiles = EmployeeProfile.objects.select_related("user").in_bulk(
        [row.employee_id for row, _ in plan.changed], field_name="employee_id"
    )
    for row, _ in plan.changed:
        profile = profiles[row.employee_id]
        profile.job_title, profile.is_manager = row.job_title, row.manager
        profile.unit_id = units[row.unit_path]
        profile.active, profile.left_at, profile.updated_at = True, None, now
        profile.user.email = row.email
        profile.user.first_name, profile.user.last_name = row.first_name, row.last_name
        profile.user.is_active = True
        changed_profiles.append(profile)
        changed_users.append(profile.user)
    EmployeeProfile.objects.bulk_update(
        changed_profiles,
        ["job_title", "is_manager", "unit", "active", "left_at", "updated_at"],
        batch_size=1000,
    )
    User.objects.bulk_update(
        changed_users, ["email", "first_name", "last_name", "is_active"], batch_size=1000
    )

    # leavers keep their history; they can no longer sign in
    leaver_ids = [p.pk for p in plan.leavers]
    EmployeeProfile.objects.filter(pk__in=leaver_ids).update(
        active=False, left_at=now, is_manager=False, updated_at=now
    )
    User.objects.filter(profile__pk__in=leaver_ids).update(is_active=False)

    touched = [u.pk for u in users.values()] + [u.pk for u in changed_users]
    touched += [p.user_id for p in plan.leavers]
    _sync_managers_and_roles()
    cache.delete_many([key(pk) for pk in touched for key in (role_cache_key, user_cache_key)])

    new_ids = [u.pk for u in created]
    if new_ids and invite:
        from learning.tasks import send_invitations

        transaction.on_commit(lambda: _enqueue_invitations(send_invitations, new_ids))
    if Campaign.objects.filter(active=True).exists():
        # people who joined (or moved into) a campaign's subtree are assigned; leavers released
        from learning.tasks import sync_campaigns

        day = timezone.localdate().isoformat()
        transaction.on_commit(lambda: sync_campaigns.enqueue(day))
    return new_ids


def _enqueue_invitations(task, user_ids: list[int], chunk: int = 500) -> None:
    for start in range(0, len(user_ids), chunk):
        task.enqueue(user_ids[start : start + chunk])


def _create_units(paths: list[str]) -> dict[str, int]:
    """Create the missing units, parents first; return every unit's id by its path."""
    by_path = {}  # the units created here, and the existing parents they hang from
    for path in paths:  # sorted by depth, then name: each is added after its parent
        parent_path, _, name = path.rpartition(UNIT_PATH_SEPARATOR)
        if not parent_path:
            by_path[path] = OrgUnit.add_root(name=name, full_name=path)
            continue
        if parent_path not in by_path:
            by_path[parent_path] = OrgUnit.objects.get(full_name=parent_path)
        by_path[path] = by_path[parent_path].add_child(name=name, full_name=path)
    return dict(OrgUnit.objects.values_list("full_name", "pk"))


def _sync_managers_and_roles() -> None:
    """Unit managers and the Managers and Learners groups follow the active profiles."""
    active = EmployeeProfile.objects.filter(active=True)
    wanted = set(active.filter(is_manager=True).values_list("unit_id", "user_id"))
    through = OrgUnit.managers.through
    have = {
        (unit_id, user_id): pk
        for pk, unit_id, user_id in through.objects.values_list("pk", "orgunit_id", "user_id")
    }
    through.objects.filter(pk__in=[pk for key, pk in have.items() if key not in wanted]).delete()
    through.objects.bulk_create(
        [through(orgunit_id=u, user_id=p) for u, p in wanted - have.keys()], batch_size=1000
    )
    profile_users = set(EmployeeProfile.objects.values_list("user_id", flat=True))
    _sync_group(roles.MANAGERS, {user_id for _, user_id in wanted}, removable=profile_users)
    _sync_group(roles.LEARNERS, set(active.values_list("user_id", flat=True)))


def _sync_group(name: str, members: set[int], removable: set[int] = frozenset()) -> None:
    """Add `members` to the role group; drop the `removable` people who are not members."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        return
    memberships = User.groups.through
    current = set(memberships.objects.filter(group=group).values_list("user_id", flat=True))
    memberships.objects.filter(group=group, user_id__in=(current & removable) - members).delete()
    memberships.objects.bulk_create(
        [memberships(group=group, user_id=pk) for pk in members - current], batch_size=1000
    )


def org_import_upload(*, content: bytes, filename: str, uploaded_by=None) -> OrgImport:
    """Check an uploaded file and record it with its planned changes (or its problems)."""
    record = OrgImport(filename=filename[:255], content=content, uploaded_by=uploaded_by)
    try:
        plan = org_import_plan(read_org_file(content, filename))
        problems = plan.problems
    except OrgFileError as exc:
        plan, problems = None, exc.problems
    if problems:
        record.status = OrgImport.Status.REJECTED
        record.problems = [str(p) for p in problems]
    else:
        record.summary = plan.summary()
    record.save()
    return record


@transaction.atomic
def org_import_confirm(record: OrgImport) -> OrgImport:
    """Apply a previewed upload, checked again against the database as it is now."""
    record = OrgImport.objects.select_for_update().get(pk=record.pk)
    if record.status != OrgImport.Status.PREVIEWED:
        raise ValueError("only a previewed import can be applied")
    plan = org_import_plan(read_org_file(bytes(record.content), record.filename))
    org_import_apply(plan)  # raises OrgFileError if the database changed under the preview
    record.status = OrgImport.Status.APPLIED
    record.summary = plan.summary()
    record.applied_at = timezone.now()
    record.save(update_fields=["status", "summary", "applied_at"])
    return record
