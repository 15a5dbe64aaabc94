from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses import admin_views
from courses.models import ModulePage, Story
from courses.permissions import user_can_import_modules
from home.admin_menu import PermittedMenuItem


class StoryViewSet(SnippetViewSet):
    model = Story
    icon = "openquote"
    menu_label = _("Stories")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "touchpoint", "missing_e", "status_string"]
    list_filter = ["touchpoint", "missing_e"]
    search_fields = ["title", "summary"]


register_snippet(StoryViewSet)


@hooks.register("register_admin_urls")
def register_course_admin_urls():
    return [
        path("modules/import/", admin_views.module_import_view, name="courses_module_import"),
        path(
            "modules/<int:page_id>/export/",
            admin_views.module_export_view,
            name="courses_module_export",
        ),
        path(
            "modules/<int:page_id>/map/", admin_views.scenario_map_view, name="courses_module_map"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return PermittedMenuItem(
        _("Import module"),
        reverse("courses_module_import"),
        allowed=user_can_import_modules,
        icon_name="upload",
        order=220,
    )


@hooks.register("register_page_header_buttons")
def module_header_buttons(page, user, view_name=None, next_url=None):
    if page.specific_class is not ModulePage:
        return
    yield Button(
        _("Scenario map"),
        reverse("courses_module_map", args=[page.pk]),
        icon_name="site",
        priority=10,
    )
    yield Button(
        _("Export module file"),
        reverse("courses_module_export", args=[page.pk]),
        icon_name="download",
        priority=20,
    )
