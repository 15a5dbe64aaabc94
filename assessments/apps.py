from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from assessments.signals import forget_playable_module
        from courses.models import ModulePage

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(forget_playable_module)
        post_delete.connect(forget_playable_module, sender=ModulePage)
