import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from home import permissions as p
from home import roles

pytestmark = pytest.mark.django_db


def nav_keys(client):
    response = client.get("/")
    return [item.key for item in response.context["main_navigation"]]


def test_anonymous_visitor_sees_only_sign_in(client):
    html = client.get("/").content.decode()
    assert nav_keys(client) == []
    assert 'href="/accounts/login/"' in html
    assert "Sign out" not in html


def test_learner_navigation_has_account_but_no_admin(client, learner):
    client.force_login(learner)
    keys = nav_keys(client)
    assert "account" in keys
    assert "admin" not in keys
    assert "Sign out" in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["trainer", "hr", "superuser"])
def test_staff_navigation_includes_admin(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert "admin" in nav_keys(client)


def test_manager_navigation_has_no_admin(client, manager):
    client.force_login(manager)
    assert "admin" not in nav_keys(client)


# role x predicate matrix: the denials matter as much as the grants
MATRIX = {
    "user_is_manager": {"learner": False, "manager": True, "trainer": False, "hr": False},
    "user_is_trainer": {"learner": False, "manager": False, "trainer": True, "hr": False},
    "user_is_hr": {"learner": False, "manager": False, "trainer": False, "hr": True},
    "user_is_staff_role": {"learner": False, "manager": False, "trainer": True, "hr": True},
    "user_can_access_admin": {"learner": False, "manager": False, "trainer": True, "hr": True},
    "user_can_view_team": {"learner": False, "manager": True, "trainer": False, "hr": True},
}


@pytest.mark.parametrize("predicate", MATRIX)
@pytest.mark.parametrize("role", ["learner", "manager", "trainer", "hr"])
def test_role_predicates(request, predicate, role):
    user = request.getfixturevalue(role)
    assert getattr(p, predicate)(user) is MATRIX[predicate][role]


@pytest.mark.parametrize("predicate", MATRIX)
def test_anonymous_and_inactive_people_have_no_role(predicate, learner, hr):
    from django.contrib.auth.models import AnonymousUser

    assert getattr(p, predicate)(AnonymousUser()) is False
    hr.is_active = False
    assert getattr(p, predicate)(hr) is False


def test_role_groups_exist_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ALL_ROLES) <= names

    trainers = Group.objects.get(name=roles.TRAINERS)
    hr = Group.objects.get(name=roles.HR)
    learners = Group.objects.get(name=roles.LEARNERS)

    def codes(group):
        return {f"{x.content_type.app_label}.{x.codename}" for x in group.permissions.all()}

    assert "wagtailadmin.access_admin" in codes(trainers)
    assert {"home.add_user", "home.change_user"} <= codes(hr)
    assert "home.add_user" not in codes(trainers)
    assert codes(learners) == set()
    page_perms = set(
        GroupPagePermission.objects.filter(group=trainers).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= page_perms
    assert not GroupPagePermission.objects.filter(group=hr).exists()
    assert GroupCollectionPermission.objects.filter(
        group=trainers, permission__codename="add_image"
    ).exists()


def test_syncing_roles_twice_changes_nothing():
    from home.services import roles_sync_permissions

    before = GroupPagePermission.objects.count(), GroupCollectionPermission.objects.count()
    roles_sync_permissions()
    roles_sync_permissions()
    after = GroupPagePermission.objects.count(), GroupCollectionPermission.objects.count()
    assert before == after


def test_hr_with_mfa_can_manage_people_in_the_admin(client, hr, with_mfa):
    with_mfa(hr)
    client.force_login(hr)
    assert client.get("/admin/users/").status_code == 200
    assert client.get("/admin/users/new/").status_code == 200


def test_trainer_cannot_manage_people(client, trainer, with_mfa):
    with_mfa(trainer)
    client.force_login(trainer)
    assert client.get("/admin/users/").status_code in (302, 403)


def test_a_role_naming_an_unknown_permission_fails_loudly(monkeypatch):
    from home.services import roles_sync_permissions

    monkeypatch.setitem(roles.MODEL_PERMISSIONS, roles.HR, ["home.fly_to_the_moon"])
    with pytest.raises(LookupError, match=r"home\.fly_to_the_moon"):
        roles_sync_permissions()
