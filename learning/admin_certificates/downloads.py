"""Bulk downloads: a filtered set of certificates as one ZIP, built in the background."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from learning.admin_certificates.common import (
    RECENT_BATCHES,
    _require_hr,
    filter_query,
    url,
)
from learning.models import CertificateBatch
from learning.selectors.certificate_admin import (
    FILTER_NAMES,
    SEARCH_NAME,
    certificate_filters_clean,
    certificate_filters_describe,
    certificates_for_hr,
)
from learning.services.certificate_batches import batch_create, batch_limit

# --- bulk downloads -----------------------------------------------------------------------------


class BatchView(WagtailAdminTemplateMixin, View):
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        _require_hr(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": url("index"), "label": _("Certificates")},
            {"url": url("batches"), "label": _("Downloads")},
            {"url": "", "label": self.get_page_title()},
        ]


class BatchListView(BatchView):
    template_name = "learning/admin/certificate_batches.html"
    page_title = gettext_lazy("Downloads")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": url("index"), "label": _("Certificates")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request):
        recent = CertificateBatch.objects.select_related("requested_by").defer("filters")[
            :RECENT_BATCHES
        ]
        return self.render_to_response(self.get_context_data(batches=recent))


class BatchCreateView(BatchView):
    """GET: what the filters select, and a button; POST: queue the ZIP (HR may change their
    mind between the two, so the filters are checked again)."""

    template_name = "learning/admin/certificate_batch_create.html"
    page_title = gettext_lazy("Download certificates as ZIP")

    def _render(self, data, problems=None, status=200):
        count = description = None
        try:
            filters = certificate_filters_clean(data)
        except ValidationError as exc:
            filters, problems = None, [*(problems or []), *exc.messages]
        if filters is not None:
            count = certificates_for_hr(filters, today=timezone.localdate()).count()
            description = certificate_filters_describe(filters)
        hidden = [(name, data.get(name)) for name in (*FILTER_NAMES, SEARCH_NAME) if data.get(name)]
        context = self.get_context_data(
            hidden=hidden,
            count=count,
            description=description,
            limit=batch_limit(),
            problems=problems or [],
            valid=filters is not None,
            back_url=url("index") + (f"?{filter_query(data)}" if filter_query(data) else ""),
        )
        return self.render_to_response(context, status=status)

    def get(self, request):
        return self._render(request.GET)

    def post(self, request):
        try:
            batch = batch_create(requested_by=request.user, filters=request.POST)
        except ValidationError as exc:
            return self._render(request.POST, problems=exc.messages)
        messages.success(
            request,
            _("Building a ZIP of %(count)s certificates. This page shows its progress.")
            % {"count": batch.total},
        )
        return redirect(url("batch", batch.pk))


class BatchDetailView(BatchView):
    template_name = "learning/admin/certificate_batch.html"

    def get_page_title(self):
        return _("Download %(number)s") % {"number": self.batch.pk}

    def get(self, request, pk):
        self.batch = get_object_or_404(
            CertificateBatch.objects.select_related("requested_by"), pk=pk
        )
        return self.render_to_response(self.get_context_data(batch=self.batch))


def batch_progress_view(request, pk):
    """The progress fragment the batch page polls (htmx) until the ZIP is ready or failed."""
    _require_hr(request)
    batch = get_object_or_404(CertificateBatch, pk=pk)
    return TemplateResponse(
        request, "learning/admin/certificate_batch_progress.html", {"batch": batch}
    )


def batch_download_view(request, pk):
    """Any HR person may download any HR download: it holds nothing one of them could not
    download certificate by certificate, and a colleague may pick up another's request."""
    _require_hr(request)
    batch = get_object_or_404(CertificateBatch, pk=pk)
    if batch.status != CertificateBatch.Status.DONE or not batch.file:
        raise Http404(_("This download is not ready."))
    stamp = timezone.localtime(batch.finished_at or batch.created_at).strftime("%Y-%m-%d")
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=f"certificates-{stamp}-{batch.pk}.zip",
        content_type="application/zip",
    )
