from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("<int:module_id>/play/", views.play, name="play"),
    path("<int:module_id>/play/start/", views.start, name="start"),
    path("<int:module_id>/play/choose/", views.choose, name="choose"),
    path("<int:module_id>/check/", views.knowledge_check, name="knowledge_check"),
    path("<int:module_id>/reflect/", views.reflect, name="reflect"),
]
