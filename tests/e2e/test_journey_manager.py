"""Journey 2: a manager follows their team, filters and sorts the heatmap, drills down to a
person, exports the table and nudges the one person who is late.

The org comes from an HR file through the import service, the courses from the module format,
the assignments from two campaigns and the progress from the player's own services: nothing on
the dashboard is written by hand.
"""

import csv
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from assessments import services as player
from assessments.models import ScenarioAttempt
from home.models import User
from learning.models import Assignment, Band, Campaign, Notice, OrgUnit, Wave
from learning.org_file import read_org_file
from learning.services.org import org_import_apply, org_import_plan
from learning.services.rollout import campaign_sync
from tests.certificates import make_second_course
from tests.conftest import PASSWORD
from tests.e2e.steps import sign_in
from tests.modules import make_course, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,nina@northwind.example,Nina,Patel,Head of Sales,Northwind/Sales,yes\n"
    "E2,sam@northwind.example,Sam,Carter,Sales Executive,Northwind/Sales,\n"
    "E3,jo@northwind.example,Jo,Bennett,Sales Executive,Northwind/Sales,\n"
    "E4,alex@northwind.example,Alex,Murphy,Sales Executive,Northwind/Sales/North,\n"
    "E5,robin@northwind.example,Robin,Lee,Sales Executive,Northwind/Sales/North,\n"
    "E6,kim@northwind.example,Kim,Osei,Sales Executive,Northwind/Sales/North,\n"
)
RIGHT = [[1], [0, 1]]  # both questions right: 100%
HALF = [[0], [0, 1]]  # the first one wrong: 50%, still a pass
GOOD_PATH = (0, 0)  # check the record, tick it off
RECOVERED_PATH = (1, 0, 0)  # insist, stop and look again, tick it off

# the texts of an SVG chart that do not fit in its view box (and would be cut off)
OUTSIDE_THE_CHART = """svg => {
    const width = svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll("text")]
        .map(text => [text.textContent.trim(), text.getBBox()])
        .filter(([, box]) => box.x < 0 || box.x + box.width > width)
        .map(([content]) => content);
}"""


def _campaign(course, name, *, opened_days_ago, due_in_days):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name=name, course=course, unit=OrgUnit.objects.get(full_name="Northwind/Sales")
    )
    Wave.objects.create(
        campaign=campaign,
        name="Everyone",
        band=Band.EVERYONE,
        opens_on=today - timedelta(days=opened_days_ago),
        due_on=today + timedelta(days=due_in_days),
    )
    campaign_sync(campaign=campaign, today=today)


def _play(user, module, path):
    attempt = player.attempt_start(user=user, module_id=module.pk)
    for index in path:
        player.attempt_choose(
            module_id=module.pk,
            user=user,
            scene_key=attempt.current_scene_key,
            choice_index=index,
            step=attempt.step,
        )
        attempt = ScenarioAttempt.objects.get(pk=attempt.pk)


def _complete(user, module, answers, path=GOOD_PATH):
    _play(user, module, path)
    player.quiz_submit(user=user, module=module, answers=answers)
    player.reflection_save(user=user, module=module, text="I will fix the record.", shared=False)


def build_team():
    """Nina runs Sales (Sam, Jo) and its North branch (Alex, Robin, Kim).

    "Everyone's day job" (two modules) was due yesterday: all but Robin have finished it.
    "Listening well" (one module) is due in two weeks: Sam is done, Jo has started.
    """
    org_import_apply(org_import_plan(read_org_file(ORG.encode(), "org.csv")), invite=False)
    people = {user.first_name: user for user in User.objects.all()}
    for user in people.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    day_job = make_course()
    returned = make_module(course=day_job)
    second = make_module(course=day_job, slug="the-second-car", title="The second car")
    listening = make_second_course()
    loan = make_module(course=listening, slug="the-loan-car", title="The loan car")
    _campaign(day_job, "Spring rollout", opened_days_ago=30, due_in_days=-1)
    _campaign(listening, "Listening well", opened_days_ago=2, due_in_days=14)

    nina, sam, jo, alex, robin, kim = (
        people[n] for n in ("Nina", "Sam", "Jo", "Alex", "Robin", "Kim")
    )
    _complete(nina, returned, RIGHT)
    _complete(nina, second, RIGHT)
    for module in (returned, second, loan):
        _complete(sam, module, RIGHT)
    _complete(jo, returned, HALF)
    _complete(jo, second, RIGHT)
    _play(jo, loan, (0,))
    _complete(alex, returned, RIGHT)
    _complete(alex, second, HALF)
    _complete(kim, returned, HALF)
    _complete(kim, second, HALF)
    _complete(robin, returned, RIGHT, path=RECOVERED_PATH)
    _play(robin, second, (1,))
    return people


def heatmap_names(page):
    """The names in the heatmap, in order (a locator: `expect` waits for the new page)."""
    table = page.get_by_role("table", name=re.compile(r"^People \d+–\d+ of \d+, by module"))
    return table.locator("tbody th[scope=row] a.team-table__name")


