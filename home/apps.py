from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Site and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home.models import BrandingSettings, User
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
