"""HR screens in the Wagtail admin: upload an org chart, preview the changes, apply them."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from learning.models import OrgImport
from learning.org_file import MAX_BYTES, OrgFileError, read_org_file
from learning.permissions import user_can_import_org
from learning.services.org import org_import_confirm, org_import_plan, org_import_upload

SHOWN = 200  # rows listed per kind of change in the preview; the counts are complete


def _require_hr(request):
    if not user_can_import_org(request.user):
        raise PermissionDenied


class OrgUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("HR export"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or XLSX with the columns employee_id, email, first_name, last_name, "
            "job_title, unit_path, manager."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def org_import_upload_view(request):
    _require_hr(request)
    if request.method == "POST":
        form = OrgUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            record = org_import_upload(
                content=upload.read(), filename=upload.name, uploaded_by=request.user
            )
            return redirect("learning_org_import_preview", record.pk)
    else:
        form = OrgUploadForm()
    return TemplateResponse(
        request,
        "learning/admin/org_import.html",
        {
            "form": form,
            "recent": OrgImport.objects.select_related("uploaded_by").defer("content")[:10],
            "page_title": _("Import the org chart"),
        },
    )


def org_import_preview_view(request, import_id):
    _require_hr(request)
    record = get_object_or_404(OrgImport, pk=import_id)
    plan = None
    if record.status == OrgImport.Status.PREVIEWED:
        try:
            plan = org_import_plan(read_org_file(bytes(record.content), record.filename))
        except OrgFileError as exc:  # cannot happen for a stored preview, but never a 500
            record.problems = [str(p) for p in exc.problems]
    return TemplateResponse(
        request,
        "learning/admin/org_import_preview.html",
        {
            "record": record,
            "plan": plan,
            "problems": (plan.problems if plan else None) or record.problems,
            "shown": SHOWN,
            "page_title": _("Org chart import: %(file)s") % {"file": record.filename},
        },
    )


@require_POST
def org_import_apply_view(request, import_id):
    _require_hr(request)
    record = get_object_or_404(OrgImport, pk=import_id)
    if record.status != OrgImport.Status.PREVIEWED:
        messages.error(request, _("This import was already applied or rejected."))
        return redirect("learning_org_import_preview", record.pk)
    try:
        record = org_import_confirm(record)
    except OrgFileError as exc:
        messages.error(
            request,
            _("The organisation changed since the preview; nothing was written: %(problems)s")
            % {"problems": "; ".join(str(p) for p in exc.problems[:10])},
        )
        return redirect("learning_org_import_preview", record.pk)
    messages.success(
        request,
        _("Org chart imported: %(new)s new, %(changed)s changed, %(gone)s deactivated.")
        % {
            "new": record.summary["new"],
            "changed": record.summary["changed"],
            "gone": record.summary["deactivated"],
        },
    )
    return redirect("learning_org_import_preview", record.pk)
