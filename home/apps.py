from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Site and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.mfa.signals import authentication_failed
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from home.models import BrandingSettings, User
        from home.security import log_login_failed, log_mfa_failed
        from home.session_timeouts import stamp_sign_in
        from home.signals import (
            forget_branding,
            forget_roles,
            forget_user,
            sync_roles_after_migrate,
        )

        post_migrate.connect(sync_roles_after_migrate)
        post_save.connect(forget_branding, sender=BrandingSettings)
        m2m_changed.connect(forget_roles, sender=User.groups.through)
        post_save.connect(forget_user, sender=User)
        post_delete.connect(forget_user, sender=User)
        user_logged_in.connect(stamp_sign_in, dispatch_uid="cx_session_stamp_sign_in")
        user_login_failed.connect(log_login_failed, dispatch_uid="cx_security_login_failed")
        authentication_failed.connect(log_mfa_failed, dispatch_uid="cx_security_mfa_failed")
