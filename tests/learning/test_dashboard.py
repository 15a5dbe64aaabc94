"""The team dashboard: figures checked by hand on a small org, the heatmap, exports, scope."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from assessments.models import ModuleProgress, Reflection, ScenarioAttempt
from home import roles
from learning import dashboard_cache
from learning.models import Assignment, Campaign, DashboardVersion, EmployeeProfile
from learning.selectors.dashboard import dashboard_figures, dashboard_scope, heatmap
from tests.certificates import certify
from tests.learning.test_notices import Org
from tests.modules import make_module

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)  # a Tuesday: this week started on Monday 9 March
TEAM_URL = reverse("learning:team_dashboard")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=UTC), tick=False):
        yield


def at(day: date, hour=10):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def progress(user, module, status, *, score=None, completed_on=None):
    return ModuleProgress.objects.create(
        user=user,
        module=module,
        status=status,
        quiz_best_score=score,
        completed_at=at(completed_on) if completed_on else None,
    )


def attempt(user, module, *, e, ed, em, steps, finished=True):
    return ScenarioAttempt.objects.create(
        user=user,
        module=module,
        revision_id=module.live_revision_id,
        status="finished" if finished else "in_progress",
        current_scene_key="kept",
        step=steps,
        engagement=e,
        education=ed,
        empowerment=em,
        outcome="good" if finished else "",
    )


class World:
    """Sales (Marcus) has Nina (North lead), Sol (South lead), Sam (North) and Jo (South)."""

    def __init__(self, make_user):
        org = self.org = Org(make_user)
        self.m1 = make_module(course=org.course)
        self.m2 = make_module(course=org.course, slug="second-car", title="The second car")
        done = ModuleProgress.Status.COMPLETED
        progress(org.sam, self.m1, done, score=80, completed_on=TODAY - timedelta(days=1))
        progress(org.sam, self.m2, ModuleProgress.Status.IN_PROGRESS, score=60)
        progress(org.jo, self.m1, done, score=100, completed_on=date(2026, 3, 3))
        self.sam_late = org.assign(org.sam, TODAY - timedelta(days=2))
        org.assign(org.jo, TODAY - timedelta(days=20), completed_at=at(date(2026, 3, 3)))
        org.assign(org.north_lead, TODAY + timedelta(days=5))
        certify(org.jo, org.course, issued=date(2025, 4, 1), expires=TODAY + timedelta(days=20))
        certify(org.sam, org.course, issued=date(2024, 1, 1), expires=TODAY - timedelta(days=3))
        certify(org.north_lead, org.course, issued=date(2026, 1, 1), expires=date(2026, 12, 1))
        certify(org.south_lead, org.course, issued=date(2026, 1, 1), revoked=True)
        attempt(org.sam, self.m1, e=3, ed=1, em=2, steps=2)
        attempt(org.jo, self.m1, e=-1, ed=1, em=0, steps=2)
        attempt(org.north_lead, self.m1, e=9, ed=9, em=9, steps=1, finished=False)  # unfinished
        attempt(org.care_head, self.m1, e=4, ed=0, em=-1, steps=1)  # outside Sales


@pytest.fixture
def world(make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as if committed
        return World(make_user)


def get(client, user, url=TEAM_URL, **params):
    client.force_login(user)
    return client.get(url, params)


# --- figures ---------------------------------------------------------------------------------


def test_the_head_of_sales_figures_are_right(world):
    org = world.org
    scope = dashboard_scope(org.sales_head)
    figures = dashboard_figures(scope, today=TODAY)
    h = figures.headline
    assert h.people == 4  # Nina, Sol, Sam, Jo; never Marcus himself
    assert (h.assigned, h.completed, h.overdue, h.overdue_people) == (3, 1, 1, 1)
    assert round(h.completion_percent, 1) == 33.3
    assert h.average_score == 80  # (80 + 60 + 100) / 3
    # Jo's (expiring in 20 days) and Nina's; Sam's has expired, Sol's was revoked
    assert (h.certificates_valid, h.certificates_expiring) == (2, 1)
    m1, m2 = figures.modules
    assert (m1.completed, m1.in_progress, m1.percent_of(h.people)) == (2, 0, 50)
    assert (m2.completed, m2.in_progress, m2.average_score) == (0, 1, 60)
    weeks = {week.week_start: (week.completed, week.cumulative) for week in figures.weeks}
    assert len(figures.weeks) == 12 and figures.weeks[-1].week_start == date(2026, 3, 9)
    assert weeks[date(2026, 3, 2)] == (1, 1) and weeks[date(2026, 3, 9)] == (1, 2)
    assert weeks[date(2026, 2, 23)] == (0, 0)
    # finished play-throughs only, per choice: (3 - 1) / 4 choices, 2 / 4, 2 / 4
    team = figures.team_three_e
    assert (team.engagement, team.education, team.empowerment, team.choices) == (
        0.5,
        0.5,
        0.5,
        4,
    )
    company = figures.company_three_e  # Cara in Care too
    assert company.choices == 5 and company.engagement == pytest.approx(6 / 5)


def test_a_renewed_certificate_counts_once(world):
    org = world.org
    certify(org.jo, org.course, issued=TODAY, expires=date(2027, 3, 10))
    h = dashboard_figures(dashboard_scope(org.sales_head), today=TODAY).headline
    assert (h.certificates_valid, h.certificates_expiring) == (2, 0)  # Jo's old one is replaced


def test_the_page_shows_the_figures_charts_and_their_data_tables(client, world):
    html = get(client, world.org.sales_head).content.decode()
    assert "Your team&#x27;s learning" in html or "Your team's learning" in html
    assert "33%" in html and "1 of 3 courses" in html
    assert "80%" in html and "average knowledge-check score" in html
    assert "expiring in the next 30 days" in html
    for title in ("Completion per module", "Completion over time", "The three-E profile"):
        assert title in html
    assert html.count('role="img"') == 3 and html.count('<details class="chart__data') == 3
    assert "50 % (2 of 4)" in html  # the module bar's value in its data table
    assert "+0.50" in html and "+1.20" in html  # three-E: team against the company


# --- the heatmap -------------------------------------------------------------------------------


def names(grid):
    return [row.name for row in grid.rows]


def test_heatmap_rows_cells_sorting_and_status_filters(world):
    scope = dashboard_scope(world.org.sales_head)
    grid = heatmap(scope, today=TODAY)
    assert names(grid) == ["Jo Test", "Nina Test", "Sam Test", "Sol Test"]
    sam = grid.rows[2]
    assert [(c.status, c.score) for c in sam.cells] == [("completed", 80), ("in_progress", 60)]
    assert sam.completed == 1 and sam.average_score == 70 and sam.overdue == 1
    assert sam.nudge_assignment_id == world.sam_late.pk
    assert names(heatmap(scope, today=TODAY, sort="-name"))[0] == "Sol Test"
    assert names(heatmap(scope, today=TODAY, sort="-completion"))[:2] == ["Jo Test", "Sam Test"]
    assert names(heatmap(scope, today=TODAY, sort="score")) == [
        "Nina Test",
        "Sol Test",
        "Sam Test",
        "Jo Test",
    ]
    assert names(heatmap(scope, today=TODAY, sort="-score"))[:2] == ["Jo Test", "Sam Test"]
    assert names(heatmap(scope, today=TODAY, status="overdue")) == ["Sam Test"]
    assert names(heatmap(scope, today=TODAY, status="not_started")) == ["Nina Test", "Sol Test"]
    assert names(heatmap(scope, today=TODAY, status="in_progress")) == ["Jo Test", "Sam Test"]
    assert names(heatmap(scope, today=TODAY, status="completed")) == []


def test_the_heatmap_pages_and_keeps_the_filters_in_its_links(client, world):
    org = world.org
    for i in range(30):
        org.person(org.north, f"Zed{i:02d}")
    response = get(client, org.sales_head, status="", sort="-name", page=2)
    html = response.content.decode()
    assert "People 26–34 of 34" in html and "Page 2 of 2" in html
    assert 'href="?sort=-name&amp;page=1"' in html
    assert response.context["heatmap"].rows[-1].name == "Jo Test"


def test_the_heatmap_table_is_accessible(client, world):
    html = get(client, world.org.sales_head).content.decode()
    assert '<caption id="heatmap-caption">' in html
    assert 'aria-sort="ascending"' in html  # sorted by name
    assert "Completed, score 80%" in html  # a cell's status in words, not only in colour
    assert f'action="{reverse("learning:nudge", args=[world.sam_late.pk])}"' in html


def test_bad_filters_are_named_and_left_out(client, world):
    response = get(client, world.org.sales_head, status="nonsense", sort="hack", unit="x")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be used" in html and "Status:" in html
    assert response.context["filters"] == {
        "unit": None,
        "campaign": None,
        "status": "",
        "sort": "name",
    }


# --- scope and authorization ---------------------------------------------------------------------


def test_a_team_leader_sees_only_her_subtree(client, world):
    org = world.org
    response = get(client, org.north_lead)
    assert names(response.context["heatmap"]) == ["Sam Test"]
    assert response.context["figures"].headline.people == 1


def test_a_unit_filter_narrows_to_its_subtree(client, world):
    org = world.org
    response = get(client, org.sales_head, unit=org.north.pk)
    assert names(response.context["heatmap"]) == ["Nina Test", "Sam Test"]
    assert "Northwind/Sales/North and the units below it" in response.content.decode()


@pytest.mark.parametrize(
    "url_name,args",
    [("learning:team_dashboard", ()), ("learning:team_export", ("people", "csv"))],
)
def test_a_sibling_manager_gets_404_for_other_units(client, world, url_name, args):
    org = world.org
    url = reverse(url_name, args=args)
    assert get(client, org.care_head, url, unit=org.north.pk).status_code == 404
    assert get(client, org.south_lead, url, unit=org.north.pk).status_code == 404
    assert get(client, org.north_lead, url, unit=org.sales.pk).status_code == 404  # a parent
    assert get(client, org.north_lead, url, unit=999999).status_code == 404


def test_a_campaign_of_another_branch_is_404(client, world):
    org = world.org
    sales_campaign = Campaign.objects.create(name="Sales first", course=org.course, unit=org.sales)
    assert get(client, org.care_head, campaign=sales_campaign.pk).status_code == 404
    response = get(client, org.north_lead, campaign=sales_campaign.pk)  # above her: concerns her
    assert response.status_code == 200


def test_a_campaign_filter_counts_its_assignments_only(client, world):
    org = world.org
    campaign = org.campaign()
    Assignment.objects.filter(pk=world.sam_late.pk).update(campaign=campaign)
    response = get(client, org.sales_head, campaign=campaign.pk)
    h = response.context["figures"].headline
    assert (h.people, h.assigned, h.overdue) == (1, 1, 1)  # Sam is the only one in it
    assert names(response.context["heatmap"]) == ["Sam Test"]


@pytest.mark.parametrize("role", [roles.LEARNERS, roles.TRAINERS])
def test_learners_and_trainers_are_refused(client, world, make_user, role):
    user = make_user(role)
    assert get(client, user).status_code == 403
    assert (
        get(client, user, reverse("learning:team_export", args=["people", "csv"])).status_code
        == 403
    )


def test_hr_sees_the_whole_company(client, world, make_user):
    response = get(client, make_user(roles.HR))
    assert response.context["figures"].headline.people == 7


# --- exports ---------------------------------------------------------------------------------


def export(client, user, table, fmt, **params):
    response = get(client, user, reverse("learning:team_export", args=[table, fmt]), **params)
    assert response.status_code == 200
    return response


def test_the_people_export_has_the_scope_filters_and_order_of_the_page(client, world):
    org = world.org
    response = export(client, org.sales_head, "people", "csv", sort="-score")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Person", "Email", "Job title", "Unit"]
    assert rows[0][4:6] == ["The returned car", "The second car"]
    assert [row[0] for row in rows[1:]] == ["Jo Test", "Sam Test", "Nina Test", "Sol Test"]
    sam = rows[2]
    assert sam[3] == "Northwind/Sales/North"
    assert sam[4:] == ["Completed (80 %)", "In progress (60 %)", "1", "70.0", "1"]
    narrowed = export(client, org.north_lead, "people", "csv")
    text = b"".join(narrowed.streaming_content).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(text))][1:] == ["Sam Test"]


def test_exported_names_cannot_become_formulas(client, world, make_user):
    org = world.org
    user = make_user(
        email="formula@northwind.example", first_name="=HYPERLINK(1)", last_name="Test"
    )
    EmployeeProfile.objects.create(user=user, employee_id="E-formula", unit=org.north)
    response = export(client, org.sales_head, "people", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1) Test" in names


def test_module_and_week_exports(client, world):
    org = world.org
    response = export(client, org.sales_head, "modules", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == (org.course.title, "The returned car", 4, 2, 0, 50, 90)
    assert rows[2] == (org.course.title, "The second car", 4, 0, 1, 0, 60)
    response = export(client, org.sales_head, "weeks", "csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[-1] == ["2026-03-09", "1", "2", "25.0"]  # 2 of 4 people x 2 modules


def test_unknown_tables_and_formats_are_404(client, world):
    org = world.org
    for table, fmt in (("secrets", "csv"), ("people", "pdf")):
        url = reverse("learning:team_export", args=[table, fmt])
        assert get(client, org.sales_head, url).status_code == 404


# --- cost and caching ----------------------------------------------------------------------------


def populate(org, module, n, start=0):
    units = [org.north, org.south]
    for i in range(start, start + n):
        person = org.person(units[i % 2], f"P{i:03d}")
        org.assign(person, TODAY + timedelta(days=(i % 5) - 2))
        ModuleProgress.objects.create(
            user=person,
            module=module,
            status="completed" if i % 3 else "in_progress",
            quiz_best_score=50 + i % 50,
            completed_at=at(TODAY - timedelta(days=i % 40)) if i % 3 else None,
        )
        Reflection.objects.create(
            user=person, module=module, text=f"Note {i}", shared_with_manager=bool(i % 2)
        )


@pytest.mark.parametrize("params", [{}, {"sort": "-completion", "status": "in_progress"}])
def test_the_dashboard_reads_in_constant_queries(
    client, world, django_assert_max_num_queries, params
):
    org = world.org
    client.force_login(org.sales_head)
    client.get(TEAM_URL)  # warm the session, roles and branding caches
    populate(org, world.m1, 3)
    cache.clear()  # measure the uncached path
    with django_assert_max_num_queries(23) as small:
        assert client.get(TEAM_URL, params).status_code == 200
    populate(org, world.m1, 297, start=3)
    cache.clear()
    with django_assert_max_num_queries(23) as large:
        assert client.get(TEAM_URL, params).status_code == 200
    for q in small.captured_queries:
        print(q["sql"][:300])
    assert len(small.captured_queries) == len(large.captured_queries)


def test_cached_figures_cost_two_queries_and_follow_every_change(
    client, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    org = world.org
    before = dashboard_cache.version()
    assert before >= 1  # the setup's changes moved it on when they committed
    scope = dashboard_scope(org.sales_head)
    first = dashboard_figures(scope, today=TODAY)
    with django_assert_max_num_queries(1):  # the version; the figures come from the cache
        again = dashboard_figures(scope, today=TODAY)
    assert again.headline == first.headline
    with django_capture_on_commit_callbacks(execute=True):
        org.assign(org.south_lead, TODAY - timedelta(days=1))
    assert DashboardVersion.objects.get().counter == before + 1
    after = dashboard_figures(scope, today=TODAY).headline
    assert (after.assigned, after.overdue) == (4, 2)


def test_one_transaction_moves_the_version_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dashboard_cache.changed()
        dashboard_cache.changed()
    assert len(callbacks) == 1
    assert dashboard_cache.version() == 1


def test_a_manager_of_no_unit_sees_nobody_anywhere(client, world, make_user):
    nobody = make_user(roles.LEARNERS, roles.MANAGERS)
    response = get(client, nobody)
    assert response.context["figures"].headline.people == 0
    assert response.context["heatmap"].rows == []
    text = b"".join(
        get(
            client, nobody, reverse("learning:team_export", args=["people", "csv"])
        ).streaming_content
    ).decode("utf-8-sig")
    assert text.strip().count("\n") == 0  # the header only


def test_bulk_writes_of_a_campaign_move_the_version_on(world, django_capture_on_commit_callbacks):
    from learning.models import Wave
    from learning.services.rollout import campaign_sync

    org = world.org
    with django_capture_on_commit_callbacks(execute=True):  # HR saved it: committed
        campaign = org.campaign()
        Wave.objects.create(
            campaign=campaign, name="All", band="everyone", opens_on=TODAY, due_on=TODAY
        )
    before = dashboard_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_sync(campaign=campaign, today=TODAY)
    assert dashboard_cache.version() == before + 1
    people = dashboard_figures(dashboard_scope(org.sales_head), today=TODAY).headline
    assert people.assigned > 3  # the campaign's new assignments are counted at once


# --- drill-down to a person ------------------------------------------------------------------


def test_the_drill_down_shows_the_path_scores_and_only_shared_reflections(client, world):
    from assessments.models import ChoiceRecord

    org = world.org
    played = ScenarioAttempt.objects.get(user=org.sam, module=world.m1)
    for step, (scene, label, nxt) in enumerate(
        [
            ("call", "Check the record and apologise", "check"),
            ("check", "Tick it and cancel the bill", "kept"),
        ]
    ):
        ChoiceRecord.objects.create(
            attempt=played,
            step=step,
            scene_key=scene,
            choice_index=0,
            choice_label=label,
            next_scene_key=nxt,
        )
    Reflection.objects.create(
        user=org.sam, module=world.m1, text="Own the record.", shared_with_manager=True
    )
    Reflection.objects.create(user=org.sam, module=world.m2, text="A private thought.")
    html = get(client, org.north_lead, reverse("learning:person", args=[org.sam.pk]))
    html = html.content.decode()
    assert "The phone rings</span>: Check the record and apologise" in html
    assert "The open check box</span>: Tick it and cancel the bill" in html
    assert "best ending: Good" not in html  # the progress row has no best outcome yet
    assert "Knowledge check: best 80% in" in html
    assert "Engagement 3, education 1, empowerment 2" in html
    assert "Own the record." in html and "A private thought." not in html
    # and a sibling team's lead may not look
    response = get(client, org.south_lead, reverse("learning:person", args=[org.sam.pk]))
    assert response.status_code == 404


def test_the_drill_down_reads_in_constant_queries(client, world, django_assert_max_num_queries):
    org = world.org
    client.force_login(org.north_lead)
    url = reverse("learning:person", args=[org.sam.pk])
    client.get(url)  # warm the caches (scenario revisions, roles)
    with django_assert_max_num_queries(40) as first:
        client.get(url)
    for _ in range(30):
        attempt(org.sam, world.m1, e=1, ed=1, em=1, steps=1)
    with django_assert_max_num_queries(40) as more:
        client.get(url)
    assert len(first.captured_queries) == len(more.captured_queries)


def test_the_three_e_export(client, world):
    response = export(client, world.org.sales_head, "three-e", "csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Who", "Engagement", "Education", "Empowerment", "Choices"]
    assert rows[1] == ["In view", "0.5", "0.5", "0.5", "4"]
    assert rows[2][0] == "Whole company" and rows[2][4] == "5"
