"""Trainer screens in the Wagtail admin: module file import/export and the scenario map."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import CoursePage, ModulePage
from courses.module_format import ModuleFileError, dump_module, load_module
from courses.permissions import user_can_import_modules
from courses.scenario_map import build_map
from courses.selectors import module_to_data
from courses.services import module_import


class ModuleImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Module file"),
        help_text=gettext_lazy("A cx-module/1 file, YAML or JSON, at most 2 MB."),
    )
    course = forms.ModelChoiceField(
        queryset=CoursePage.objects.order_by("path"),
        required=False,
        label=gettext_lazy("Course"),
        help_text=gettext_lazy("Needed for a new module; an existing one is updated in place."),
    )
    publish = forms.BooleanField(
        required=False,
        label=gettext_lazy("Publish now"),
        help_text=gettext_lazy("Otherwise the import is saved as a draft revision."),
    )


def _check_import_permission(user, data, course, publish):
    existing = ModulePage.objects.filter(slug=data["slug"]).first()
    target = existing or course
    if target is None:
        return
    perms = target.permissions_for_user(user)
    allowed = perms.can_edit() if existing else perms.can_add_subpage()
    if publish:
        allowed = (
            allowed and perms.can_publish() if existing else allowed and perms.can_publish_subpage()
        )
    if not allowed:
        raise PermissionDenied


def module_import_view(request):
    if not user_can_import_modules(request.user):
        raise PermissionDenied
    problems = []
    if request.method == "POST":
        form = ModuleImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            course = form.cleaned_data["course"]
            publish = form.cleaned_data["publish"]
            try:
                parsed = load_module(upload.read(), upload.name)
                _check_import_permission(request.user, parsed.data, course, publish)
                result = module_import(
                    data=parsed.data, course=course, publish=publish, user=request.user
                )
            except ModuleFileError as exc:
                problems = exc.problems
                messages.error(
                    request,
                    _("The file was rejected and nothing was saved. Fix these problems:"),
                )
            else:
                messages.success(
                    request,
                    _('Module "%(title)s" %(what)s.')
                    % {
                        "title": result.page.title,
                        "what": _("imported") if result.created else _("updated"),
                    },
                )
                return redirect("wagtailadmin_pages:edit", result.page.pk)
    else:
        form = ModuleImportForm()
    return TemplateResponse(
        request,
        "courses/admin/module_import.html",
        {"form": form, "problems": problems, "page_title": _("Import a module file")},
    )


def _editable_module(request, page_id) -> ModulePage:
    page = get_object_or_404(ModulePage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page.get_latest_revision_as_object()


def module_export_view(request, page_id):
    page = _editable_module(request, page_id)
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    response = HttpResponse(
        dump_module(module_to_data(page), fmt),
        content_type="application/json" if fmt == "json" else "application/yaml",
    )
    response["Content-Disposition"] = f'attachment; filename="{page.slug}.{fmt}"'
    return response


def scenario_map_view(request, page_id):
    page = _editable_module(request, page_id)
    scenario_map = build_map(page.scenario_data())
    return TemplateResponse(
        request,
        "courses/admin/scenario_map.html",
        {
            "page": page,
            "map": scenario_map,
            "problems": scenario_map.problems,
            "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
            "page_title": _("Scenario map"),
        },
    )
