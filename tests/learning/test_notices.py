"""Reminders before a due date, due-day emails, one overdue digest per manager, nudges' rules."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from home import roles
from learning.models import Assignment, Campaign, EmployeeProfile, Notice, OrgUnit
from learning.services.notices import (
    NUDGES_PER_MANAGER_PER_DAY,
    DailyReport,
    NudgeRefused,
    notices_send_daily,
    nudge_send,
)
from tests.modules import make_course

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
COURSE_TITLE = "Everyone's day job"  # an apostrophe: plain-text emails must not escape it


# --- a small company: Northwind > Sales > North, South; Northwind > Care ----------------------


class Org:
    """Units, managers and people, made through the models as HR's import would."""

    def __init__(self, make_user):
        self.make_user = make_user
        self.root = OrgUnit.add_root(name="Northwind", full_name="Northwind")
        self.sales = self.root.add_child(name="Sales", full_name="Northwind/Sales")
        self.north = OrgUnit.objects.get(pk=self.sales.pk).add_child(
            name="North", full_name="Northwind/Sales/North"
        )
        self.south = OrgUnit.objects.get(pk=self.sales.pk).add_child(
            name="South", full_name="Northwind/Sales/South"
        )
        self.care = OrgUnit.objects.get(pk=self.root.pk).add_child(
            name="Care", full_name="Northwind/Care"
        )
        self.ceo = self.person(self.root, "Leah", manages=True)
        self.sales_head = self.person(self.sales, "Marcus", manages=True)
        self.north_lead = self.person(self.north, "Nina", manages=True)
        self.south_lead = self.person(self.south, "Sol", manages=True)
        self.care_head = self.person(self.care, "Cara", manages=True)
        self.sam = self.person(self.north, "Sam")
        self.jo = self.person(self.south, "Jo")
        self.course = make_course()

    def person(self, unit, first_name, *, manages=False, **fields):
        role_names = (roles.LEARNERS, roles.MANAGERS) if manages else (roles.LEARNERS,)
        user = self.make_user(
            *role_names,
            email=f"{first_name.lower()}@northwind.example",
            first_name=first_name,
            last_name="Test",
        )
        EmployeeProfile.objects.create(
            user=user,
            employee_id=f"E{user.pk}",
            unit=unit,
            is_manager=manages,
            job_title=fields.get("job_title", "Advisor"),
        )
        if manages:
            unit.managers.add(user)
        return user

    def assign(self, user, due_on, *, campaign=None, **fields):
        return Assignment.objects.create(
            user=user, course=self.course, campaign=campaign, due_on=due_on, **fields
        )

    def campaign(self, **fields):
        return Campaign.objects.create(
            name="CX for all", course=self.course, unit=self.root, **fields
        )


@pytest.fixture
def org(make_user):
    return Org(make_user)


def outbox_to(address):
    return [m for m in mail.outbox if address in m.to]


# --- reminders and due-day emails -------------------------------------------------------------


def test_a_reminder_goes_the_campaigns_reminder_days_before_the_due_date(org):
    campaign = org.campaign(reminder_days=5)
    due = TODAY + timedelta(days=5)
    org.assign(org.sam, due, campaign=campaign)
    org.assign(org.jo, TODAY + timedelta(days=3), campaign=campaign)  # not 5 days: nothing

    report = notices_send_daily(today=TODAY)

    assert report == DailyReport(reminders=1, due=0, escalations=0)
    [message] = mail.outbox
    assert message.to == ["sam@northwind.example"]
    assert message.subject == f"Reminder: finish “{COURSE_TITLE}” by {date_format(due)}"
    # plain text: not indented, not HTML-escaped
    assert message.body.startswith(
        f"Hello Sam,\n\nYour customer-experience course “{COURSE_TITLE}” is due on "
        f"{date_format(due)}."
    )
    assert "http://testserver/learn/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://testserver/learn/"' in html and "Everyone&#x27;s day job" in html
    notice = Notice.objects.get()
    assert (notice.kind, notice.recipient, notice.day) == ("reminder", org.sam, TODAY)


def test_an_assignment_without_a_campaign_is_reminded_three_days_before(org):
    org.assign(org.sam, TODAY + timedelta(days=3), kind=Assignment.Kind.RECERTIFICATION)
    assert notices_send_daily(today=TODAY).reminders == 1
    assert outbox_to("sam@northwind.example")


def test_no_reminder_when_the_campaign_has_none(org):
    campaign = org.campaign(reminder_days=0)
    org.assign(org.sam, TODAY + timedelta(days=3), campaign=campaign)
    assert notices_send_daily(today=TODAY) == DailyReport()
    assert mail.outbox == []


