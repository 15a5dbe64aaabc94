"""The certificates viewset: its list columns, filters and URLs (no add, edit or delete)."""

from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from learning.admin_certificates.common import (
    CertificatePermissionPolicy,
)
from learning.admin_certificates.downloads import (
    BatchCreateView,
    BatchDetailView,
    BatchListView,
    batch_download_view,
    batch_progress_view,
)
from learning.admin_certificates.views import (
    CertificateIndexView,
    CertificateInspectView,
    CertificateReissueView,
    CertificateRevokeView,
    _status_label,
    _unit_name,
)
from learning.models import Certificate, CertificateStatus
from learning.selectors.certificate_admin import (
    CertificateFilterSet,
)

# --- the viewset --------------------------------------------------------------------------------


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Certificates")
    menu_order = 320
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    index_results_template_name = "learning/admin/certificate_index_results.html"
    filterset_class = CertificateFilterSet
    search_fields = ["learner_name", "code"]  # searched in certificates_for_hr; enables the box
    list_per_page = 50
    list_display = [
        "learner_name",
        Column("course_title", label=gettext_lazy("Course"), sort_key="course_title"),
        Column("code", label=gettext_lazy("Code")),
        Column("issued_on", label=gettext_lazy("Issued"), sort_key="issued_at"),
        Column(
            "expires_on",
            label=gettext_lazy("Expires"),
            accessor=lambda c: c.expires_on or _("Never"),
            sort_key="expires_on",
        ),
        StatusTagColumn(
            "status_now",
            label=gettext_lazy("Status"),
            accessor=_status_label,
            primary=lambda c: c.status_now == CertificateStatus.VALID,
        ),
        Column("unit", label=gettext_lazy("Unit"), accessor=_unit_name),
    ]

    @property
    def permission_policy(self):
        return CertificatePermissionPolicy(self.model)

    def get_permissions_to_register(self):
        # access follows learning.permissions, not group permissions: nothing to assign
        return Permission.objects.none()

    def get_urlpatterns(self):
        # no add, edit, copy or delete: certificates come from completions, HR revokes/reissues
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/revoke/", CertificateRevokeView.as_view(), name="revoke"),
            path("<int:pk>/reissue/", CertificateReissueView.as_view(), name="reissue"),
            path("downloads/", BatchListView.as_view(), name="batches"),
            path("downloads/new/", BatchCreateView.as_view(), name="batch_create"),
            path("downloads/<int:pk>/", BatchDetailView.as_view(), name="batch"),
            path("downloads/<int:pk>/progress/", batch_progress_view, name="batch_progress"),
            path("downloads/<int:pk>/download/", batch_download_view, name="batch_download"),
        ]
