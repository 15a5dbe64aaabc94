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


def forget_branding(sender, **kwargs):
    from django.core.cache import cache

    from home.selectors import BRANDING_CACHE_KEY, forget_branding_locally

    cache.delete(BRANDING_CACHE_KEY)
    forget_branding_locally()


def forget_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups changed (from either side of the relation): drop cached role names."""
    if not action.startswith("post_"):
        return
    from django.core.cache import cache

    from home.backends import user_cache_key
    from home.models import User
    from home.permissions import role_cache_key

    if reverse:  # group.user_set changed
        user_ids = pk_set if pk_set is not None else User.objects.values_list("pk", flat=True)
    else:
        user_ids = [instance.pk]
    cache.delete_many([key(pk) for pk in user_ids for key in (role_cache_key, user_cache_key)])


def forget_user(sender, instance, **kwargs):
    """A user row changed (password, active flag, name, last login): drop the cached copy."""
    from django.core.cache import cache

    from home.backends import user_cache_key

    cache.delete(user_cache_key(instance.pk))
