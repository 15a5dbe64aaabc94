"""The team dashboard's charts, drawn from its figures (presentation only, no queries)."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from home.charts import Datum, bar_chart, grouped_bar_chart, line_chart
from learning.selectors.dashboard import DashboardFigures


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{number_format(round(value), 0)} %"


def module_completion_chart(figures: DashboardFigures):
    people = figures.headline.people
    return bar_chart(
        title=_("Completion per module"),
        description=_("Share of the %(n)s people in view who completed each module.")
        % {"n": people},
        value_heading=_("Completed"),
        max_value=100,
        chart_id="chart-modules",
        data=[
            Datum(
                label=f"{row.module.title} ({row.module.course_title})",
                value=row.percent_of(people),
                display=_("%(percent)s (%(done)s of %(people)s)")
                % {
                    "percent": _percent(row.percent_of(people)),
                    "done": row.completed,
                    "people": people,
                },
            )
            for row in figures.modules
        ],
    )


def weekly_completion_chart(figures: DashboardFigures, module_count: int):
    target = figures.headline.people * module_count
    return line_chart(
        title=_("Completion over time"),
        description=_(
            "Modules completed by the end of each week, as a share of every module for every "
            "person in view (%(target)s)."
        )
        % {"target": target},
        value_heading=_("Completed by the end of the week"),
        max_value=100,
        chart_id="chart-weeks",
        data=[
            Datum(
                label=week.week_start.strftime("%d %b"),
                value=100 * week.cumulative / target if target else None,
                display=_("%(percent)s (%(total)s, %(week)s that week)")
                % {
                    "percent": _percent(100 * week.cumulative / target if target else None),
                    "total": week.cumulative,
                    "week": week.completed,
                },
            )
            for week in figures.weeks
        ],
    )


def three_e_chart(figures: DashboardFigures):
    team, company = figures.team_three_e, figures.company_three_e
    return grouped_bar_chart(
        title=_("The three-E profile"),
        description=_(
            "Average score change per choice made in finished scenarios, from -2 to +2: your "
            "people (%(team)s choices) against the whole company (%(company)s choices)."
        )
        % {"team": team.choices, "company": company.choices},
        categories=[_("Engagement"), _("Education"), _("Empowerment")],
        series=[
            (_("In view"), [team.engagement, team.education, team.empowerment]),
            (_("Whole company"), [company.engagement, company.education, company.empowerment]),
        ],
        value_heading=_("Average per choice"),
        chart_id="chart-three-e",
    )