def test_the_due_day_email(org):
    org.assign(org.sam, TODAY, campaign=org.campaign())
    report = notices_send_daily(today=TODAY)
    assert report == DailyReport(reminders=0, due=1, escalations=0)
    [message] = mail.outbox
    assert message.subject == f"Due today: “{COURSE_TITLE}”"
    assert "is due today" in message.body and "http://testserver/learn/" in message.body
    assert Notice.objects.get().kind == Notice.Kind.DUE


def test_no_email_for_completed_cancelled_or_inactive_people(org):
    campaign = org.campaign()
    now = timezone.now()
    org.assign(org.sam, TODAY, campaign=campaign, completed_at=now)
    org.assign(org.jo, TODAY, campaign=campaign, cancelled_at=now)
    gone = org.person(org.north, "Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    org.assign(gone, TODAY, campaign=campaign)
    left = org.person(org.north, "Left")
    EmployeeProfile.objects.filter(user=left).update(active=False)
    org.assign(left, TODAY, campaign=campaign)
    # and nobody is escalated for them either, a day later
    for day in (TODAY, TODAY + timedelta(days=1)):
        assert notices_send_daily(today=day) == DailyReport()
    assert mail.outbox == []
    assert not Notice.objects.exists()


def test_a_person_without_an_hr_profile_is_still_reminded(org, make_user):
    outsider = make_user(email="outsider@northwind.example")
    org.assign(outsider, TODAY)
    assert notices_send_daily(today=TODAY).due == 1
    assert outbox_to("outsider@northwind.example")
    # overdue, they have no manager to tell: no digest
    assert notices_send_daily(today=TODAY + timedelta(days=1)) == DailyReport()


# --- escalation digests -----------------------------------------------------------------------


def test_each_manager_gets_one_digest_of_exactly_their_overdue_reports(org):
    campaign = org.campaign()
    late = TODAY - timedelta(days=4)
    org.assign(org.sam, late, campaign=campaign)
    org.assign(org.sam, TODAY - timedelta(days=1))  # a second overdue course, same digest
    org.assign(org.jo, late, campaign=campaign)
    org.assign(org.north_lead, late)  # the team leader is late too: not in her own digest
    org.assign(org.jo, TODAY + timedelta(days=20))  # open, not overdue

    report = notices_send_daily(today=TODAY)

    assert report.escalations == 4  # Nina, Sol, Marcus and Leah; Cara's Care is on time
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == [
        "leah@northwind.example",
        "marcus@northwind.example",
        "nina@northwind.example",
        "sol@northwind.example",
    ]
    [nina] = outbox_to("nina@northwind.example")
    assert nina.subject == "2 overdue courses in your team"
    assert "Sam Test" in nina.body and "Jo Test" not in nina.body
    assert "Nina Test" not in nina.body  # a manager is not her own report
    assert date_format(late) in nina.body and COURSE_TITLE in nina.body
    assert "4 days late" in nina.body and "1 day late" in nina.body
    assert "http://testserver/team/" in nina.body
    assert 'href="http://testserver/team/"' in nina.alternatives[0][0]
    [sol] = outbox_to("sol@northwind.example")
    assert sol.subject == "1 overdue course in your team"
    assert "Jo Test" in sol.body and "Sam Test" not in sol.body  # never a sibling's person
    [marcus] = outbox_to("marcus@northwind.example")
    assert all(name in marcus.body for name in ("Sam Test", "Jo Test", "Nina Test"))
    assert marcus.subject == "4 overdue courses in your team"
    digests = Notice.objects.filter(kind=Notice.Kind.ESCALATION)
    assert digests.count() == 4 and not digests.filter(assignment__isnull=False).exists()


def test_a_manager_without_the_manager_role_or_inactive_gets_no_digest(org):
    org.north_lead.groups.clear()
    org.sales_head.is_active = False
    org.sales_head.save(update_fields=["is_active"])
    org.assign(org.sam, TODAY - timedelta(days=1))
    notices_send_daily(today=TODAY)
    assert sorted(a for m in mail.outbox for a in m.to) == ["leah@northwind.example"]


def test_running_twice_the_same_day_sends_nothing_more_and_the_next_day_sends_again(org):
    campaign = org.campaign(reminder_days=1)
    org.assign(org.sam, TODAY - timedelta(days=2), campaign=campaign)  # overdue
    org.assign(org.jo, TODAY + timedelta(days=1), campaign=campaign)  # reminder today, due next

    first = notices_send_daily(today=TODAY)
    assert first == DailyReport(reminders=1, due=0, escalations=3)  # Nina, Marcus, Leah
    sent = len(mail.outbox)
    assert sent == 4

    assert notices_send_daily(today=TODAY) == DailyReport()
    assert len(mail.outbox) == sent
    assert Notice.objects.count() == 4

    tomorrow = notices_send_daily(today=TODAY + timedelta(days=1))
    assert tomorrow == DailyReport(reminders=0, due=1, escalations=3)
    assert len(mail.outbox) == sent + 4
    assert Notice.objects.filter(day=TODAY + timedelta(days=1)).count() == 4


def test_the_daily_job_reads_in_constant_queries(org, django_assert_max_num_queries):
    campaign = org.campaign(reminder_days=2)
    units = [org.north, org.south, org.care]

    def add_people(n, start, day):
        # due on the day, reminded on the day, or overdue (in Care), in turn
        for i in range(start, start + n):
            user = org.person(units[i % 3], f"P{i}")
            org.assign(user, day + timedelta(days=[0, 2, -3][i % 3]), campaign=campaign)

    add_people(3, 0, TODAY)
    with django_assert_max_num_queries(12):
        small = notices_send_daily(today=TODAY)
    later = TODAY + timedelta(days=10)
    add_people(120, 3, later)
    with django_assert_max_num_queries(12):
        large = notices_send_daily(today=later)
    assert small == DailyReport(reminders=1, due=1, escalations=2)  # Cara and Leah
    # the first three are overdue by then too: every manager gets a digest
    assert large == DailyReport(reminders=40, due=40, escalations=5)
    assert len(mail.outbox) == 4 + 85


def test_the_daily_task_runs_the_service(org):
    from learning.tasks import send_daily_notices

    org.assign(org.sam, TODAY)
    result = send_daily_notices.enqueue(TODAY.isoformat())
    assert result.return_value == {"reminders": 0, "due": 1, "escalations": 0}
    assert outbox_to("sam@northwind.example")


# --- nudges: the rules the service enforces ---------------------------------------------------


def test_a_nudge_is_logged_and_emailed_on_commit(org, django_capture_on_commit_callbacks):
    assignment = org.assign(org.sam, TODAY - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        notice = nudge_send(sender=org.north_lead, assignment=assignment, today=TODAY)
        assert mail.outbox == []  # not before the commit
    assert (notice.kind, notice.sender, notice.recipient, notice.assignment, notice.day) == (
        "nudge",
        org.north_lead,
        org.sam,
        assignment,
        TODAY,
    )
    [message] = mail.outbox
    assert message.to == ["sam@northwind.example"]
    assert message.reply_to == ["nina@northwind.example"]
    assert message.subject == f"Nina Test reminds you: “{COURSE_TITLE}” is overdue"
    assert date_format(assignment.due_on) in message.body
    assert "http://testserver/learn/" in message.body


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"due_on": TODAY}, "is not overdue"),
        ({"due_on": TODAY + timedelta(days=5)}, "is not overdue"),
        ({"completed_at": "now"}, "nothing left to do"),
        ({"cancelled_at": "now"}, "nothing left to do"),
    ],
)
def test_only_an_open_overdue_assignment_can_be_nudged(org, change, expected):
    fields = {"due_on": TODAY - timedelta(days=1)}
    fields.update({k: timezone.now() if v == "now" else v for k, v in change.items()})
    due_on = fields.pop("due_on")
    assignment = org.assign(org.sam, due_on, **fields)
    with pytest.raises(NudgeRefused, match=expected):
        nudge_send(sender=org.north_lead, assignment=assignment, today=TODAY)
    assert not Notice.objects.exists()


