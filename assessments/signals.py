from django.core.cache import cache
from django.dispatch import Signal

from assessments.selectors import module_cache_key
from courses.models import ModulePage


def forget_playable_module(sender, instance, **kwargs):
    """A page was published, unpublished, moved or deleted: modules at or below it re-read."""
    ids = [instance.pk]
    if not isinstance(instance, ModulePage) and instance.pk is not None:
        ids += list(ModulePage.objects.descendant_of(instance).values_list("pk", flat=True))
    cache.delete_many([module_cache_key(pk) for pk in ids])


# Sent (inside the transaction) whenever a learner's ModuleProgress row is saved by a service:
# kwargs `progress` and `newly_completed` (the module has just become completed). Assessments
# knows nothing of assignments or refreshers; learning listens.
progress_saved = Signal()
