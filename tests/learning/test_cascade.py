"""The leadership cascade: per campaign, completion by wave, by org level and down the tree.

A small company, hand-checked (today is 10 Mar 2026):

    Northwind (level 1)      Leah (manager)   wave 1, done 20 Jan
    ├── Care (level 2)       Cara (manager)   wave 1, open, late joiner due 20 Mar
    │                        Cody             wave 3, open
    └── Sales (level 2)      Marcus (manager) wave 1, done 10 Feb
        ├── North (level 3)  Nina (manager)   wave 2, done 20 Feb
        │                    Sam, Nia, Ned    wave 3, done 5, 6 and 7 Mar
        └── South (level 3)  Sol (manager)    wave 2, open, overdue since 2 Mar
                             Jo               wave 3, open

Waves: 1 leadership (due 2 Feb), 2 managers (due 2 Mar), 3 everyone (due 30 Mar).
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from home import roles
from learning.models import Assignment, Band, Campaign, Wave
from learning.selectors.cascade import campaign_cascade_for, viewer_scope
from tests.learning.test_notices import Org

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
LIST_URL = reverse("learning:campaigns")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=UTC), tick=False):
        yield


def done(day):
    return datetime(2026, day.month, day.day, 10, tzinfo=UTC)


class Company(Org):
    """Org (from the notices tests) plus a few people, a campaign in three waves."""

    def __init__(self, make_user):
        super().__init__(make_user)
        self.cody = self.person(self.care, "Cody")
        self.nia = self.person(self.north, "Nia")
        self.ned = self.person(self.north, "Ned")
        self.campaign = self.make_campaign(self.root)
        self.w1, self.w2, self.w3 = self.campaign.waves.order_by("sort_order")
        self.give(self.ceo, self.w1, completed=date(2026, 1, 20))
        self.give(self.care_head, self.w1, due=date(2026, 3, 20), late_joiner=True)
        self.give(self.sales_head, self.w1, completed=date(2026, 2, 10))
        self.give(self.north_lead, self.w2, completed=date(2026, 2, 20))
        self.give(self.south_lead, self.w2)
        self.give(self.cody, self.w3)
        self.give(self.sam, self.w3, completed=date(2026, 3, 5))
        self.give(self.nia, self.w3, completed=date(2026, 3, 6))
        self.give(self.ned, self.w3, completed=date(2026, 3, 7))
        self.give(self.jo, self.w3)

    def make_campaign(self, unit, name="CX for all"):
        campaign = Campaign.objects.create(name=name, course=self.course, unit=unit)
        waves = [
            ("Leaders", Band.LEADERSHIP, date(2026, 1, 5), date(2026, 2, 2), None),
            ("Managers", Band.MANAGERS, date(2026, 2, 2), date(2026, 3, 2), 50),
            ("Everyone", Band.EVERYONE, date(2026, 3, 2), date(2026, 3, 30), None),
        ]
        for n, (wave_name, band, opens, due, gate) in enumerate(waves):
            Wave.objects.create(
                campaign=campaign,
                sort_order=n,
                name=wave_name,
                band=band,
                opens_on=opens,
                due_on=due,
                gate_percent=gate,
                opened_at=datetime(opens.year, opens.month, opens.day, 6, tzinfo=UTC),
            )
        return campaign

    def give(self, user, wave, *, completed=None, due=None, campaign=None, **fields):
        return Assignment.objects.create(
            user=user,
            course=self.course,
            campaign=campaign or self.campaign,
            wave=wave,
            due_on=due or wave.due_on,
            completed_at=done(completed) if completed else None,
            **fields,
        )


@pytest.fixture
def co(make_user):
    return Company(make_user)


def cascade_url(campaign, **query):
    url = reverse("learning:campaign_cascade", args=[campaign.pk])
    return url + "".join(f"?{k}={v}" for k, v in query.items())


def export_url(campaign, fmt="csv", **query):
    url = reverse("learning:campaign_cascade_export", args=[campaign.pk, fmt])
    return url + "".join(f"?{k}={v}" for k, v in query.items())


def get_cascade(client, user, campaign, **query):
    client.force_login(user)
    response = client.get(cascade_url(campaign, **query))
    assert response.status_code == 200
    return response


def hr_user(make_user, with_mfa):
    user = make_user(roles.HR)
    with_mfa(user)
    return user


def unit_figures(cascade):
    return [
        (u.name, u.indent, u.tally.assigned, u.tally.completed, u.tally.percent, u.tally.overdue)
        for u in cascade.units
    ]


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- figures -----------------------------------------------------------------------------------


def test_hr_sees_the_whole_campaign_by_wave(client, co, make_user, with_mfa):
    cascade = get_cascade(client, hr_user(make_user, with_mfa), co.campaign).context["cascade"]

    totals = cascade.totals
    assert (totals.assigned, totals.completed, totals.percent, totals.overdue) == (10, 6, 60, 1)
    assert [
        (w.name, w.tally.assigned, w.tally.completed, w.tally.percent, w.tally.overdue, w.behind)
        for w in cascade.waves
    ] == [
        ("Leaders", 3, 2, 66, 0, False),
        ("Managers", 2, 1, 50, 1, True),  # behind "Everyone" (60 %): the promise broken
        ("Everyone", 5, 3, 60, 0, False),
    ]
    assert cascade.waves[1].gate_percent == 50 and cascade.waves[2].opened


def test_levels_show_when_each_finished_and_the_one_that_finished_after_the_level_below(
    client, co, make_user, with_mfa
):
    cascade = get_cascade(client, hr_user(make_user, with_mfa), co.campaign).context["cascade"]

    assert [
        (
            level.level,
            level.tally.assigned,
            level.tally.percent,
            level.complete_on,
            level.median_on,
            level.finished_after_below,
        )
        for level in cascade.levels
    ] == [
        (1, 1, 100, date(2026, 1, 20), date(2026, 1, 20), False),
        (2, 3, 33, None, date(2026, 2, 10), True),  # 33 % while level 3 is at 66 %
        (3, 6, 66, None, date(2026, 3, 5), False),  # 4 done: the 2nd of 20 Feb, 5, 6, 7 Mar
    ]


def test_a_level_that_reached_100_after_the_level_below_is_marked(co):
    # Level 3 of Sales finishes on 8 Mar; level 2 of Sales only on 9 Mar.
    Assignment.objects.filter(user__in=[co.south_lead, co.jo]).update(
        completed_at=datetime(2026, 3, 8, 10, tzinfo=UTC)
    )
    Assignment.objects.filter(user__in=[co.care_head, co.cody]).update(
        completed_at=datetime(2026, 3, 9, 10, tzinfo=UTC)
    )
    cascade = campaign_cascade_for(co.campaign, scope=viewer_scope(co.ceo), today=TODAY)
    level2, level3 = cascade.levels[1:]
    assert (level2.tally.percent, level2.complete_on) == (100, date(2026, 3, 9))
    assert (level3.tally.percent, level3.complete_on) == (100, date(2026, 3, 8))
    assert level2.finished_after_below and not level3.finished_after_below


def test_units_down_the_tree_count_everyone_below_them_and_the_laggards_are_marked(
    client, co, make_user, with_mfa
):
    response = get_cascade(client, hr_user(make_user, with_mfa), co.campaign)
    cascade = response.context["cascade"]

    assert unit_figures(cascade) == [
        ("Northwind", 0, 10, 6, 60, 1),
        ("Care", 1, 2, 0, 0, 0),
        ("Sales", 1, 7, 5, 71, 1),
        ("North", 2, 4, 4, 100, 0),
        ("South", 2, 2, 0, 0, 1),
    ]
    lagging = {u.name for u in cascade.units if u.lagging}
    # Care: 0 % is more than 20 points below 60 %; Sales, South and the company: Sol is overdue
    # in the managers' wave, due 2 Mar. North (100 %, nobody late) is fine.
    assert lagging == {"Northwind", "Care", "Sales", "South"}
    html = response.content.decode()
    assert "more than 20 points below the overall completion" in html
    assert html.count("cascade-row--alert") == 4 + 1 + 1  # units, the late wave, level 2
    assert "finished after the level below</span>" in html and "behind a later wave" in html


def test_an_overdue_assignment_in_a_wave_still_running_does_not_make_a_unit_lag(co):
    # North is complete except for a late joiner whose own due date passed, but their wave
    # ("Everyone", due 30 Mar) has not: not lagging.
    newcomer = co.person(co.north, "Newt")
    co.give(newcomer, co.w3, due=date(2026, 3, 9))
    cascade = campaign_cascade_for(co.campaign, scope=viewer_scope(co.ceo), today=TODAY)
    north = next(u for u in cascade.units if u.name == "North")
    assert (north.tally.assigned, north.tally.completed, north.tally.overdue) == (5, 4, 1)
    assert north.tally.percent == 80 and not north.lagging


def test_the_page_shows_headline_dates_and_charts_with_their_data_tables(
    client, co, make_user, with_mfa
):
    html = get_cascade(client, hr_user(make_user, with_mfa), co.campaign).content.decode()
    assert "CX for all" in html and "Everyone&#x27;s day job" in html
    assert "Leaders: 2 Feb 2026" in html and "Everyone: 30 Mar 2026" in html
    assert "60%" in html and "completed (6 of 10)" in html
    assert "50% of the wave before" in html and "yes, 2 Feb 2026" in html
    assert "20 Jan 2026" in html and "not yet" in html
    assert html.count('<svg class="data-chart__svg"') == 2 and html.count("<details") >= 2
    assert html.count("data-chart__tr--highlight") == 2  # the late wave, level 2
    assert "Completion by wave" in html and "Completion by org level" in html
    assert 'scope="col"' in html and 'scope="row"' in html and "<caption" in html
    assert 'style="' not in html and "<script>" not in html
    assert export_url(co.campaign, "csv") in html and export_url(co.campaign, "xlsx") in html


# --- re-rooting the unit table -----------------------------------------------------------------


def test_the_table_can_start_at_a_unit_below_with_breadcrumbs_back_up(
    client, co, make_user, with_mfa
):
    response = get_cascade(client, hr_user(make_user, with_mfa), co.campaign, unit=co.sales.pk)
    cascade = response.context["cascade"]
    assert unit_figures(cascade) == [
        ("Sales", 0, 7, 5, 71, 1),
        ("North", 1, 4, 4, 100, 0),
        ("South", 1, 2, 0, 0, 1),
    ]
    assert [c.name for c in cascade.crumbs] == ["Northwind", "Sales"]
    html = response.content.decode()
    assert f'?unit={co.root.pk}#units-title">Northwind</a>' in html
    assert '<span aria-current="location">Sales</span>' in html
    # the export follows the same ?unit
    assert export_url(co.campaign, "csv", unit=co.sales.pk) in html
    # on the full table, Sales links to itself as a new top
    html = get_cascade(client, co.ceo, co.campaign).content.decode()
    assert f'?unit={co.sales.pk}#units-title"' in html


@pytest.mark.parametrize("unit", ["abc", "-1", "99999"])
def test_a_malformed_or_unknown_unit_is_not_found(client, co, make_user, with_mfa, unit):
    client.force_login(hr_user(make_user, with_mfa))
    assert client.get(cascade_url(co.campaign, unit=unit)).status_code == 404


def test_a_unit_outside_the_campaign_is_not_found(client, co, make_user, with_mfa):
    sales_campaign = co.make_campaign(co.sales, name="Sales first")
    client.force_login(hr_user(make_user, with_mfa))
    assert client.get(cascade_url(sales_campaign, unit=co.care.pk)).status_code == 404
    assert client.get(cascade_url(sales_campaign, unit=co.root.pk)).status_code == 404
    assert client.get(export_url(sales_campaign, unit=co.care.pk)).status_code == 404


# --- who sees what ------------------------------------------------------------------------------


def test_the_head_of_sales_sees_only_sales_in_a_company_wide_campaign(client, co):
    response = get_cascade(client, co.sales_head, co.campaign)
    cascade = response.context["cascade"]
    totals = cascade.totals
    assert (totals.assigned, totals.completed, totals.percent, totals.overdue) == (7, 5, 71, 1)
    assert unit_figures(cascade) == [
        ("Sales", 0, 7, 5, 71, 1),
        ("North", 1, 4, 4, 100, 0),
        ("South", 1, 2, 0, 0, 1),
    ]
    assert [(w.tally.assigned, w.tally.completed) for w in cascade.waves] == [
        (1, 1),
        (2, 1),
        (4, 3),
    ]
    assert [(lv.level, lv.tally.assigned) for lv in cascade.levels] == [(2, 1), (3, 6)]
    html = response.content.decode()
    assert "Care" not in html and "Northwind</" not in html
    # never a unit outside Sales, even one in the campaign
    assert client.get(cascade_url(co.campaign, unit=co.care.pk)).status_code == 404
    assert client.get(cascade_url(co.campaign, unit=co.root.pk)).status_code == 404
    assert client.get(export_url(co.campaign, unit=co.care.pk)).status_code == 404
    assert client.get(cascade_url(co.campaign, unit=co.north.pk)).status_code == 200


def test_the_lag_rule_compares_with_the_viewers_overall_figure(client, co):
    # For the head of Sales the overall is 71 %: South (0 %, and Sol overdue) lags.
    cascade = get_cascade(client, co.sales_head, co.campaign).context["cascade"]
    assert round(cascade.lag_threshold, 2) == round(500 / 7 - 20, 2)
    assert {u.name for u in cascade.units if u.lagging} == {"Sales", "South"}


def test_a_sibling_manager_gets_404_for_a_campaign_that_does_not_concern_them(client, co):
    north_campaign = co.make_campaign(co.north, name="North pilot")
    co.give(co.sam, north_campaign.waves.last(), campaign=north_campaign)

    client.force_login(co.south_lead)
    assert client.get(cascade_url(north_campaign)).status_code == 404
    assert client.get(export_url(north_campaign)).status_code == 404
    assert client.get(export_url(north_campaign, "xlsx")).status_code == 404
    assert "North pilot" not in client.get(LIST_URL).content.decode()
    # Care's head: not concerned either; Sales' head is above North, the CEO above all
    client.force_login(co.care_head)
    assert client.get(cascade_url(north_campaign)).status_code == 404
    for boss in (co.sales_head, co.ceo, co.north_lead):
        client.force_login(boss)
        assert client.get(cascade_url(north_campaign)).status_code == 200


def test_a_manager_below_the_campaign_sees_it_from_their_unit_down(client, co):
    response = get_cascade(client, co.south_lead, co.campaign)
    cascade = response.context["cascade"]
    assert unit_figures(cascade) == [("South", 0, 2, 0, 0, 1)]
    assert (cascade.totals.assigned, cascade.totals.overdue) == (2, 1)
    assert client.get(cascade_url(co.campaign, unit=co.north.pk)).status_code == 404
    assert client.get(cascade_url(co.campaign, unit=co.sales.pk)).status_code == 404


def test_a_superuser_sees_everything_like_hr(client, co, make_user, with_mfa):
    root = make_user(is_superuser=True)
    with_mfa(root)
    cascade = get_cascade(client, root, co.campaign, unit=co.care.pk).context["cascade"]
    assert unit_figures(cascade) == [("Care", 0, 2, 0, 0, 0)]
    assert [row.name for row in client.get(LIST_URL).context["campaigns"]] == ["CX for all"]


@pytest.mark.parametrize("role", [roles.LEARNERS, roles.TRAINERS])
def test_learners_and_trainers_are_refused(client, co, make_user, role):
    client.force_login(make_user(role))
    for url in (LIST_URL, cascade_url(co.campaign), export_url(co.campaign)):
        assert client.get(url).status_code == 403


def test_a_person_in_the_campaign_who_manages_nobody_is_refused(client, co):
    client.force_login(co.sam)
    assert client.get(cascade_url(co.campaign)).status_code == 403
    assert client.get(export_url(co.campaign)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, co):
    for url in (LIST_URL, cascade_url(co.campaign), export_url(co.campaign)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_an_unknown_campaign_or_format_is_not_found(client, co, make_user, with_mfa):
    client.force_login(hr_user(make_user, with_mfa))
    assert client.get(reverse("learning:campaign_cascade", args=[999999])).status_code == 404
    assert client.get(export_url(co.campaign, "pdf")).status_code == 404


# --- the campaigns list ------------------------------------------------------------------------


def test_the_campaigns_list_shows_each_visible_campaign_with_its_completion(
    client, co, make_user, with_mfa
):
    north_campaign = co.make_campaign(co.north, name="North pilot")
    co.give(co.sam, north_campaign.waves.last(), campaign=north_campaign)
    # Jo finished it in North, then moved to South: no longer counted in North's campaign
    co.give(co.jo, north_campaign.waves.last(), campaign=north_campaign, completed=date(2026, 3, 1))
    Campaign.objects.filter(pk=north_campaign.pk).update(active=False)

    client.force_login(hr_user(make_user, with_mfa))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    rows = {row.name: row for row in response.context["campaigns"]}
    assert set(rows) == {"CX for all", "North pilot"}
    everyone = rows["CX for all"]
    assert (everyone.tally.assigned, everyone.tally.completed, everyone.tally.percent) == (
        10,
        6,
        60,
    )
    assert (everyone.starts_on, everyone.ends_on) == (date(2026, 1, 5), date(2026, 3, 30))
    pilot = rows["North pilot"]
    assert (pilot.tally.assigned, pilot.tally.completed, pilot.active) == (1, 0, False)
    html = response.content.decode()
    assert f'href="{cascade_url(co.campaign)}"' in html
    assert "60% (6 of 10)" in html and "paused" in html and "5 Jan 2026" in html

    client.force_login(co.south_lead)
    rows = {row.name: row for row in client.get(LIST_URL).context["campaigns"]}
    assert set(rows) == {"CX for all"}
    assert (rows["CX for all"].tally.assigned, rows["CX for all"].tally.completed) == (2, 0)


def test_a_manager_with_no_campaign_sees_an_empty_list(client, co, make_user):
    client.force_login(make_user(roles.LEARNERS, roles.MANAGERS))
    response = client.get(LIST_URL)
    assert response.status_code == 200 and response.context["campaigns"] == []
    assert "No campaign reaches the units you follow yet" in response.content.decode()


# --- exports ------------------------------------------------------------------------------------


def test_the_export_rows_equal_the_table(client, co, make_user, with_mfa):
    hr = hr_user(make_user, with_mfa)
    cascade = get_cascade(client, hr, co.campaign).context["cascade"]
    response = client.get(export_url(co.campaign))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "Unit",
        "Level",
        "People assigned",
        "Completed",
        "Completed %",
        "Overdue",
        "Lagging",
    ]
    assert rows[1:] == [
        ["Northwind", "1", "10", "6", "60", "1", "yes"],
        ["Northwind/Care", "2", "2", "0", "0", "0", "yes"],
        ["Northwind/Sales", "2", "7", "5", "71", "1", "yes"],
        ["Northwind/Sales/North", "3", "4", "4", "100", "0", "no"],
        ["Northwind/Sales/South", "3", "2", "0", "0", "1", "yes"],
    ]
    assert [r[0] for r in rows[1:]] == [u.full_name for u in cascade.units]


def test_the_export_is_scoped_like_the_page(client, co):
    client.force_login(co.sales_head)
    rows = read_csv(client.get(export_url(co.campaign)))
    assert [r[0] for r in rows[1:]] == [
        "Northwind/Sales",
        "Northwind/Sales/North",
        "Northwind/Sales/South",
    ]
    rows = read_csv(client.get(export_url(co.campaign, unit=co.north.pk)))
    assert rows[1:] == [["Northwind/Sales/North", "3", "4", "4", "100", "0", "no"]]


def test_the_xlsx_export_holds_the_same_rows(client, co, make_user, with_mfa):
    client.force_login(hr_user(make_user, with_mfa))
    response = client.get(export_url(co.campaign, "xlsx", unit=co.sales.pk))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0][0] == "Unit"
    assert rows[1:] == [
        ["Northwind/Sales", 2, 7, 5, 71, 1, "yes"],
        ["Northwind/Sales/North", 3, 4, 4, 100, 0, "no"],
        ["Northwind/Sales/South", 3, 2, 0, 0, 1, "yes"],
    ]


def test_a_unit_name_that_looks_like_a_formula_is_escaped_in_the_export(
    client, co, make_user, with_mfa
):
    co.care.full_name = "=HYPERLINK(1)"
    co.care.save(update_fields=["full_name"])
    client.force_login(hr_user(make_user, with_mfa))
    rows = read_csv(client.get(export_url(co.campaign)))
    assert rows[2][0] == "'=HYPERLINK(1)"


# --- query counts -------------------------------------------------------------------------------


def populate(co, n, start=0):
    """n more people spread over the units and waves, some done, some late."""
    units = [co.north, co.south, co.care, co.sales]
    waves = [co.w1, co.w2, co.w3]
    for i in range(start, start + n):
        person = co.person(units[i % 4], f"P{i}")
        co.give(person, waves[i % 3], completed=date(2026, 3, 1 + i % 9) if i % 2 else None)


@pytest.mark.parametrize("extra", [3, 300])
def test_query_counts_do_not_grow_with_people(
    client, co, make_user, with_mfa, django_assert_max_num_queries, extra
):
    populate(co, extra)
    hr = hr_user(make_user, with_mfa)
    client.force_login(hr)
    client.get(LIST_URL)  # warm the session and role caches alike for each run
    with django_assert_max_num_queries(8):
        assert client.get(cascade_url(co.campaign)).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(cascade_url(co.campaign, unit=co.sales.pk)).status_code == 200
    with django_assert_max_num_queries(7):
        response = client.get(export_url(co.campaign, unit=co.sales.pk))
        assert len(read_csv(response)) == 4
    with django_assert_max_num_queries(5):
        assert client.get(LIST_URL).status_code == 200
    client.force_login(co.sales_head)
    client.get(LIST_URL)
    with django_assert_max_num_queries(7):
        assert client.get(cascade_url(co.campaign)).status_code == 200


def test_the_wave_and_level_tables_export_too(client, co, make_user, with_mfa):
    hr = hr_user(make_user, with_mfa)
    cascade = get_cascade(client, hr, co.campaign).context["cascade"]
    url = reverse("learning:campaign_cascade_export", args=[co.campaign.pk, "csv"])
    waves = read_csv(client.get(url, {"table": "waves"}))
    assert waves[0][:2] == ["Wave", "Who"] and len(waves) == len(cascade.waves) + 1
    assert [row[0] for row in waves[1:]] == [wave.name for wave in cascade.waves]
    assert [int(row[6]) for row in waves[1:]] == [w.tally.assigned for w in cascade.waves]
    levels = read_csv(client.get(url, {"table": "levels"}))
    assert [int(row[0]) for row in levels[1:]] == [level.level for level in cascade.levels]
    assert [int(row[1]) for row in levels[1:]] == [lv.tally.assigned for lv in cascade.levels]
    assert client.get(url, {"table": "secrets"}).status_code == 404
    html = get_cascade(client, hr, co.campaign).content.decode()
    assert "table=waves" in html and "table=levels" in html
