"""Shared by the HR certificate tests: a small org, people in it, certificates, HR signed in.

The fixtures built from these live in `tests/learning/conftest.py`.
"""

import datetime
from datetime import timedelta

from django.utils import timezone

from courses.models import CoursePage
from home import roles
from learning.models import Certificate, EmployeeProfile, OrgUnit
from tests.modules import make_course

TODAY = datetime.date(2031, 3, 3)


# --- helpers ------------------------------------------------------------------------------------


def make_org():
    root = OrgUnit.add_root(name="Northwind", full_name="Northwind")
    sales = root.add_child(name="Sales", full_name="Northwind/Sales")
    north = sales.add_child(name="North", full_name="Northwind/Sales/North")
    care = root.add_child(name="Care", full_name="Northwind/Care")
    return {"root": root, "sales": sales, "north": north, "care": care}


def make_person(make_user, first, last, unit, employee_id=None):
    user = make_user(first_name=first, last_name=last)
    EmployeeProfile.objects.create(user=user, employee_id=employee_id or f"E-{user.pk}", unit=unit)
    return user


def certify(user, course, *, issued=TODAY, expires=None, revoked=False, name=None, title=None):
    at = timezone.make_aware(datetime.datetime.combine(issued, datetime.time(10, 0)))
    return Certificate.objects.create(
        user=user,
        course=course,
        learner_name=name or user.display_name,
        course_title=title or course.title,
        issued_at=at,
        expires_on=expires,
        revoked_at=at + timedelta(days=1) if revoked else None,
        revoked_reason="Given in error" if revoked else "",
    )


def make_second_course(slug="listening-well", title="Listening well"):
    course = make_course(slug=slug)
    CoursePage.objects.filter(pk=course.pk).update(title=title)
    course.refresh_from_db()
    return course


def hr_signed_in(client, make_user, with_mfa, **fields):
    user = make_user(roles.HR, **fields)
    with_mfa(user)
    client.force_login(user)
    return user
