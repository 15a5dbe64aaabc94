from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from home.admin_menu import PermittedMenuItem
from learning import admin_views
from learning.admin_campaigns import CampaignViewSet
from learning.permissions import user_can_import_org


@hooks.register("register_admin_urls")
def register_org_admin_urls():
    return [
        path("org/import/", admin_views.org_import_upload_view, name="learning_org_import"),
        path(
            "org/import/<int:import_id>/",
            admin_views.org_import_preview_view,
            name="learning_org_import_preview",
        ),
        path(
            "org/import/<int:import_id>/apply/",
            admin_views.org_import_apply_view,
            name="learning_org_import_apply",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_org_import_menu_item():
    return PermittedMenuItem(
        _("Import org chart"),
        reverse("learning_org_import"),
        allowed=user_can_import_org,
        icon_name="group",
        order=300,
    )


@hooks.register("register_admin_viewset")
def register_campaign_viewset():
    return CampaignViewSet("campaigns")


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    from learning.admin_certificates import NAMESPACE, CertificateViewSet

    return CertificateViewSet(NAMESPACE)


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    from wagtail.log_actions import LogFormatter

    from learning.admin_certificates import REISSUE_ACTION, REVOKE_ACTION

    @actions.register_action(REVOKE_ACTION)
    class RevokeFormatter(LogFormatter):
        label = _("Revoke certificate")
        message = _("Revoked")

        def format_comment(self, log_entry):
            return log_entry.data.get("reason", "")

    @actions.register_action(REISSUE_ACTION)
    class ReissueFormatter(LogFormatter):
        label = _("Reissue certificate")

        def format_message(self, log_entry):
            return _("Reissued as %(code)s") % {"code": log_entry.data.get("new_code", "?")}

        def format_comment(self, log_entry):
            return log_entry.data.get("reason", "")
