from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Site and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home.signals import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate)
