"""My learning: a person's own assignments with status, progress and the next module to play."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments.models import ModuleProgress
from learning import rules
from learning.models import Assignment, Refresher
from learning.selectors.my_learning import my_learning
from tests.modules import make_course, make_module

pytestmark = pytest.mark.django_db

URL = reverse("learning:my_learning")
TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
COMPLETED = ModuleProgress.Status.COMPLETED
IN_PROGRESS = ModuleProgress.Status.IN_PROGRESS


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def course():
    return make_course(slug="day-job")


@pytest.fixture
def modules(course):
    return [make_module(course=course, slug=f"m{n}", title=f"Module {n}") for n in (1, 2, 3)]


def assign(user, course, due_on=TODAY + dt.timedelta(days=2), **fields):
    fields.setdefault("kind", Assignment.Kind.CAMPAIGN)
    return Assignment.objects.create(user=user, course=course, due_on=due_on, **fields)


def progress(user, module, status):
    return ModuleProgress.objects.create(
        user=user,
        module=module,
        status=status,
        completed_at=timezone.now() if status == COMPLETED else None,
        last_activity_at=timezone.now(),
    )


def page(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={URL}"


def test_only_my_own_assignments_appear(client, learner, make_user, course, modules):
    other_course = make_course(slug="secret-course")
    other_course.title = "Someone else's course"
    other_course.save_revision().publish()
    someone = make_user()
    assign(learner, course)
    assign(someone, other_course)
    progress(someone, modules[0], COMPLETED)

    html = page(client, learner)
    assert "Everyone&#x27;s day job" in html
    assert "Someone else" not in html
    assert "0 of 3 modules completed" in html  # the other person's progress does not count
    mine = my_learning(learner, today=TODAY)
    assert [item.course_title for item in mine.open_assignments] == ["Everyone's day job"]
    assert my_learning(someone, today=TODAY).open_assignments[0].course_title == (
        "Someone else's course"
    )


# --- status ---------------------------------------------------------------------------------


def test_each_status_is_computed_and_written_out(client, learner, make_user, modules):
    courses = {name: make_course(slug=name) for name in ("fresh", "begun", "late", "done")}
    begun_module = make_module(course=courses["begun"], slug="begun-1", title="Begun one")
    make_module(course=courses["late"], slug="late-1", title="Late one")
    make_module(course=courses["fresh"], slug="fresh-1", title="Fresh one")
    progress(learner, begun_module, IN_PROGRESS)
    assign(learner, courses["fresh"], due_on=dt.date(2026, 12, 3))
    assign(learner, courses["begun"], due_on=dt.date(2026, 12, 1))
    assign(learner, courses["late"], due_on=dt.date(2026, 11, 20))
    assign(learner, courses["done"], due_on=dt.date(2026, 11, 1), completed_at=NOON)

    statuses = {
        item.course_url: item.status
        for group in ("open_assignments", "completed_assignments")
        for item in getattr(my_learning(learner, today=TODAY), group)
    }
    assert statuses == {
        courses["fresh"].url: rules.NOT_STARTED,
        courses["begun"].url: rules.IN_PROGRESS,
        courses["late"].url: rules.OVERDUE,
        courses["done"].url: rules.COMPLETED,
    }
    html = page(client, learner)
    assert "Not started" in html and "Due 3 Dec 2026" in html
    assert "In progress" in html and "Due today" in html
    assert "Overdue since 20 Nov 2026" in html
    assert "on 1 Dec 2026" in html  # in the completed history
    assert ">1</span> overdue" in html and ">3</span> open assignments" in html


def test_an_open_assignment_becomes_overdue_the_day_after_its_due_date(client, learner, modules):
    assignment = assign(learner, modules[0].get_parent().specific, due_on=dt.date(2026, 12, 5))
    progress(learner, modules[0], IN_PROGRESS)
    assert "Due 5 Dec 2026" in page(client, learner)
    with time_machine.travel(dt.datetime(2026, 12, 5, 22, 0, tzinfo=dt.UTC), tick=False):
        # 22:00 UTC is still 5 December in London
        assert "Due today" in page(client, learner)
    with time_machine.travel(dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC), tick=False):
        html = page(client, learner)
        assert "Overdue since 5 Dec 2026" in html and "Due 5 Dec" not in html
        learning = my_learning(learner, today=timezone.localdate())
        assert learning.open_assignments[0].status == rules.OVERDUE
        assert learning.overdue_count == 1
    assert Assignment.objects.get(pk=assignment.pk).completed_at is None  # display only


# --- progress and the next module -------------------------------------------------------------


def test_progress_counts_live_modules_and_continue_goes_to_the_first_unfinished(
    client, learner, course, modules
):
    assign(learner, course)
    html = page(client, learner)
    assert "0 of 3 modules completed" in html
    assert 'max="3" value="0"' in html
    assert f'href="{modules[0].url}"' in html and ">Start<" in html

    progress(learner, modules[0], COMPLETED)
    progress(learner, modules[2], COMPLETED)
    item = my_learning(learner, today=TODAY).open_assignments[0]
    assert (item.modules_completed, item.modules_total, item.percent) == (2, 3, 67)
    assert item.continue_url == modules[1].url  # the first unfinished in page order
    html = page(client, learner)
    assert "2 of 3 modules completed" in html and 'max="3" value="2"' in html
    assert f'href="{modules[1].url}"' in html and ">Continue<" in html

    modules[1].unpublish()  # a module taken offline is neither counted nor offered
    item = my_learning(learner, today=TODAY).open_assignments[0]
    assert (item.modules_completed, item.modules_total) == (2, 2)
    assert item.continue_url == course.url  # every live module done: back to the course


def test_in_progress_module_counts_as_started_but_not_completed(learner, course, modules):
    assign(learner, course)
    progress(learner, modules[1], IN_PROGRESS)
    item = my_learning(learner, today=TODAY).open_assignments[0]
    assert item.status == rules.IN_PROGRESS
    assert (item.modules_completed, item.continue_url) == (0, modules[0].url)


def test_a_course_without_live_modules_says_so(client, learner):
    course = make_course(slug="empty")
    assign(learner, course)
    html = page(client, learner)
    assert "No module of this course is published yet" in html
    assert "Open the course" in html


# --- history, cancelled, empty ----------------------------------------------------------------


def test_history_lists_completed_newest_first_and_hides_cancelled(client, learner, make_user):
    older, newer, gone = (make_course(slug=s) for s in ("older", "newer", "gone"))
    for course, title in ((older, "Older course"), (newer, "Newer course"), (gone, "Gone")):
        course.title = title
        course.save_revision().publish()
    assign(learner, older, completed_at=NOON - dt.timedelta(days=40))
    assign(learner, newer, completed_at=NOON - dt.timedelta(days=2))
    assign(learner, gone, cancelled_at=NOON)

    learning = my_learning(learner, today=TODAY)
    assert [i.course_title for i in learning.completed_assignments] == [
        "Newer course",
        "Older course",
    ]
    assert learning.open_assignments == [] and learning.completed_count == 2
    html = page(client, learner)
    assert html.index("Newer course") < html.index("Older course")
    assert "Gone" not in html
    assert "You are all caught up" in html


def test_nothing_assigned_points_to_the_catalogue(client, learner):
    html = page(client, learner)
    assert "Nothing is assigned to you yet" in html
    assert f'href="{reverse("courses:catalogue")}"' in html
    assert f'href="{reverse("learning:my_stories")}"' in html
    assert "Share a customer story" in html
    assert "No refreshers planned" in html
    assert "Courses you complete will be listed here" in html


# --- refreshers on the page -------------------------------------------------------------------


def test_refreshers_show_start_when_due_and_their_date_when_later(client, learner, modules):
    due = Refresher.objects.create(user=learner, module=modules[0], interval_days=7, due_on=TODAY)
    Refresher.objects.create(
        user=learner, module=modules[0], interval_days=30, due_on=dt.date(2026, 12, 24)
    )
    Refresher.objects.create(
        user=learner,
        module=modules[1],
        interval_days=7,
        due_on=TODAY,
        done_at=NOON,
        scene_key="check",
        choice_label="Tick it and cancel the bill",
        good=True,
    )
    html = page(client, learner)
    assert f'href="{reverse("learning:refresher", args=[due.pk])}"' in html
    assert "Opens on 24 Dec 2026" in html
    assert "Recently done" in html and "Best choice" in html
    learning = my_learning(learner, today=TODAY)
    assert [r.is_due for r in learning.upcoming_refreshers] == [True, False]
    assert len(learning.due_refreshers) == 1
    assert [r.good for r in learning.recent_refreshers] == [True]


def test_another_persons_refreshers_do_not_appear(client, learner, make_user, modules):
    someone = make_user()
    Refresher.objects.create(user=someone, module=modules[0], interval_days=7, due_on=TODAY)
    learning = my_learning(learner, today=TODAY)
    assert learning.upcoming_refreshers == [] and learning.recent_refreshers == []
    assert "No refreshers planned" in page(client, learner)


# --- query counts ------------------------------------------------------------------------------

MAX_QUERIES_SELECTOR = 5  # assignments, modules, replays (recertification), refreshers x2
MAX_QUERIES_PAGE = 7  # session, site, and the selector's five


@pytest.fixture
def catalogue():
    """Three courses of two live modules each."""
    courses = [make_course(slug=f"course-{n}") for n in range(3)]
    modules = [
        make_module(course=course, slug=f"c{n}-m{m}", title=f"Course {n} module {m}")
        for n, course in enumerate(courses)
        for m in range(2)
    ]
    return courses, modules


@pytest.mark.parametrize("rows", [3, 300])
def test_query_count_does_not_grow_with_assignments(
    client, learner, catalogue, rows, django_assert_max_num_queries
):
    courses, modules = catalogue
    Assignment.objects.bulk_create(
        Assignment(
            user=learner,
            course=courses[n % 3],
            kind=Assignment.Kind.RECERTIFICATION,
            due_on=TODAY + dt.timedelta(days=n % 40 - 20),
            completed_at=NOON if n % 5 == 0 else None,
        )
        for n in range(rows)
    )
    used = modules[: max(1, min(len(modules), rows // 50))]
    ModuleProgress.objects.bulk_create(
        ModuleProgress(user=learner, module=m, status=COMPLETED, completed_at=NOON) for m in used
    )
    Refresher.objects.bulk_create(
        Refresher(
            user=learner,
            module=m,
            interval_days=days,
            due_on=TODAY + dt.timedelta(days=days - 20),
            done_at=NOON if days == 7 else None,
            good=True if days == 7 else None,
        )
        for m in used
        for days in (7, 30, 90)
    )
    client.force_login(learner)
    client.get(URL)  # warm the per-process caches (site root paths, branding)

    with django_assert_max_num_queries(MAX_QUERIES_SELECTOR):
        learning = my_learning(learner, today=TODAY)
    assert learning.open_count + learning.completed_count == rows
    with django_assert_max_num_queries(MAX_QUERIES_PAGE):
        response = client.get(URL)
    assert response.status_code == 200
