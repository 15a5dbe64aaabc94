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
    from courses.models import CoursePage, ModulePage
    from learning import dashboard_cache

    if isinstance(instance, (CoursePage, ModulePage)):
        dashboard_cache.changed()  # titles and the modules the dashboards list
    if isinstance(instance, ModulePage) and instance.story_id:
        from learning.services.stories import stories_notify_published

        stories_notify_published(module=instance)


def on_dashboard_data_changed(sender, **kwargs):
    """A row the dashboards count was saved or deleted: their cached figures are out of date."""
    from learning import dashboard_cache

    dashboard_cache.changed()


def connect_dashboard_invalidation():
    """Saves and deletes of what the dashboards count move their cache version on. (Services
    that write in bulk call `dashboard_cache.changed()` themselves.)"""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from assessments.models import ModuleProgress, ScenarioAttempt
    from learning.models import Assignment, Campaign, Certificate, EmployeeProfile, OrgUnit, Wave

    for model in (
        Assignment,
        Campaign,
        Certificate,
        EmployeeProfile,
        ModuleProgress,
        OrgUnit,
        Wave,
    ):
        uid = f"dashboard-{model._meta.label_lower}"
        post_save.connect(on_dashboard_data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(on_dashboard_data_changed, sender=model, dispatch_uid=f"{uid}-del")
    # an attempt counts once it is finished (the three-E profile); deleting one uncounts it
    post_delete.connect(
        on_dashboard_data_changed, sender=ScenarioAttempt, dispatch_uid="dashboard-attempt-del"
    )
    m2m_changed.connect(
        on_dashboard_data_changed,
        sender=OrgUnit.managers.through,
        dispatch_uid="dashboard-unit-managers",
    )
