from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from assessments.signals import progress_saved
        from learning import signals

        progress_saved.connect(signals.on_progress_saved, dispatch_uid="learning-progress")
        page_published.connect(signals.on_page_published, dispatch_uid="learning-published")
        signals.connect_dashboard_invalidation()
