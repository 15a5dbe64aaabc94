"""IDOR probes between the sibling teams, run both ways.

North (Sam, his manager Nina) asks for South's objects (Jo's, Sol's, South's unit and
campaign), and South asks for North's, with the ids in the URL or in the query string.
"""

from assessments.models import Reflection
from learning.models import Notice, Refresher
from tests.security.sweep_probes import (
    COMPANY,
    FORBIDDEN,
    NOT_FOUND,
    OK,
    Expect,
    Probe,
    campaign_pk,
    full_name,
    unit_pk,
    url,
)
from tests.security.sweep_world import (
    ANONYMOUS_STORY,
    PRIVATE_REFLECTIONS,
    REFLECTIONS,
    STORIES,
)


def _notices(w, m, t):
    return Notice.objects.filter(assignment=w.assignments[t.learner]).count()


def _refresher_state(w, m, t):
    return Refresher.objects.values_list("done_at", "scene_key").get(pk=w.refreshers[t.learner].pk)


EXPORT_TABLES = [("people", "csv"), ("modules", "csv"), ("weeks", "csv"), ("three-e", "csv")]
EXPORT_TABLES += [("people", "xlsx")]

SIDED_PROBES: list[Probe] = [
    # --- a learner with the other team's learner's ids ------------------------------------
    Probe(
        "learner-certificate-pdf",
        "learner",
        lambda w, m, t: url("learning:certificate_pdf", w.certificates[t.learner].code),
        NOT_FOUND,
    ),
    Probe(
        "learner-certificate-credential",
        "learner",
        lambda w, m, t: url("learning:certificate_credential", w.certificates[t.learner].code),
        NOT_FOUND,
    ),
    Probe(
        "learner-refresher",
        "learner",
        lambda w, m, t: url("learning:refresher", w.refreshers[t.learner].pk),
        NOT_FOUND,
    ),
    Probe(
        "learner-refresher-answer",
        "learner",
        lambda w, m, t: url("learning:refresher", w.refreshers[t.learner].pk),
        NOT_FOUND,
        method="post",
        data={"scene": "check", "choice": 0},
        state=_refresher_state,
    ),
    Probe(
        "learner-person",
        "learner",
        lambda w, m, t: url("learning:person", w.user(t.learner).pk),
        NOT_FOUND,
    ),
    Probe(
        "learner-nudge",
        "learner",
        lambda w, m, t: url("learning:nudge", w.assignments[t.learner].pk),
        FORBIDDEN,
        method="post",
        state=_notices,
    ),
    Probe(
        "learner-team-of-other-unit",
        "learner",
        lambda w, m, t: url("learning:team_dashboard", unit=unit_pk(w, t)),
        FORBIDDEN,
    ),
    # the player's pages take a module id only: what they show must be the asker's own
    Probe(
        "learner-play",
        "learner",
        lambda w, m, t: url("assessments:play", w.module.pk),
        OK,
    ),
    Probe(
        "learner-knowledge-check",
        "learner",
        lambda w, m, t: url("assessments:knowledge_check", w.module.pk),
        OK,
    ),
    Probe(
        "learner-reflect",
        "learner",
        lambda w, m, t: url("assessments:reflect", w.module.pk),
        OK,
        shows=lambda w, m, t: [REFLECTIONS[m.learner]],
    ),
    Probe(
        "learner-reflect-save",
        "learner",
        lambda w, m, t: url("assessments:reflect", w.module.pk),
        Expect(302, lambda w, m, t: w.module.url),
        method="post",
        data={"text": "A new reflection of my own, long enough to save."},
        state=lambda w, m, t: Reflection.objects.get(user=w.user(t.learner), module=w.module).text,
    ),
    Probe(
        "learner-my-certificates",
        "learner",
        lambda w, m, t: url("learning:certificates"),
        OK,
        shows=lambda w, m, t: [w.certificates[m.learner].code],
    ),
    Probe(
        "learner-my-learning",
        "learner",
        lambda w, m, t: url("learning:my_learning"),
        OK,
        shows=lambda w, m, t: [w.course.title],
    ),
    Probe(
        "learner-my-stories",
        "learner",
        lambda w, m, t: url("learning:my_stories"),
        OK,
        shows=lambda w, m, t: [STORIES[m.learner]],
    ),
    # --- a manager with the sibling team's ids ----------------------------------------------
    Probe(
        "manager-person-of-other-unit",
        "manager",
        lambda w, m, t: url("learning:person", w.user(t.learner).pk),
        NOT_FOUND,
    ),
    Probe(
        "manager-person-sibling-manager",
        "manager",
        lambda w, m, t: url("learning:person", w.user(t.manager).pk),
        NOT_FOUND,
    ),
    Probe(
        "manager-person-above",
        "manager",
        lambda w, m, t: url("learning:person", w.user("leah").pk),
        NOT_FOUND,
        victims=("leah",),
    ),
    Probe(
        "manager-team-of-other-unit",
        "manager",
        lambda w, m, t: url("learning:team_dashboard", unit=unit_pk(w, t)),
        NOT_FOUND,
    ),
    Probe(
        "manager-team-of-other-campaign",
        "manager",
        lambda w, m, t: url("learning:team_dashboard", campaign=campaign_pk(w, t)),
        NOT_FOUND,
    ),
    *[
        Probe(
            f"manager-export-{table}-{fmt}-of-other-unit",
            "manager",
            lambda w, m, t, table=table, fmt=fmt: url(
                "learning:team_export", table, fmt, unit=unit_pk(w, t)
            ),
            NOT_FOUND,
        )
        for table, fmt in EXPORT_TABLES
    ],
    Probe(
        "manager-export-of-other-campaign",
        "manager",
        lambda w, m, t: url("learning:team_export", "people", "csv", campaign=campaign_pk(w, t)),
        NOT_FOUND,
    ),
    Probe(
        "manager-cascade-of-other-campaign",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade", campaign_pk(w, t)),
        NOT_FOUND,
    ),
    Probe(
        "manager-cascade-export-of-other-campaign",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade_export", campaign_pk(w, t), "csv"),
        NOT_FOUND,
    ),
    Probe(
        "manager-cascade-waves-export-of-other-campaign",
        "manager",
        lambda w, m, t: url(
            "learning:campaign_cascade_export", campaign_pk(w, t), "xlsx", table="waves"
        ),
        NOT_FOUND,
    ),
    Probe(
        "manager-own-cascade-rerooted-at-other-unit",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade", campaign_pk(w, m), unit=unit_pk(w, t)),
        NOT_FOUND,
    ),
    Probe(
        "manager-own-cascade-export-rerooted-at-other-unit",
        "manager",
        lambda w, m, t: url(
            "learning:campaign_cascade_export", campaign_pk(w, m), "csv", unit=unit_pk(w, t)
        ),
        NOT_FOUND,
    ),
    Probe(
        "manager-nudge-other-unit",
        "manager",
        lambda w, m, t: url("learning:nudge", w.assignments[t.learner].pk),
        FORBIDDEN,
        method="post",
        state=_notices,
    ),
    Probe(
        "manager-refresher-of-other-unit",
        "manager",
        lambda w, m, t: url("learning:refresher", w.refreshers[t.learner].pk),
        NOT_FOUND,
    ),
    Probe(
        "manager-certificate-pdf-of-other-unit",
        "manager",
        lambda w, m, t: url("learning:certificate_pdf", w.certificates[t.learner].code),
        NOT_FOUND,
    ),
    Probe(
        "manager-team-of-parent-unit",
        "manager",
        lambda w, m, t: url("learning:team_dashboard", unit=w.units["northwind"].pk),
        NOT_FOUND,
        victims=("learner", "manager", "leah"),
    ),
    Probe(
        "manager-export-of-parent-unit",
        "manager",
        lambda w, m, t: url("learning:team_export", "people", "csv", unit=w.units["northwind"].pk),
        NOT_FOUND,
        victims=("learner", "manager", "leah"),
    ),
    Probe(
        "manager-company-cascade-rerooted-at-parent-unit",
        "manager",
        lambda w, m, t: url(
            "learning:campaign_cascade", campaign_pk(w, COMPANY), unit=w.units["northwind"].pk
        ),
        NOT_FOUND,
    ),
    # what a manager may see shows their own team and nothing of the sibling team
    Probe(
        "manager-team",
        "manager",
        lambda w, m, t: url("learning:team_dashboard"),
        OK,
        shows=lambda w, m, t: [full_name(w, m.learner), REFLECTIONS[m.learner]],
    ),
    Probe(
        "manager-team-of-own-unit",
        "manager",
        lambda w, m, t: url("learning:team_dashboard", unit=unit_pk(w, m)),
        OK,
        shows=lambda w, m, t: [full_name(w, m.learner)],
    ),
    Probe(
        "manager-export-people",
        "manager",
        lambda w, m, t: url("learning:team_export", "people", "csv"),
        OK,
        shows=lambda w, m, t: [full_name(w, m.learner), w.user(m.learner).email],
    ),
    Probe(
        "manager-campaigns",
        "manager",
        lambda w, m, t: url("learning:campaigns"),
        OK,
        shows=lambda w, m, t: [w.campaigns[m.campaign].name],
        absent=lambda w, m, t: [w.campaigns[t.campaign].name],
    ),
    Probe(
        "manager-own-cascade",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade", campaign_pk(w, m)),
        OK,
        shows=lambda w, m, t: [w.campaigns[m.campaign].name],
        absent=lambda w, m, t: [w.campaigns[t.campaign].name],
    ),
    Probe(
        "manager-person-hides-private-reflection",
        "manager",
        lambda w, m, t: url("learning:person", w.user(m.learner).pk),
        OK,
        shows=lambda w, m, t: [full_name(w, m.learner)],
        absent=lambda w, m, t: [PRIVATE_REFLECTIONS[m.learner]],
    ),
    Probe(
        "manager-team-hides-private-reflection",
        "manager",
        lambda w, m, t: url("learning:team_dashboard", unit=unit_pk(w, m)),
        OK,
        shows=lambda w, m, t: [REFLECTIONS[m.learner]],
        absent=lambda w, m, t: [PRIVATE_REFLECTIONS[m.learner]],
    ),
    Probe(
        "learner-own-private-reflection",
        "learner",
        lambda w, m, t: url("assessments:reflect", w.second_module.pk),
        OK,
        shows=lambda w, m, t: [PRIVATE_REFLECTIONS[m.learner]],
    ),
    Probe(
        "manager-company-cascade",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade", campaign_pk(w, COMPANY)),
        OK,
        shows=lambda w, m, t: [w.campaigns["company"].name],
    ),
    Probe(
        "manager-company-cascade-units-export",
        "manager",
        lambda w, m, t: url("learning:campaign_cascade_export", campaign_pk(w, COMPANY), "csv"),
        OK,
        shows=lambda w, m, t: [w.units[m.unit].full_name],
        absent=lambda w, m, t: [w.units[t.unit].full_name],
    ),
    Probe(
        "manager-stories",
        "manager",
        lambda w, m, t: url("learning:my_stories"),
        OK,
        shows=lambda w, m, t: [STORIES[m.learner]],
        absent=lambda w, m, t: [ANONYMOUS_STORY],  # kept from the manager, even Sam's own
    ),
    Probe(
        "manager-person-of-own-unit",
        "manager",
        lambda w, m, t: url("learning:person", w.user(m.learner).pk),
        OK,
        shows=lambda w, m, t: [full_name(w, m.learner)],
    ),
]
