"""IDOR probes on the staff screens and with ids that do not exist or are of the wrong kind.

Staff probes: a trainer, a manager or a learner with ids of HR's objects (certificates,
downloads, the org import, campaigns), a POST that must change nothing; what HR, the trainer's
item analysis and the public verification may show, and what never. Wrong ids: a course where
a module is wanted, a missing id, an unknown code, table or format; always a 404, never a 500.
"""

from learning.models import Campaign, Certificate, CertificateBatch, OrgImport
from tests.security.sweep_matrix import ADMIN_REFUSED, LOGIN
from tests.security.sweep_probes import (
    FORBIDDEN,
    MISSING,
    NOT_FOUND,
    OK,
    Expect,
    Probe,
    full_name,
    url,
)
from tests.security.sweep_world import PRIVATE_REFLECTIONS, REFLECTIONS

# what each item analysis table holds of the module: its content, counted, never people
ITEM_ANALYSIS_SHOWS = {
    "scenes": "The phone rings",
    "paths": "Poor ending",  # a header: both learners kept the customer
    "questions": "What went wrong?",
}


def _sam_certificate(w, m=None, t=None):
    return w.certificates["sam"]


def _certificate_state(w, m, t):
    certificate = _sam_certificate(w)
    return (
        Certificate.objects.filter(pk=certificate.pk).values_list("revoked_at").get(),
        Certificate.objects.count(),
    )


