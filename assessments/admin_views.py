"""Trainer screens in the Wagtail admin: item analysis of a module (counts only, no names)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.item_analysis import (
    TABLES,
    ItemAnalysis,
    export_table,
    module_item_analysis,
    modules_for_item_analysis,
)
from assessments.permissions import user_can_view_item_analysis
from courses.models import ModulePage
from home.charts import Datum, bar_chart, format_number
from home.exports import FORMATS, export_response


def _percent_display(value) -> str:
    return "\u2013" if value is None else f"{format_number(value)} %"


def _charts(analysis: ItemAnalysis) -> dict:
    headline = analysis.headline
    outcome_chart = bar_chart(
        title=_("How finished attempts ended"),
        data=[
            Datum(
                label=label,
                value=value,
                display=ngettext(
                    "%(percent)s (%(count)s attempt)", "%(percent)s (%(count)s attempts)", count
                )
                % {"percent": _percent_display(value), "count": count},
                highlight=outcome == "poor",
            )
            for outcome, label, count, value in headline.outcome_rows
        ],
        value_heading=_("% of finished attempts"),
        max_value=100,
        description=_("%(count)s finished attempts.") % {"count": headline.attempts_finished},
        chart_id="ia-outcomes",
    )
    question_chart = None
    if analysis.questions:
        question_chart = bar_chart(
            title=_("Correct answers per question (first attempts)"),
            data=[
                Datum(
                    label=_("Q%(number)s. %(prompt)s") % {"number": q.number, "prompt": q.prompt},
                    value=q.percent_correct,
                    display=_percent_display(q.percent_correct),
                )
                for q in analysis.questions
            ],
            value_heading=_("% correct"),
            max_value=100,
            chart_id="ia-questions",
        )
    return {"outcome_chart": outcome_chart, "question_chart": question_chart}


def _export_urls(page_id: int) -> dict:
    base = reverse("item_analysis", args=[page_id])
    return {
        table: {fmt: f"{base}?{urlencode({'format': fmt, 'table': table})}" for fmt in FORMATS}
        for table in TABLES
    }


def item_analysis_view(request, page_id):
    if not user_can_view_item_analysis(request.user):
        raise PermissionDenied
    page = get_object_or_404(ModulePage, pk=page_id)
    fmt = request.GET.get("format")
    if fmt:
        table = request.GET.get("table", "")
        if fmt not in FORMATS or table not in TABLES:
            raise Http404
        header, rows = export_table(page, table)
        return export_response(
            filename=f"item-analysis-{page.slug}-{table}",
            header=header,
            rows=rows,
            fmt=fmt,
            sheet_title=table,
        )
    analysis = module_item_analysis(page)
    return TemplateResponse(
        request,
        "assessments/admin/item_analysis.html",
        {
            "page": page,
            "analysis": analysis,
            "exports": _export_urls(page.pk),
            "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
            "map_url": reverse("courses_module_map", args=[page.pk]),
            "index_url": reverse("item_analysis_index"),
            "can_edit": page.permissions_for_user(request.user).can_edit(),
            "page_title": _("Item analysis"),
            "page_subtitle": page.title,
            "header_title": _("Item analysis: %(title)s") % {"title": page.title},
            "header_icon": "table",
            **_charts(analysis),
        },
    )


def item_analysis_index_view(request):
    if not user_can_view_item_analysis(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "assessments/admin/item_analysis.html",
        {
            "is_index": True,
            "modules": modules_for_item_analysis(),
            "page_title": _("Item analysis"),
            "header_title": _("Item analysis"),
            "header_icon": "table",
        },
    )