def read_csv(download, tmp_path):
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_a_manager_filters_drills_down_exports_and_nudges(page, live_server, tmp_path, screenshot):
    people = build_team()
    robin = people["Robin"]
    overdue = Assignment.objects.filter(due_on__lt=timezone.localdate(), completed_at=None)
    assert list(overdue.values_list("user__first_name", flat=True)) == ["Robin"]

    # the dashboard from the main navigation: headline figures and charts
    sign_in(page, live_server, "nina@northwind.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Your team's learning", level=1)).to_be_visible()
    figures = page.get_by_role("region", name="Summary")
    expect(figures).to_contain_text("5 people")
    expect(figures).to_contain_text("50% complete (5 of 10 courses)")
    expect(figures.get_by_role("listitem").filter(has_text="overdue")).to_contain_text(
        "1 overdue, 1 person behind"
    )
    charts = page.get_by_role("region", name="Progress")
    expect(charts.get_by_role("img")).to_have_count(3)
    per_module = charts.locator("figure").filter(
        has=page.get_by_role("img", name=re.compile("^Completion per module"))
    )
    chart = per_module.get_by_role("img")
    expect(chart).to_be_visible()
    assert chart.evaluate(OUTSIDE_THE_CHART) == []  # "100 % (5 of 5)" is not cut off
    per_module.get_by_text("Data table").click()
    expect(per_module.get_by_role("row", name=re.compile("^The second car"))).to_contain_text(
        "80 % (4 of 5)"
    )
    everyone = ["Jo Bennett", "Sam Carter", "Robin Lee", "Alex Murphy", "Kim Osei"]
    expect(heatmap_names(page)).to_have_text(everyone)  # by last name; not the viewer herself
    screenshot("j2-01-team-dashboard")

    # filter: the North branch, then only the people who are late
    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("Unit").select_option(label="\u2003\u2003North")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Northwind/Sales/North and the units below it")).to_be_visible()
    expect(heatmap_names(page)).to_have_text(["Robin Lee", "Alex Murphy", "Kim Osei"])
    expect(page.get_by_role("region", name="Summary")).to_contain_text("33% complete")
    per_module.get_by_text("Data table").click()
    expect(per_module.get_by_role("row", name=re.compile("^The second car"))).to_contain_text(
        "67 % (2 of 3)"  # rounded, as the headline figures are
    )
    screenshot("j2-02-filtered-by-unit")
    filters.get_by_label("Status").select_option(label="Overdue")
    filters.get_by_role("button", name="Show").click()
    expect(heatmap_names(page)).to_have_text(["Robin Lee"])
    expect(page.get_by_role("row", name=re.compile("Robin Lee"))).to_contain_text("1 course")
    screenshot("j2-03-filtered-overdue")

    # everyone in North again, sorted by score (lowest first) from the column heading
    filters.get_by_label("Status").select_option(label="Everyone")
    filters.get_by_role("button", name="Show").click()
    expect(heatmap_names(page)).to_have_text(["Robin Lee", "Alex Murphy", "Kim Osei"])
    page.get_by_role("columnheader", name="Score").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Score")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(heatmap_names(page)).to_have_text(["Kim Osei", "Alex Murphy", "Robin Lee"])
    screenshot("j2-04-sorted-by-score")

    # drill down to the late person: their path through the scenario and their scores
    page.get_by_role("link", name="Robin Lee").click()
    expect(page.get_by_role("heading", name="Robin Lee", level=1)).to_be_visible()
    expect(page.get_by_text("Sales Executive · Northwind/Sales/North")).to_be_visible()
    modules = page.get_by_role("region", name="Modules: paths and scores")
    returned = modules.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="The returned car")
    )
    expect(returned).to_contain_text("Knowledge check: best 100% in 1 try.")
    returned.get_by_text("The path of the latest play-through").click()
    expect(returned.get_by_role("list").get_by_role("listitem")).to_have_text(
        [
            "The phone rings: Insist the system says she has the car",
            "She raises her voice: Stop and look again",
            "The open check box: Tick it and cancel the bill",
        ]
    )
    second = modules.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="The second car")
    )
    expect(second).to_contain_text("In progress")
    expect(second.get_by_text("The path so far (unfinished)")).to_be_visible()
    screenshot("j2-05-person")

    # back on the dashboard (filters and sort kept): the table as CSV
    page.go_back()
    expect(heatmap_names(page)).to_have_text(["Kim Osei", "Alex Murphy", "Robin Lee"])
    people_table = page.get_by_role("region", name="People and modules")
    with page.expect_download() as info:
        people_table.get_by_role("link", name=re.compile(r"^Download CSV")).click()
    rows = read_csv(info.value, tmp_path)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Person", "Email", "Job title", "Unit"]
    assert header[-3:] == ["Modules completed", "Average score %", "Overdue courses"]
    assert {"The returned car", "The second car", "The loan car"} <= set(header)
    exported = [(row[0], row[3], row[-3], row[-2], row[-1]) for row in body]
    assert exported == [
        ("Kim Osei", "Northwind/Sales/North", "2", "50.0", "0"),
        ("Alex Murphy", "Northwind/Sales/North", "2", "75.0", "0"),
        ("Robin Lee", "Northwind/Sales/North", "1", "100.0", "1"),
    ]

    # nudge the late person
    sent_before = len(mail.outbox)
    page.get_by_role("button", name="Nudge Robin Lee").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder sent to Robin Lee.")
    expect(page.get_by_role("row", name=re.compile("Robin Lee"))).to_contain_text("Reminded today")
    screenshot("j2-06-nudged")
    nudges = Notice.objects.filter(kind=Notice.Kind.NUDGE)
    assert [(n.sender_id, n.recipient_id) for n in nudges] == [(people["Nina"].pk, robin.pk)]
    assert [m.to for m in mail.outbox[sent_before:]] == [["robin@northwind.example"]]