STAFF_PROBES: list[Probe] = [
    Probe(
        "trainer-batch-download",
        "trainer",
        lambda w, m, t: url("certificates:batch_download", w.batch.pk),
        ADMIN_REFUSED,
        victims=("sam", "jo"),
    ),
    Probe(
        "trainer-batch-create",
        "trainer",
        lambda w, m, t: url("certificates:batch_create"),
        ADMIN_REFUSED,
        method="post",
        victims=("sam", "jo"),
        state=lambda w, m, t: CertificateBatch.objects.count(),
    ),
    Probe(
        "trainer-org-import-preview",
        "trainer",
        lambda w, m, t: url("learning_org_import_preview", w.org_import.pk),
        ADMIN_REFUSED,
        victims=("sam", "jo"),
        absent=lambda w, m, t: ["Samuel"],
    ),
    Probe(
        "trainer-org-import-apply",
        "trainer",
        lambda w, m, t: url("learning_org_import_apply", w.org_import.pk),
        ADMIN_REFUSED,
        method="post",
        victims=("sam",),
        state=lambda w, m, t: OrgImport.objects.values_list("status").get(pk=w.org_import.pk),
    ),
    Probe(
        "manager-org-import-apply",
        "nina",
        lambda w, m, t: url("learning_org_import_apply", w.org_import.pk),
        LOGIN,
        method="post",
        victims=("sam",),
        state=lambda w, m, t: OrgImport.objects.values_list("status").get(pk=w.org_import.pk),
    ),
    Probe(
        "trainer-certificate-inspect",
        "trainer",
        lambda w, m, t: url("certificates:inspect", _sam_certificate(w).pk),
        ADMIN_REFUSED,
        victims=("sam",),
    ),
    Probe(
        "trainer-certificate-revoke",
        "trainer",
        lambda w, m, t: url("certificates:revoke", _sam_certificate(w).pk),
        ADMIN_REFUSED,
        method="post",
        data={"reason": "Probing"},
        victims=("sam",),
        state=_certificate_state,
    ),
    Probe(
        "trainer-certificate-reissue",
        "trainer",
        lambda w, m, t: url("certificates:reissue", _sam_certificate(w).pk),
        ADMIN_REFUSED,
        method="post",
        victims=("sam",),
        state=_certificate_state,
    ),
    Probe(
        "learner-certificate-revoke-own",
        "sam",
        lambda w, m, t: url("certificates:revoke", _sam_certificate(w).pk),
        LOGIN,
        method="post",
        data={"reason": "Probing"},
        victims=("jo",),
        state=_certificate_state,
    ),
    Probe(
        "learner-certificate-revoke-other",
        "jo",
        lambda w, m, t: url("certificates:revoke", _sam_certificate(w).pk),
        LOGIN,
        method="post",
        data={"reason": "Probing"},
        victims=("sam",),
        state=_certificate_state,
    ),
    Probe(
        "trainer-campaign-edit",
        "trainer",
        lambda w, m, t: url("campaigns:edit", w.campaigns["north"].pk),
        ADMIN_REFUSED,
        method="post",
        data={"name": "Renamed by a trainer"},
        victims=("sam",),
        state=lambda w, m, t: Campaign.objects.values_list("name").get(pk=w.campaigns["north"].pk),
    ),
    Probe(
        "trainer-campaign-delete",
        "trainer",
        lambda w, m, t: url("campaigns:delete", w.campaigns["draft"].pk),
        ADMIN_REFUSED,
        method="post",
        victims=("sam",),
        state=lambda w, m, t: Campaign.objects.filter(pk=w.campaigns["draft"].pk).exists(),
    ),
    Probe(
        "manager-campaign-delete",
        "nina",
        lambda w, m, t: url("campaigns:delete", w.campaigns["draft"].pk),
        LOGIN,
        method="post",
        victims=("sam",),
        state=lambda w, m, t: Campaign.objects.filter(pk=w.campaigns["draft"].pk).exists(),
    ),
    Probe(
        "trainer-person",
        "trainer",
        lambda w, m, t: url("learning:person", w.user("sam").pk),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "trainer-team-export",
        "trainer",
        lambda w, m, t: url("learning:team_export", "people", "csv"),
        FORBIDDEN,
        victims=("sam", "jo"),
    ),
    *[
        Probe(
            f"trainer-item-analysis-{table}-{fmt}",
            "trainer",
            lambda w, m, t, table=table, fmt=fmt: url(
                "item_analysis", w.module.pk, format=fmt, table=table
            ),
            OK,
            victims=("sam", "jo"),
            shows=lambda w, m, t, table=table: [ITEM_ANALYSIS_SHOWS[table]],
        )
        for table in ("scenes", "paths", "questions")
        for fmt in ("csv", "xlsx")
    ],
    Probe(
        "trainer-item-analysis",
        "trainer",
        lambda w, m, t: url("item_analysis", w.module.pk),
        OK,
        victims=("sam", "jo"),
        shows=lambda w, m, t: [w.module.title],
    ),
    Probe(
        "manager-nudge-sent-elsewhere",
        "nina",
        lambda w, m, t: url("learning:nudge", w.assignments["sam"].pk),
        Expect(302, "learning:team_dashboard"),
        method="post",
        data={"next": "https://elsewhere.example/phish"},
        victims=("jo",),
    ),
    Probe(
        "hr-person-hides-private-reflection",
        "hr",
        lambda w, m, t: url("learning:person", w.user("sam").pk),
        OK,
        victims=("jo",),
        shows=lambda w, m, t: [full_name(w, "sam")],
        absent=lambda w, m, t: [PRIVATE_REFLECTIONS["sam"]],
    ),
    Probe(
        "hr-team-hides-private-reflections",
        "hr",
        lambda w, m, t: url("learning:team_dashboard"),
        OK,
        victims=(),
        shows=lambda w, m, t: [REFLECTIONS["sam"], REFLECTIONS["jo"]],
        absent=lambda w, m, t: list(PRIVATE_REFLECTIONS.values()),
    ),
    *[
        Probe(
            f"anonymous-{name.split(':')[1]}-names-no-account",
            "anonymous",
            lambda w, m, t, name=name: url(name, w.certificates["sam"].code),
            OK,
            victims=("jo",),
            shows=lambda w, m, t: [full_name(w, "sam")],
            absent=lambda w, m, t: [w.user("sam").email, REFLECTIONS["sam"]],
        )
        for name in ("learning:verify", "learning:verify_credential")
    ],
    Probe(
        "hr-refresher-of-a-learner",
        "hr",
        lambda w, m, t: url("learning:refresher", w.refreshers["sam"].pk),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-person-of-any-unit",
        "hr",
        lambda w, m, t: url("learning:person", w.user("jo").pk),
        OK,
        victims=("sam",),
        shows=lambda w, m, t: [full_name(w, "jo"), w.certificates["jo"].code],
    ),
]

# --- ids that do not exist, or are of the wrong kind (a course where a module is wanted) -------


def _course(w) -> int:
    return w.course.pk


