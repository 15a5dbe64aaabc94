from django.urls import path

from learning.views import (
    cascade,
    certificates,
    my_learning,
    refreshers,
    stories,
    team,
    verify,
)

app_name = "learning"

urlpatterns = [
    path("learn/", my_learning.my_learning, name="my_learning"),
    path("learn/refreshers/<int:pk>/", refreshers.refresher_play, name="refresher"),
    path("learn/stories/", stories.story_list, name="my_stories"),
    path("learn/stories/new/", stories.story_submit, name="story_submit"),
    path("learn/certificates/", certificates.my_certificates, name="certificates"),
    path(
        "learn/certificates/<str:code>/certificate.pdf",
        certificates.certificate_pdf,
        name="certificate_pdf",
    ),
    path(
        "learn/certificates/<str:code>/credential.json",
        certificates.certificate_credential,
        name="certificate_credential",
    ),
    path("team/", team.team_dashboard, name="team_dashboard"),
    path("team/people/<int:user_id>/", team.person_learning, name="person"),
    path("team/assignments/<int:pk>/nudge/", team.nudge, name="nudge"),
    path("team/export/<str:table>.<str:fmt>", team.team_export, name="team_export"),
    path("team/campaigns/", cascade.campaign_list, name="campaigns"),
    path("team/campaigns/<int:pk>/", cascade.campaign_cascade, name="campaign_cascade"),
    path(
        "team/campaigns/<int:pk>/units.<str:fmt>",
        cascade.campaign_cascade_export,
        name="campaign_cascade_export",
    ),
    path("verify/issuer.json", verify.issuer_profile, name="verify_issuer"),
    path("verify/<str:code>/", verify.verify, name="verify"),
    path("verify/<str:code>/credential.json", verify.credential_json, name="verify_credential"),
    path("verify/<str:code>/credential.jwt", verify.credential_jwt, name="verify_credential_jwt"),
]