def test_one_nudge_per_assignment_and_day(org):
    assignment = org.assign(org.sam, TODAY - timedelta(days=1))
    nudge_send(sender=org.north_lead, assignment=assignment, today=TODAY)
    with pytest.raises(NudgeRefused, match="already reminded"):
        nudge_send(sender=org.sales_head, assignment=assignment, today=TODAY)
    assert Notice.objects.count() == 1
    nudge_send(sender=org.north_lead, assignment=assignment, today=TODAY + timedelta(days=1))
    assert Notice.objects.count() == 2


def test_at_most_twenty_nudges_per_sender_and_day(org):
    people = [org.person(org.north, f"Late{i}") for i in range(21)]
    late = [org.assign(person, TODAY - timedelta(days=1)) for person in people]
    for assignment in late[:NUDGES_PER_MANAGER_PER_DAY]:
        nudge_send(sender=org.north_lead, assignment=assignment, today=TODAY)
    with pytest.raises(NudgeRefused, match="most allowed in a day"):
        nudge_send(sender=org.north_lead, assignment=late[20], today=TODAY)
    assert Notice.objects.count() == NUDGES_PER_MANAGER_PER_DAY
    # another manager is not held back, and the limit starts again the next day
    nudge_send(sender=org.sales_head, assignment=late[20], today=TODAY)
    nudge_send(sender=org.north_lead, assignment=late[0], today=TODAY + timedelta(days=1))
    assert Notice.objects.count() == NUDGES_PER_MANAGER_PER_DAY + 2
