"""Due-date and schedule rules: plain values in, plain values out (no ORM, no request)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from learning.models import REFRESHER_INTERVALS

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"


def assignment_status(*, completed: bool, started: bool, due_on: date, today: date) -> str:
    """One of not_started, in_progress, completed, overdue (open and past its due date)."""
    if completed:
        return COMPLETED
    if due_on < today:
        return OVERDUE
    return IN_PROGRESS if started else NOT_STARTED


def refresher_schedule(completed_on: date) -> list[tuple[int, date]]:
    """(interval in days, due date) for each spaced refresher after a module's completion."""
    return [(days, completed_on + timedelta(days=days)) for days in REFRESHER_INTERVALS]


def reminder_due_today(*, due_on: date, today: date, reminder_days: int) -> str | None:
    """Which reminder an open assignment gets today: "reminder", "due" or None."""
    if due_on == today:
        return "due"
    if reminder_days and due_on - timedelta(days=reminder_days) == today:
        return "reminder"
    return None


def late_joiner_due_on(*, wave_due_on: date, assigned_on: date, days: int) -> date:
    """Someone assigned after their wave opened still gets `days` days to finish."""
    return max(wave_due_on, assigned_on + timedelta(days=days))


def recertification_opens_on(*, expires_on: date, lead_days: int = 30) -> date:
    """A recertification is assigned this many days before a certificate expires."""
    return expires_on - timedelta(days=lead_days)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
