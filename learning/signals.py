"""Learning listens to assessments and courses; the rules live in services, not here."""


def on_progress_saved(sender, progress, newly_completed, **kwargs):
    """A learner's module progress changed: close finished assignments, issue certificates,
    plan refreshers."""
    from django.utils import timezone

    from learning.services.certificates import certificates_check_completion
    from learning.services.refreshers import refreshers_schedule
    from learning.services.rollout import assignments_check_completion, course_path_of

    if progress.status != progress.Status.COMPLETED:
        return
    course_path = course_path_of(progress.module_id)  # read once for both checks
    if course_path is None:
        return
    ids = {"user_id": progress.user_id, "module_id": progress.module_id}
    assignments_check_completion(**ids, course_path=course_path)
    certificates_check_completion(**ids, course_path=course_path)
    if newly_completed:
        refreshers_schedule(
            user_id=progress.user_id,
            module_id=progress.module_id,
            completed_on=timezone.localtime(progress.completed_at).date(),
        )


def on_page_published(sender, instance, **kwargs):
    """A module went live: tell the employees whose story it was drawn from."""
    from courses.models import ModulePage

    if isinstance(instance, ModulePage) and instance.story_id:
        from learning.services.stories import stories_notify_published

        stories_notify_published(module=instance)
