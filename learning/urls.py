from django.urls import path

from learning.views import my_learning, refreshers, stories, team

app_name = "learning"

urlpatterns = [
    path("learn/", my_learning.my_learning, name="my_learning"),
    path("learn/refreshers/<int:pk>/", refreshers.refresher_play, name="refresher"),
    path("learn/stories/", stories.story_list, name="my_stories"),
    path("learn/stories/new/", stories.story_submit, name="story_submit"),
    path("team/", team.team_dashboard, name="team_dashboard"),
    path("team/people/<int:user_id>/", team.person_learning, name="person"),
    path("team/assignments/<int:pk>/nudge/", team.nudge, name="nudge"),
]
