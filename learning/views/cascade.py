"""The leadership cascade: per campaign, completion by wave, by org level and down the tree."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from home.charts import Datum, bar_chart
from home.exports import FORMATS, export_response
from home.permissions import user_can_view_team
from home.security import log_hidden_refusal
from learning.selectors.cascade import (
    CASCADE_TABLES,
    LAG_POINTS,
    UnitNotVisible,
    campaign_cascade_for,
    campaign_rows,
    campaigns_visible_to,
    cascade_export_table,
    viewer_scope,
)


def _percent(value) -> str:
    return "–" if value is None else _("%(percent)s%%") % {"percent": value}


@login_required
def campaign_list(request):
    """The campaigns the viewer may follow, each with its completion in their scope."""
    if not user_can_view_team(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request, "learning/campaigns.html", {"campaigns": campaign_rows(request.user)}
    )


def _cascade(request, pk):
    """The campaign's cascade as the viewer may see it; 404 for a campaign or unit not theirs."""
    if not user_can_view_team(request.user):
        raise PermissionDenied
    scope = viewer_scope(request.user)
    campaign = get_object_or_404(
        campaigns_visible_to(request.user, scope=scope).select_related("unit", "course"), pk=pk
    )
    raw = request.GET.get("unit", "")
    if raw and not raw.isdigit():
        raise Http404
    try:
        return campaign_cascade_for(
            campaign,
            scope=scope,
            today=timezone.localdate(),
            unit_id=int(raw) if raw else None,
        )
    except UnitNotVisible as missing:
        log_hidden_refusal(request, "cascade unit")
        raise Http404 from missing


@login_required
def campaign_cascade(request, pk):
    cascade = _cascade(request, pk)
    page_url = reverse("learning:campaign_cascade", args=[pk])
    query = f"?{urlencode({'unit': cascade.rerooted_at})}" if cascade.rerooted_at else ""
    wave_chart = bar_chart(
        title=_("Completion by wave"),
        description=_(
            "Percent of each wave's assignments completed, in wave order. A wave drawn in the "
            "alert colour is behind a later wave."
        ),
        value_heading=_("Completed"),
        max_value=100,
        chart_id="cascade-waves",
        data=[
            Datum(
                label=wave.name,
                value=wave.tally.percent,
                display=_percent(wave.tally.percent),
                highlight=wave.behind,
            )
            for wave in cascade.waves
        ],
    )
    level_chart = bar_chart(
        title=_("Completion by org level"),
        description=_(
            "Percent of the assignments of the people at each level of the organisation "
            "completed, from the top down. A level drawn in the alert colour finished after "
            "the level below it."
        ),
        value_heading=_("Completed"),
        max_value=100,
        chart_id="cascade-levels",
        data=[
            Datum(
                label=_("Level %(level)s") % {"level": level.level},
                value=level.tally.percent,
                display=_percent(level.tally.percent),
                highlight=level.finished_after_below,
            )
            for level in cascade.levels
        ],
    )
    return TemplateResponse(
        request,
        "learning/campaign_cascade.html",
        {
            "cascade": cascade,
            "campaign": cascade.campaign,
            "today": cascade.today,
            "wave_chart": wave_chart,
            "level_chart": level_chart,
            "page_url": page_url,
            "lag_points": LAG_POINTS,
            "csv_url": reverse("learning:campaign_cascade_export", args=[pk, "csv"]) + query,
            "xlsx_url": reverse("learning:campaign_cascade_export", args=[pk, "xlsx"]) + query,
            "table_exports": {
                table: {
                    fmt: reverse("learning:campaign_cascade_export", args=[pk, fmt])
                    + (query + "&" if query else "?")
                    + urlencode({"table": table})
                    for fmt in FORMATS
                }
                for table in ("waves", "levels")
            },
        },
    )


@login_required
def campaign_cascade_export(request, pk, fmt):
    """A table of the page (`?table=units|waves|levels`, same scope, same ?unit) as CSV or
    XLSX."""
    if not user_can_view_team(request.user):
        raise PermissionDenied
    table = request.GET.get("table", "units")
    if fmt not in FORMATS or table not in CASCADE_TABLES:
        raise Http404
    cascade = _cascade(request, pk)
    header, rows = cascade_export_table(cascade, table)
    name = slugify(cascade.campaign.name) or "campaign"
    return export_response(
        filename=f"cascade-{name}-{table}",
        header=header,
        rows=rows,
        fmt=fmt,
        sheet_title=str(table).capitalize(),
    )
