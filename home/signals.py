from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes


def sync_roles_after_migrate(sender, using="default", verbosity=1, **kwargs):
    """Give each role group its permissions once every app's permissions exist."""
    # `home` migrates before the apps whose permissions the roles name, so create those first.
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0, using=using)
        create_permissions(app_config, verbosity=0, using=using)

    from home.services import roles_sync_permissions

    roles_sync_permissions(using=using)
