from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets.button import Button

from assessments import admin_views
from assessments.permissions import user_can_view_item_analysis
from courses.models import ModulePage
from home.admin_menu import PermittedMenuItem


@hooks.register("register_admin_urls")
def register_item_analysis_urls():
    return [
        path("item-analysis/", admin_views.item_analysis_index_view, name="item_analysis_index"),
        path("item-analysis/<int:page_id>/", admin_views.item_analysis_view, name="item_analysis"),
    ]


@hooks.register("register_admin_menu_item")
def register_item_analysis_menu_item():
    return PermittedMenuItem(
        _("Item analysis"),
        reverse("item_analysis_index"),
        allowed=user_can_view_item_analysis,
        icon_name="table",
        order=230,
    )


def _item_analysis_button(page, user, priority):
    if page.specific_class is not ModulePage or not user_can_view_item_analysis(user):
        return None
    return Button(
        _("Item analysis"),
        reverse("item_analysis", args=[page.pk]),
        icon_name="table",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def module_item_analysis_header_button(page, user, view_name=None, next_url=None):
    # next to the scenario map (10) and the module file export (20)
    button = _item_analysis_button(page, user, priority=15)
    if button:
        yield button


@hooks.register("register_page_listing_more_buttons")
def module_item_analysis_listing_button(page, user, next_url=None):
    button = _item_analysis_button(page, user, priority=45)
    if button:
        yield button
