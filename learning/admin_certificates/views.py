"""One certificate and the list: HR inspects, revokes and reissues."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from learning.admin_certificates.common import (
    REISSUE_ACTION,
    REVOKE_ACTION,
    _require_hr,
    filter_query,
    url,
)
from learning.models import Certificate, CertificateStatus
from learning.selectors.certificate_admin import (
    SEARCH_NAME,
    certificate_filters_from,
    certificates_for_hr,
)
from learning.services.certificates import REASON_MAX, certificate_reissue, certificate_revoke

# --- the list -----------------------------------------------------------------------------------


def _unit_name(certificate) -> str:
    user = certificate.user
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.unit.full_name if profile is not None and profile.unit else ""


def _status_label(certificate) -> str:
    return CertificateStatus(certificate.status_now).label


class CertificateIndexView(generic.IndexView):
    """Filters go through certificates_for_hr, the same query a bulk download runs."""

    page_title = gettext_lazy("Certificates")

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def filter_result(self) -> tuple[dict | None, list[str]]:
        try:
            return certificate_filters_from(self.filters, self.request.GET.get(SEARCH_NAME)), []
        except ValidationError as exc:
            return None, exc.messages

    @property
    def filter_values(self) -> dict | None:
        return self.filter_result[0]

    def get_base_queryset(self):
        if self.filter_values is None:  # never the whole list under filters that did not apply
            return Certificate.objects.none()
        return certificates_for_hr(self.filter_values, today=self.today)

    def filter_queryset(self, queryset):
        return queryset  # applied in get_base_queryset

    def search_queryset(self, queryset):
        return queryset  # applied in get_base_queryset

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.filter_values is not None:
            query = filter_query(self.request.GET)
            buttons.append(
                HeaderButton(
                    _("Download these as ZIP"),
                    url=url("batch_create") + (f"?{query}" if query else ""),
                    icon_name="download",
                )
            )
        buttons.append(HeaderButton(_("Downloads"), url=url("batches"), icon_name="folder-open-1"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            Button(
                _("Download PDF"),
                url=reverse("learning:certificate_pdf", args=[instance.code]),
                icon_name="download",
                priority=30,
            )
        )
        if instance.revoked_at is None:
            buttons.append(
                Button(_("Revoke"), url=url("revoke", instance.pk), icon_name="cross", priority=40)
            )
        if instance.status_now != CertificateStatus.EXPIRED:
            buttons.append(
                Button(
                    _("Reissue"), url=url("reissue", instance.pk), icon_name="rotate", priority=50
                )
            )
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["filter_problems"] = self.filter_result[1]
        return context


# --- one certificate ----------------------------------------------------------------------------


class CertificateInspectView(generic.InspectView):
    template_name = "learning/admin/certificate_detail.html"
    page_title = gettext_lazy("Certificate")

    def get_object(self, queryset=None):
        return get_object_or_404(
            Certificate.objects.select_related(
                "user__profile__unit", "course", "revoked_by", "replaces"
            ),
            pk=self.pk,
        )

    @cached_property
    def replaced_by(self):
        return Certificate.objects.filter(replaces=self.object).only("pk", "code").first()

    def get_page_subtitle(self):
        return f"{self.object.learner_name} · {self.object.course_title}"

    @cached_property
    def header_buttons(self):
        certificate = self.object
        buttons = [
            HeaderButton(
                _("Download PDF"),
                url=reverse("learning:certificate_pdf", args=[certificate.code]),
                icon_name="download",
                priority=10,
            )
        ]
        if certificate.revoked_at is None:
            buttons.append(
                HeaderButton(
                    _("Revoke"), url=url("revoke", certificate.pk), icon_name="cross", priority=20
                )
            )
        if certificate.status != CertificateStatus.EXPIRED and self.replaced_by is None:
            buttons.append(
                HeaderButton(
                    _("Reissue"),
                    url=url("reissue", certificate.pk),
                    icon_name="rotate",
                    priority=30,
                )
            )
        return buttons

    def get_fields_context(self):
        c = self.object
        rows = [
            (_("Learner"), c.learner_name),
            (_("Course"), c.course_title),
            (_("Code"), c.code),
            (_("Status"), c.get_status_display()),
            (_("Issued"), c.issued_on),
            (_("Expires on"), c.expires_on or _("Never")),
            (_("Unit"), _unit_name(c) or "—"),
        ]
        if c.revoked_at:
            rows += [
                (_("Revoked"), timezone.localtime(c.revoked_at)),
                (_("Revoked by"), c.revoked_by.display_name if c.revoked_by else "—"),
                (_("Reason"), c.revoked_reason),
            ]
        if c.replaces:
            rows.append((_("Replaces"), c.replaces.code))
        if self.replaced_by:
            rows.append((_("Reissued as"), self.replaced_by.code))
        return [{"label": label, "value": value, "component": None} for label, value in rows]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verify_url"] = reverse("learning:verify", args=[self.object.code])
        context["replaced_by"] = self.replaced_by
        context["replaced_by_url"] = self.replaced_by and url("inspect", self.replaced_by.pk)
        context["replaces_url"] = self.object.replaces_id and url(
            "inspect", self.object.replaces_id
        )
        context["log_entries"] = (
            ModelLogEntry.objects.for_instance(self.object)
            .select_related("user")
            .order_by("-timestamp")[:20]
        )
        return context


class CertificateActionView(WagtailAdminTemplateMixin, View):
    """A form about one certificate, for HR: its breadcrumbs lead back to it."""

    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        _require_hr(request)
        self.certificate = get_object_or_404(
            Certificate.objects.select_related("user", "course", "revoked_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.certificate.learner_name} · {self.certificate.course_title}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": url("index"), "label": _("Certificates")},
            {"url": url("inspect", self.certificate.pk), "label": self.certificate.code},
            {"url": "", "label": self.get_page_title()},
        ]

    def render(self, **context):
        return self.render_to_response(
            self.get_context_data(certificate=self.certificate, **context)
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked?"),
        help_text=gettext_lazy(
            "Kept with the certificate and shown to HR, not on the public page."
        ),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why the certificate is revoked.")},
    )


class CertificateRevokeView(CertificateActionView):
    template_name = "learning/admin/certificate_revoke.html"
    page_title = gettext_lazy("Revoke certificate")

    def get(self, request, pk):
        return self.render(form=RevokeForm())

    def post(self, request, pk):
        form = RevokeForm(request.POST)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                revoked = certificate_revoke(
                    certificate=self.certificate, by=request.user, reason=reason
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                log(
                    instance=revoked,
                    action=REVOKE_ACTION,
                    user=request.user,
                    data={"reason": revoked.revoked_reason},
                )
                messages.success(
                    request,
                    _("Certificate %(code)s revoked. Its verification page now says so.")
                    % {"code": revoked.code},
                )
                return redirect(url("inspect", revoked.pk))
        return self.render(form=form)


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        help_text=gettext_lazy("For example: name corrected after marriage."),
        max_length=200,
        required=False,
    )


class CertificateReissueView(CertificateActionView):
    template_name = "learning/admin/certificate_reissue.html"
    page_title = gettext_lazy("Reissue certificate")

    def get(self, request, pk):
        return self.render(form=ReissueForm(), **self._preview())

    def _preview(self) -> dict:
        old = self.certificate
        return {
            "new_name": old.user.display_name if old.user else old.learner_name,
            "new_title": (
                (old.course.certificate_title or old.course.title)
                if old.course
                else old.course_title
            ),
            "expired": old.status == CertificateStatus.EXPIRED,
        }

    def post(self, request, pk):
        form = ReissueForm(request.POST)
        if form.is_valid():
            try:
                new = certificate_reissue(
                    certificate=self.certificate,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                log(
                    instance=self.certificate,
                    action=REISSUE_ACTION,
                    user=request.user,
                    data={"new_code": new.code, "reason": form.cleaned_data["reason"]},
                )
                messages.success(
                    request,
                    _("Reissued as %(new)s; %(old)s is revoked as replaced.")
                    % {"new": new.code, "old": self.certificate.code},
                )
                return redirect(url("inspect", new.pk))
        return self.render(form=form, **self._preview())
