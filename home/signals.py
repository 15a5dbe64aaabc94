from django.apps import apps


def sync_roles_after_migrate(sender, using="default", **kwargs):
    """Give each role group its permissions once every app's permissions exist.

    post_migrate is sent once per app with models, in INSTALLED_APPS order, and each app
    (Django's auth, Wagtail's snippets) creates its permissions in its own handler: act on
    the last one.
    """
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    from home.services import roles_sync_permissions

    roles_sync_permissions(using=using)