WRONG_ID_PROBES: list[Probe] = [
    *[
        Probe(
            f"learner-{name.split(':')[1]}-{label}",
            "sam",
            lambda w, m, t, name=name, pick=pick: url(name, pick(w)),
            NOT_FOUND,
            victims=("jo",),
        )
        for name in ("assessments:play", "assessments:knowledge_check", "assessments:reflect")
        for label, pick in (("course-id", _course), ("missing-id", lambda w: MISSING))
    ],
    Probe(
        "learner-start-course-id",
        "sam",
        lambda w, m, t: url("assessments:start", _course(w)),
        NOT_FOUND,
        method="post",
        victims=("jo",),
    ),
    Probe(
        "learner-choose-course-id",
        "sam",
        lambda w, m, t: url("assessments:choose", _course(w)),
        NOT_FOUND,
        method="post",
        data={"step": 0, "scene": "call", "choice": 0},
        victims=("jo",),
    ),
    Probe(
        "learner-refresher-missing",
        "sam",
        lambda w, m, t: url("learning:refresher", MISSING),
        NOT_FOUND,
        victims=("jo",),
    ),
    Probe(
        "hr-person-missing",
        "hr",
        lambda w, m, t: url("learning:person", MISSING),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-nudge-missing",
        "hr",
        lambda w, m, t: url("learning:nudge", MISSING),
        NOT_FOUND,
        method="post",
        victims=("sam",),
    ),
    Probe(
        "hr-certificate-pdf-unknown-code",
        "hr",
        lambda w, m, t: url("learning:certificate_pdf", "NOPE-not-a-code"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "anonymous-verify-unknown-code",
        "anonymous",
        lambda w, m, t: url("learning:verify", "NOPE-not-a-code"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "anonymous-verify-credential-unknown-code",
        "anonymous",
        lambda w, m, t: url("learning:verify_credential", "NOPE-not-a-code"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-cascade-missing",
        "hr",
        lambda w, m, t: url("learning:campaign_cascade", MISSING),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-cascade-unit-not-a-number",
        "hr",
        lambda w, m, t: url("learning:campaign_cascade", w.campaigns["north"].pk, unit="x"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-cascade-unit-outside-the-campaign",
        "hr",
        lambda w, m, t: url(
            "learning:campaign_cascade", w.campaigns["north"].pk, unit=w.units["south"].pk
        ),
        NOT_FOUND,
        victims=("jo",),
    ),
    Probe(
        "hr-cascade-export-unknown-table",
        "hr",
        lambda w, m, t: url(
            "learning:campaign_cascade_export", w.campaigns["north"].pk, "csv", table="people"
        ),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-cascade-export-unknown-format",
        "hr",
        lambda w, m, t: url("learning:campaign_cascade_export", w.campaigns["north"].pk, "pdf"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-team-export-unknown-table",
        "hr",
        lambda w, m, t: url("learning:team_export", "users", "csv"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-team-export-unknown-format",
        "hr",
        lambda w, m, t: url("learning:team_export", "people", "json"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "trainer-item-analysis-unknown-table",
        "trainer",
        lambda w, m, t: url("item_analysis", w.module.pk, format="csv", table="people"),
        NOT_FOUND,
        victims=("sam",),
    ),
    Probe(
        "hr-team-unit-missing",
        "hr",
        lambda w, m, t: url("learning:team_dashboard", unit=MISSING),
        NOT_FOUND,
        victims=("sam",),
    ),
    *[
        Probe(
            f"hr-{name.split(':')[1]}-missing",
            "hr",
            lambda w, m, t, name=name: url(name, MISSING),
            NOT_FOUND,
            victims=("sam",),
        )
        for name in (
            "certificates:inspect",
            "certificates:revoke",
            "certificates:reissue",
            "certificates:batch",
            "certificates:batch_progress",
            "certificates:batch_download",
            "campaigns:edit",
            "campaigns:delete",
        )
    ],
    Probe(
        "hr-org-import-preview-missing",
        "hr",
        lambda w, m, t: url("learning_org_import_preview", MISSING),
        NOT_FOUND,
        victims=("sam",),
    ),
    *[
        Probe(
            f"trainer-{name}-{label}",
            "trainer",
            lambda w, m, t, name=name, pick=pick: url(name, pick(w)),
            NOT_FOUND,
            victims=("sam",),
        )
        for name in ("item_analysis", "courses_module_map", "courses_module_export")
        for label, pick in (("course-id", _course), ("missing-id", lambda w: MISSING))
    ],
]
