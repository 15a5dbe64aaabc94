"""The authorization matrix: for every project URL, what each role gets.

Keys are URL names ("namespace:name"), or the route for an unnamed pattern. Each entry gives
the answer to a GET for anonymous visitors, a learner (Sam), his manager (Nina), a trainer and
HR, the URL's arguments taken from the sweep's world, and for a view that changes state a POST
as well. A URL the project adds without an entry here fails `test_every_url_is_in_the_matrix`.

A read-only view is also sent a POST, which it must refuse (405) rather than treat as a GET.

The objects are Sam's: his refresher, his certificate, his assignment; the campaign is aimed at
his team. Probes with another person's or another unit's ids are in `sweep_idor.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

ROLES = ("anonymous", "learner", "manager", "trainer", "hr")


@dataclass(frozen=True)
class Expect:
    status: int
    # for a redirect: where to, compared without the query: a path ("/..."), a URL name, or a
    # function giving the path (of the world's ids here; of the world and sides in a probe)
    to: str | Callable[..., str] | None = None
    # the sign-in page must send the person back to the page they asked for
    next: bool = False


@dataclass(frozen=True)
class Entry:
    get: dict[str, Expect]
    kwargs: Callable[[dict], dict] = lambda ids: {}
    post: dict[str, Expect] | None = None
    data: dict = field(default_factory=dict)
    why: str = ""


OK = Expect(200)
LOGIN = Expect(302, "account_login", next=True)  # to sign in, then back here
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
GET_NOT_ALLOWED = Expect(405)  # a POST-only view asked with GET
GET_ONLY = Expect(405)  # a read-only view sent a POST
HOME = Expect(302, "/")
# Wagtail's answer to an admin user without the permission: back to the dashboard, with a message
ADMIN_REFUSED = Expect(302, "wagtailadmin_home")


def by_role(anonymous, learner, manager, trainer, hr) -> dict[str, Expect]:
    return dict(zip(ROLES, (anonymous, learner, manager, trainer, hr), strict=True))


def everyone(expect: Expect) -> dict[str, Expect]:
    return by_role(expect, expect, expect, expect, expect)


def signed_in(expect: Expect, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    """The same for every signed-in role; anonymous visitors are sent to sign in."""
    return by_role(anonymous, expect, expect, expect, expect)


def admin(*, trainer: Expect, hr: Expect) -> dict[str, Expect]:
    """A project screen in the Wagtail admin: learners and managers have no admin access at all
    (Wagtail sends them to sign in as someone who has); trainer and HR as given."""
    return by_role(LOGIN, LOGIN, LOGIN, trainer, hr)


def hr_admin() -> dict[str, Expect]:
    return admin(trainer=ADMIN_REFUSED, hr=OK)


def trainer_admin() -> dict[str, Expect]:
    return admin(trainer=OK, hr=ADMIN_REFUSED)


PLAY = Expect(302, lambda ids: reverse("assessments:play", args=[ids["module_id"]]))
PREVIEW = Expect(302, lambda ids: reverse("learning_org_import_preview", args=[ids["import_id"]]))

TEAM = by_role(LOGIN, FORBIDDEN, OK, FORBIDDEN, OK)  # managers and HR; others are refused
HOLDER_OR_HR = by_role(LOGIN, OK, NOT_FOUND, NOT_FOUND, OK)  # Sam's certificate files

module_id = lambda ids: {"module_id": ids["module_id"]}  # noqa: E731
page_id = lambda ids: {"page_id": ids["module_id"]}  # noqa: E731
certificate_pk = lambda ids: {"pk": ids["certificate_id"]}  # noqa: E731
batch_pk = lambda ids: {"pk": ids["batch_id"]}  # noqa: E731
draft_campaign = lambda ids: {"pk": ids["draft_campaign_id"]}  # noqa: E731
code = lambda ids: {"code": ids["code"]}  # noqa: E731

MATRIX: dict[str, Entry] = {
    "healthz": Entry(
        everyone(OK), post=everyone(GET_ONLY), why="load balancers ask without signing in"
    ),
    # --- the project's screens in the Wagtail admin ---------------------------------------
    "item_analysis_index": Entry(admin(trainer=OK, hr=OK)),
    "item_analysis": Entry(admin(trainer=OK, hr=OK), page_id),
    "learning_org_import": Entry(hr_admin()),
    "learning_org_import_preview": Entry(hr_admin(), lambda ids: {"import_id": ids["import_id"]}),
    "learning_org_import_apply": Entry(
        admin(trainer=GET_NOT_ALLOWED, hr=GET_NOT_ALLOWED),
        lambda ids: {"import_id": ids["import_id"]},
        post=admin(trainer=ADMIN_REFUSED, hr=PREVIEW),
        why="POST only; HR applies the previewed import and sees its page again",
    ),
    "campaigns:index": Entry(hr_admin()),
    "campaigns:index_results": Entry(hr_admin()),
    "campaigns:add": Entry(hr_admin()),
    "campaigns:edit": Entry(hr_admin(), draft_campaign),
    "campaigns:delete": Entry(hr_admin(), draft_campaign),
    "certificates:index": Entry(hr_admin()),
    "certificates:index_results": Entry(hr_admin()),
    "certificates:inspect": Entry(hr_admin(), certificate_pk),
    "certificates:revoke": Entry(hr_admin(), certificate_pk),
    "certificates:reissue": Entry(hr_admin(), certificate_pk),
    "certificates:batches": Entry(hr_admin()),
    "certificates:batch_create": Entry(hr_admin()),
    "certificates:batch": Entry(hr_admin(), batch_pk),
    "certificates:batch_progress": Entry(hr_admin(), batch_pk),
    "certificates:batch_download": Entry(hr_admin(), batch_pk),
    "courses_module_import": Entry(trainer_admin(), why="trainers only: HR does not edit content"),
    "courses_module_export": Entry(trainer_admin(), page_id),
    "courses_module_map": Entry(trainer_admin(), page_id),
    # --- allauth: public auth pages answer anonymous visitors; the signed-in are sent on ------
    "account_login": Entry(signed_in(HOME, anonymous=OK)),
    "account_signup": Entry(signed_in(HOME, anonymous=OK), why="shows 'sign-up closed'"),
    "account_logout": Entry(signed_in(OK, anonymous=HOME), why="GET asks to confirm"),
    "account_inactive": Entry(everyone(OK)),
    "account_email_verification_sent": Entry(everyone(OK)),
    "account_reset_password": Entry(everyone(OK)),
    "account_reset_password_done": Entry(everyone(OK)),
    "account_reset_password_from_key_done": Entry(everyone(OK)),
    "account_reset_password_from_key": Entry(
        everyone(OK),
        lambda ids: {"uidb36": "zz", "key": "not-a-key"},
        why="a wrong key shows 'bad link'",
    ),
    "account_confirm_email": Entry(
        everyone(OK), lambda ids: {"key": "not-a-key"}, why="a wrong key shows 'bad link'"
    ),
    "account_confirm_login_code": Entry(
        signed_in(HOME, anonymous=Expect(302, "account_login")),
        why="no sign-in by code is under way",
    ),
    "account_reauthenticate": Entry(signed_in(OK)),
    "account_email": Entry(signed_in(OK)),
    "account_change_password": Entry(signed_in(OK)),
    "account_set_password": Entry(
        signed_in(Expect(302, "account_change_password")), why="everyone has a password"
    ),
    # --- allauth MFA -----------------------------------------------------------------------
    "mfa_index": Entry(signed_in(OK)),
    "mfa_authenticate": Entry(
        signed_in(HOME, anonymous=Expect(302, "account_login")),
        why="only during a sign-in that waits for the second factor",
    ),
    "mfa_reauthenticate": Entry(
        by_role(
            LOGIN,
            Expect(302, "account_reauthenticate"),
            Expect(302, "account_reauthenticate"),
            OK,
            OK,
        ),
        why="by code for those who have a second factor (the staff), else by password",
    ),
    "mfa_activate_totp": Entry(
        by_role(
            LOGIN,
            Expect(302, "account_reauthenticate"),
            Expect(302, "account_reauthenticate"),
            Expect(302, "account_reauthenticate"),
            Expect(302, "account_reauthenticate"),
        ),
        why="the password again before any change to the second factor",
    ),
    "mfa_deactivate_totp": Entry(
        by_role(
            LOGIN,
            NOT_FOUND,
            NOT_FOUND,
            Expect(302, "account_reauthenticate"),
            Expect(302, "account_reauthenticate"),
        ),
        why="nothing to deactivate without TOTP",
    ),
    "mfa_view_recovery_codes": Entry(signed_in(NOT_FOUND), why="nobody generated codes"),
    "mfa_download_recovery_codes": Entry(signed_in(NOT_FOUND)),
    "mfa_generate_recovery_codes": Entry(signed_in(Expect(302, "account_reauthenticate"))),
    # --- allauth social accounts: no provider is configured --------------------------------
    "socialaccount_login_cancelled": Entry(everyone(OK)),
    "socialaccount_login_error": Entry(everyone(Expect(401))),
    "socialaccount_signup": Entry(everyone(Expect(302, "account_login"))),
    "socialaccount_connections": Entry(signed_in(OK)),
    "accounts/social/login/cancelled/": Entry(
        everyone(Expect(301, "socialaccount_login_cancelled")), why="allauth's old addresses"
    ),
    "accounts/social/login/error/": Entry(everyone(Expect(301, "socialaccount_login_error"))),
    "accounts/social/signup/": Entry(everyone(Expect(301, "socialaccount_signup"))),
    "accounts/social/connections/": Entry(everyone(Expect(301, "socialaccount_connections"))),
    # --- the player: every signed-in person learns; their own records only ------------------
    "assessments:play": Entry(signed_in(OK), module_id, post=signed_in(GET_ONLY)),
    "assessments:start": Entry(
        signed_in(GET_NOT_ALLOWED),
        module_id,
        post=signed_in(PLAY),
    ),
    "assessments:choose": Entry(
        signed_in(GET_NOT_ALLOWED),
        module_id,
        post=by_role(LOGIN, PLAY, Expect(400), Expect(400), Expect(400)),
        data={"step": 0, "scene": "call", "choice": 0},
        why="no open attempt: Sam's replayed step records nothing, the others are refused",
    ),
    "assessments:knowledge_check": Entry(
        by_role(LOGIN, OK, PLAY, PLAY, PLAY),
        module_id,
        why="only Sam played the scenario to an ending",
    ),
    "assessments:reflect": Entry(signed_in(OK), module_id),
    "courses:catalogue": Entry(everyone(Expect(302, "/courses/"))),
    # --- my learning ----------------------------------------------------------------------
    "learning:my_learning": Entry(signed_in(OK), post=signed_in(GET_ONLY)),
    "learning:refresher": Entry(
        by_role(LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda ids: {"pk": ids["refresher_id"]},
        why="a refresher is its owner's alone, even for HR",
    ),
    "learning:my_stories": Entry(signed_in(OK), post=signed_in(GET_ONLY)),
    "learning:story_submit": Entry(signed_in(OK)),
    "learning:certificates": Entry(signed_in(OK), post=signed_in(GET_ONLY)),
    "learning:certificate_pdf": Entry(HOLDER_OR_HR, code, post=signed_in(GET_ONLY)),
    "learning:certificate_credential": Entry(HOLDER_OR_HR, code, post=signed_in(GET_ONLY)),
    # --- team -----------------------------------------------------------------------------
    "learning:team_dashboard": Entry(TEAM),
    "learning:person": Entry(
        by_role(LOGIN, Expect(302, "learning:my_learning"), OK, NOT_FOUND, OK),
        lambda ids: {"user_id": ids["user_id"]},
        why="Sam's own page is My learning",
    ),
    "learning:nudge": Entry(
        everyone(GET_NOT_ALLOWED),
        lambda ids: {"pk": ids["assignment_id"]},
        post=by_role(
            LOGIN,
            FORBIDDEN,
            Expect(302, "learning:team_dashboard"),
            FORBIDDEN,
            Expect(302, "learning:team_dashboard"),
        ),
    ),
    "learning:team_export": Entry(TEAM, lambda ids: {"table": "people", "fmt": "csv"}),
    "learning:campaigns": Entry(TEAM),
    "learning:campaign_cascade": Entry(TEAM, lambda ids: {"pk": ids["campaign_id"]}),
    "learning:campaign_cascade_export": Entry(
        TEAM, lambda ids: {"pk": ids["campaign_id"], "fmt": "xlsx"}
    ),
    # --- public certificate checks --------------------------------------------------------
    "learning:verify_issuer": Entry(everyone(OK), post=everyone(GET_ONLY)),
    "learning:verify": Entry(
        everyone(OK), code, post=everyone(GET_ONLY), why="what the printed certificate says"
    ),
    "learning:verify_credential": Entry(everyone(OK), code, post=everyone(GET_ONLY)),
    "learning:verify_credential_jwt": Entry(everyone(OK), code, post=everyone(GET_ONLY)),
}
