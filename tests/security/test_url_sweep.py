"""Authorization sweep: every project URL, for every role, answers as the matrix says; and
every object URL retried with another person's or another unit's ids gives nothing away.

The world (two sibling teams, their learning, certificates, campaigns, an org import and a
bulk download; see `sweep_world.py`) is built once for the module inside a transaction that is
rolled back at the end; each test runs in a savepoint of its own, so a POST changes nothing
for the next one.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import get_resolver, path, re_path, reverse
from django.views.static import serve as static_serve

from home import roles
from home.services import user_create
from tests.security.sweep_idor import SIDED_PROBES
from tests.security.sweep_idor_staff import STAFF_PROBES, WRONG_ID_PROBES
from tests.security.sweep_matrix import MATRIX, ROLES, Expect
from tests.security.sweep_probes import ORIENTATIONS, run_probe, shows
from tests.security.sweep_urls import project_routes, stale, unlisted
from tests.security.sweep_world import build_world

pytestmark = pytest.mark.django_db

ACTORS = {"learner": "sam", "manager": "nina", "trainer": "trainer", "hr": "hr"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(tmp_path_factory.mktemp("sweep"))
        transaction.set_rollback(True)


# --- the matrix covers every URL --------------------------------------------------------------


def _names(routes) -> list[str]:
    return [route.key for route in routes]


def test_every_url_is_in_the_matrix():
    routes = project_routes()
    missing = unlisted(routes, MATRIX)
    assert not missing, "URLs without an entry in tests/security/sweep_matrix.py: " + ", ".join(
        f"{route.key} (/{route.route}, {route.module})" for route in missing
    )
    gone = stale(routes, MATRIX)
    assert not gone, f"matrix entries for URLs that no longer exist: {gone}"


def _view_from(module: str):
    def view(request):
        return HttpResponse(module)

    view.__module__ = module
    return view


def test_a_new_url_without_an_entry_is_reported_by_name():
    project_view = _view_from("learning.views.extra")  # as if a project app had added it
    patterns = [
        *get_resolver().url_patterns,
        path("learn/extra/<int:pk>/", project_view, name="sweep_extra"),
        path("admin/extra-report/", project_view, name="sweep_extra_admin"),
        path("learn/unnamed/", project_view),
        # left out by rule: Wagtail's admin internals and the DEBUG media route
        path("admin/wagtail-screen/", _view_from("wagtail.admin.views.extra"), name="wt"),
        re_path(r"^media/(?P<path>.*)$", static_serve, name="media"),
    ]
    missing = _names(unlisted(project_routes(patterns), MATRIX))
    assert missing == ["sweep_extra", "sweep_extra_admin", "learn/unnamed/"]


def test_wagtail_internals_and_page_serving_are_left_out_and_the_project_admin_kept():
    keys = set(_names(project_routes()))
    # Wagtail's own admin screens, its document and page serving: not ours to sweep
    assert not keys & {"wagtailadmin_home", "wagtailadmin_pages:edit", "wagtaildocs_serve"}
    assert "wagtail_serve" not in keys and not any(
        key.startswith("wagtailsnippets") for key in keys
    )
    # ... but the project's screens registered in the admin are swept
    assert {"item_analysis", "campaigns:edit", "certificates:batch_download"} <= keys
    assert {"courses_module_map", "learning_org_import_apply", "account_login"} <= keys


# --- every URL, every role --------------------------------------------------------------------


def _url(key: str, ids: dict) -> str:
    entry = MATRIX[key]
    if ":" not in key and "/" in key:  # an unnamed pattern: its route is its address
        return "/" + key
    return reverse(key, kwargs=entry.kwargs(ids))


def _target(expect: Expect, ids: dict) -> str:
    if callable(expect.to):
        return expect.to(ids)
    return expect.to if expect.to.startswith("/") else reverse(expect.to)


def _sign_in(client, world, role):
    if role != "anonymous":
        client.force_login(world.user(ACTORS[role]))
    return client


def assert_answer(response, expect: Expect, url: str, ids: dict, world):
    where = f"{response.request['REQUEST_METHOD']} {url}"
    assert response.status_code == expect.status, (
        f"{where}: {response.status_code}, expected {expect.status} {response.get('Location', '')}"
    )
    if expect.to is not None:
        location = urlsplit(response["Location"])
        assert location.path == _target(expect, ids), f"{where} sent to {response['Location']}"
        if expect.next:
            assert parse_qs(location.query).get("next") == [url], f"{where}: {location.query}"
    if response.status_code >= 300 and not getattr(response, "streaming", False):
        body = response.content.decode(errors="replace")
        for mark in world.marks_of("sam"):
            assert not shows(body, mark), f"{where} refused, yet shows {mark!r}"


MATRIX_GETS = [(key, role) for key in MATRIX for role in ROLES]
MATRIX_POSTS = [(key, role) for key, entry in MATRIX.items() if entry.post for role in ROLES]


@pytest.mark.parametrize(("key", "role"), MATRIX_GETS, ids=[f"{k}-{r}" for k, r in MATRIX_GETS])
def test_get(client, world, key, role):
    url = _url(key, world.ids)
    response = _sign_in(client, world, role).get(url)
    assert_answer(response, MATRIX[key].get[role], url, world.ids, world)


@pytest.mark.parametrize(("key", "role"), MATRIX_POSTS, ids=[f"{k}-{r}" for k, r in MATRIX_POSTS])
def test_post(client, world, key, role):
    entry = MATRIX[key]
    url = _url(key, world.ids)
    response = _sign_in(client, world, role).post(url, entry.data)
    assert_answer(response, entry.post[role], url, world.ids, world)


ADMIN_KEYS = [route.key for route in project_routes() if route.route.startswith("admin/")]


@pytest.mark.parametrize("key", ADMIN_KEYS)
def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, world, key):
    """HR and trainer roles together, no TOTP yet: no project admin screen answers them."""
    staff = user_create(
        email="new.staff@sweep.example",
        password="unused-password-123",
        first_name="New",
        last_name="Staff",
        role_names=(roles.HR, roles.TRAINERS),
    )
    client.force_login(staff)
    url = _url(key, world.ids)
    for response in (client.get(url), client.post(url, MATRIX[key].data)):
        assert response.status_code == 302, f"{key}: {response.status_code}"
        assert urlsplit(response["Location"]).path == reverse("mfa_activate_totp"), key


# --- IDOR: another person's, another unit's, or the wrong kind of ids --------------------------


@pytest.mark.parametrize(
    ("mine", "theirs", "probe"),
    [(mine, theirs, probe) for mine, theirs in ORIENTATIONS for probe in SIDED_PROBES],
    ids=[
        f"{mine}-to-{theirs}:{probe.name}"
        for mine, theirs in ORIENTATIONS
        for probe in SIDED_PROBES
    ],
)
def test_other_persons_and_other_units_ids(client, world, mine, theirs, probe):
    run_probe(client, world, probe, mine=mine, theirs=theirs)


@pytest.mark.parametrize("probe", STAFF_PROBES, ids=[probe.name for probe in STAFF_PROBES])
def test_staff_screens_with_ids_outside_the_role(client, world, probe):
    run_probe(client, world, probe)


@pytest.mark.parametrize("probe", WRONG_ID_PROBES, ids=[probe.name for probe in WRONG_ID_PROBES])
def test_missing_or_wrong_kind_of_ids_are_not_found(client, world, probe):
    run_probe(client, world, probe)
