"""axe-core on every page a learner, a manager, HR and a trainer see (issue 7).

Each journey walks a lived-in company (the demo, some weeks into its rollout) as the person
would, runs axe (WCAG 2.x A and AA, plus best practices) on every page and state on the way,
and fails on any violation of impact "serious" or "critical", listing the rule, the impact,
the elements and the page. Every finding, minor ones too, is saved to
`test-artifacts/e2e/axe-<journey>.json`.

A last test keeps the list honest: every URL name of the learner-facing URLconfs and of the
project's own admin screens has an axe visit, or is named here as not being a page.
"""

import itertools
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from assessments.selectors import scenario_for_revision
from tests.conftest import totp_code
from tests.e2e.a11y_axe import Audit
from tests.e2e.a11y_world import (
    ADMIN,
    HR,
    LEARNER,
    MANAGER,
    PASSWORD,
    TEAMMATE,
    TRAINER,
    build_world,
)
from tests.e2e.steps import sign_in, sign_in_staff

# --- what each journey must have audited (checked against the URLs axe actually saw) --------

LEARNER_PAGES = {
    "wagtail_serve",  # home, catalogue's course and module pages
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_change_password",
    "account_email",
    "mfa_index",
    "mfa_activate_totp",
    "courses:catalogue",
    "assessments:play",
    "assessments:knowledge_check",
    "assessments:reflect",
    "learning:my_learning",
    "learning:refresher",
    "learning:my_stories",
    "learning:story_submit",
    "learning:certificates",
    "learning:certificate_pdf",  # a PDF, or a page saying the certificate was revoked
    "learning:verify",
}
MANAGER_PAGES = {
    "learning:team_dashboard",
    "learning:person",
    "learning:campaigns",
    "learning:campaign_cascade",
    "learning:my_stories",
}
STAFF_PAGES = {
    "mfa_authenticate",
    "account_reauthenticate",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "wagtailadmin_home",
    "wagtailadmin_pages:edit",
    "learning:team_dashboard",
    "learning:campaigns",
    "learning:campaign_cascade",
    "learning_org_import",
    "learning_org_import_preview",
    "certificates:index",
    "certificates:inspect",
    "certificates:revoke",
    "certificates:reissue",
    "certificates:batches",
    "certificates:batch_create",
    "certificates:batch",
    "campaigns:index",
    "campaigns:add",
    "campaigns:edit",
    "item_analysis_index",
    "item_analysis",
    "courses_module_import",
    "courses_module_map",
}

# Wagtail's own markup in its page editor, with open upstream issues: Draftail's editable area
# has no accessible name (wagtail/wagtail#14205), and the collapsed minimap is a scrollable
# list whose links are hidden from the keyboard. Everything else on the page is checked.
WAGTAIL_KNOWN_ISSUES = (".public-DraftEditor-content", ".w-minimap__list")

# URL names that answer with something other than an HTML page, or only to a POST.
NOT_PAGES = {
    "learning:certificate_credential": "JSON (Open Badges)",
    "learning:nudge": "POST only; redirects to the team page",
    "learning:team_export": "a CSV or XLSX file",
    "learning:campaign_cascade_export": "a CSV or XLSX file",
    "learning:verify_issuer": "JSON (Open Badges issuer)",
    "learning:verify_credential": "JSON (Open Badges)",
    "learning:verify_credential_jwt": "a signed JWT",
    "assessments:start": "POST only; redirects to the player",
    "assessments:choose": "POST only; redirects to the player",
    "learning_org_import_apply": "POST only; redirects to the preview",
    "courses_module_export": "a YAML file",
    "certificates:index_results": "the listing's htmx fragment (audited inside the index)",
    "certificates:batch_progress": "the download's htmx fragment (audited inside its page)",
    "certificates:batch_download": "a ZIP file",
}


def _choice_labels_to_an_ending(module) -> list[str]:
    """The labels of the choices along the shortest way from the start to an ending."""
    scenario = scenario_for_revision(module.live_revision_id)
    keys = scenario.shortest_path_to_ending_from(scenario.start().scene_key)
    return [
        next(c.label for c in scenario.scene(here).choices if c.next == there)
        for here, there in itertools.pairwise(keys)
    ]


# --- the learner ---------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_learner_pages_have_no_serious_accessibility_violations(
    page, live_server, screenshot, settings
):
    world = build_world()
    audit = Audit(page, "learner", base=live_server.url)

    # signed out: home, sign in (and its error), password reset, verification, 404
    audit.visit("/", "home, signed out")
    audit.visit("/accounts/login/", "sign in")
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator(".message--error, .errorlist").first).to_be_visible()
    audit.check("sign in, wrong password")
    audit.visit("/accounts/password/reset/", "password reset")
    # a teammate asks: asking leaves the address unverified, and then allauth refuses to set
    # up a second factor (the learner does that further on; see the report)
    page.get_by_label("Email").fill(TEAMMATE)
    page.get_by_role("button", name=re.compile("reset", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/"))
    audit.check("password reset sent")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body)
    audit.visit(urlsplit(link.group(0)).path, "password reset, new password", redirects=True)
    for field in page.locator("form input[type=password]").all():
        field.fill(PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/key/done/"))
    audit.check("password reset, done")
    # so that the fifth lookup shows the "wait" page: a fixed window 1,000 days long, which
    # these five lookups cannot straddle (with "4/m" a minute's turn reset the count)
    settings.VERIFY_RATE_LIMIT = "4/1000d"
    audit.visit(f"/verify/{world.certificate.code}/", "verify, valid")
    screenshot("a11y-verify")
    audit.visit(f"/verify/{world.revoked.code}/", "verify, revoked")
    audit.visit(f"/verify/{world.expired.code}/", "verify, expired")
    audit.visit("/verify/NOSUCHCODE0000/", "verify, unknown code", status=404)
    audit.visit(f"/verify/{world.certificate.code}/", "verify, too many lookups", status=429)
    audit.visit("/no-such-page/", "404", status=404)

    sign_in(page, live_server, LEARNER, PASSWORD)
    audit.check("home, signed in")
    audit.visit("/catalogue/", "catalogue", redirects=True)
    audit.visit(world.course.url, "course")
    module = world.modules[0]
    audit.visit(module.url, "module, not started")
    page.get_by_role("link", name="Start", exact=True).click()
    audit.check("player, ready to start")
    page.get_by_role("button", name="Start the scenario").click()
    audit.check("player, first scene")
    screenshot("a11y-scene")
    labels = _choice_labels_to_an_ending(module)
    for n, label in enumerate(labels, start=1):
        page.get_by_role("button", name=label, exact=True).click()
        audit.check("player, the ending" if n == len(labels) else f"player, feedback {n}")
    expect(page.get_by_role("heading", name="The path you took")).to_be_visible()
    screenshot("a11y-ending")
    page.get_by_role("link", name="Take the knowledge check").click()
    audit.check("knowledge check")
    for i, question in enumerate(module.questions_data()):
        for j, option in enumerate(question["options"]):
            if option["correct"]:
                page.locator(f"#q{i}-{j}").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    audit.check("knowledge check result")
    page.get_by_role("link", name="Write your reflection").click()
    audit.check("reflection")
    page.get_by_role("button", name="Save my reflection").click()
    audit.check("reflection, with an error")
    page.get_by_label("Your reflection").fill("Promises made on the phone belong in the system.")
    page.get_by_label("My manager may read this reflection").check()
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_text("Your reflection is saved.")).to_be_visible()
    audit.check("module, steps done")
    audit.visit(world.modules[1].url, "module, in progress")
    audit.visit(f"/learn/modules/{world.modules[1].pk}/play/", "player, resumed")

    audit.visit("/learn/", "my learning")
    screenshot("a11y-my-learning")
    audit.visit(f"/learn/refreshers/{world.refresher.pk}/", "refresher, question")
    page.locator("form button[name=choice]").first.click()
    audit.check("refresher, answered")
    audit.visit(f"/learn/refreshers/{world.refresher_later.pk}/", "refresher, not yet due")
    audit.visit("/learn/stories/", "my stories")
    audit.visit("/learn/stories/new/", "story form")
    page.get_by_role("button", name=re.compile("send|submit", re.I)).click()
    audit.check("story form, with errors")
    audit.visit("/learn/certificates/", "my certificates")
    for status in ("Valid", "Expired", "Revoked"):
        expect(page.get_by_text(status, exact=True).first).to_be_attached()
    revoked_pdf = f"/learn/certificates/{world.revoked.code}/certificate.pdf"
    audit.visit(revoked_pdf, "certificate PDF, revoked", status=410)
    audit.visit("/accounts/password/change/", "account, password")
    audit.visit("/accounts/2fa/", "two-factor authentication")
    audit.visit("/accounts/2fa/totp/activate/", "two-factor, confirm password", redirects=True)
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page).to_have_url(re.compile(r"^[^?]*/accounts/2fa/totp/activate/$"))
    audit.check("two-factor, set up")
    # after the 2FA pages, for the same reason as the password reset above
    audit.visit("/accounts/email/", "account, email")
    audit.visit("/team/", "403, a learner on the team page", status=403)

    audit.assert_clean(url_names=LEARNER_PAGES)


# --- the manager ---------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_manager_pages_have_no_serious_accessibility_violations(page, live_server, screenshot):
    world = build_world()
    audit = Audit(page, "manager", base=live_server.url)

    sign_in(page, live_server, MANAGER, PASSWORD)
    audit.check("home, manager")
    audit.visit("/team/", "team dashboard")
    expect(page.get_by_text("A sticky note is not a booking system")).to_be_visible()
    screenshot("a11y-team")
    audit.visit(
        f"/team/?unit={world.unit.pk}&campaign={world.campaign.pk}&status=overdue",
        "team dashboard, filtered",
    )
    audit.visit("/team/?sort=-completion&status=in_progress", "team dashboard, sorted")
    page.get_by_role("link", name=world.learner.display_name).first.click()
    expect(page.get_by_role("heading", name=world.learner.display_name)).to_be_visible()
    audit.check("person page")
    audit.visit("/team/campaigns/", "campaigns")
    audit.visit(f"/team/campaigns/{world.campaign.pk}/", "cascade")
    screenshot("a11y-cascade")
    audit.visit(f"/team/campaigns/{world.campaign.pk}/?unit={world.unit.pk}", "cascade, one unit")
    audit.visit("/learn/stories/", "stories, with the team's")
    audit.visit("/learn/", "my learning, manager")

    audit.assert_clean(url_names=MANAGER_PAGES)


# --- HR and the trainer --------------------------------------------------------------------------

ORG_CSV = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "NW-9001,new.starter@northwind.example,New,Starter,Sales Executive,"
    "Northwind Motors/Sales/North/Leeds Showroom,\n"
)
BAD_CSV = "employee_id,email\nNW-9002,not-an-email\n"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_hr_and_trainer_pages_have_no_serious_accessibility_violations(
    page, live_server, screenshot, tmp_path
):
    world = build_world()
    audit = Audit(page, "staff", base=live_server.url)

    audit.visit("/accounts/login/", "sign in, staff")
    page.get_by_label("Email").fill(HR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_label("Code")).to_be_visible()
    audit.check("sign in, second factor")
    page.get_by_label("Code").fill(totp_code(world.hr_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    audit.visit("/admin/", "admin dashboard (Wagtail's)")

    audit.visit("/team/", "team dashboard, HR")
    audit.visit("/team/campaigns/", "campaigns, HR")
    audit.visit(f"/team/campaigns/{world.campaign.pk}/", "cascade, HR")

    audit.visit("/admin/org/import/", "org import")
    good, bad = tmp_path / "org.csv", tmp_path / "bad.csv"
    good.write_text(ORG_CSV)
    bad.write_text(BAD_CSV)
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_role("button", name=re.compile("check|preview|upload", re.I)).click()
    expect(page).to_have_url(re.compile(r"/admin/org/import/\d+/"))
    audit.check("org import preview")
    screenshot("a11y-org-import-preview")
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_role("button", name="Apply these changes")).to_have_count(0)
    audit.check("org import, applied")
    audit.visit("/admin/org/import/", "org import, with the last upload")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name=re.compile("check|preview|upload", re.I)).click()
    expect(page).to_have_url(re.compile(r"/admin/org/import/\d+/"))
    audit.check("org import preview, rejected")

    audit.visit("/admin/certificates/", "certificates")
    screenshot("a11y-certificates")
    audit.visit(
        f"/admin/certificates/?unit={world.unit.pk}&status=revoked", "certificates, filtered"
    )
    audit.visit(f"/admin/certificates/inspect/{world.certificate.pk}/", "certificate")
    audit.visit(f"/admin/certificates/{world.certificate.pk}/revoke/", "certificate, revoke")
    audit.visit(f"/admin/certificates/{world.certificate.pk}/reissue/", "certificate, reissue")
    audit.visit("/admin/certificates/downloads/", "certificate downloads")
    audit.visit(
        f"/admin/certificates/downloads/new/?unit={world.unit.pk}", "certificate download, new"
    )
    audit.visit(
        f"/admin/certificates/downloads/{world.batch.pk}/", "certificate download, progress"
    )

    audit.visit("/admin/campaigns/", "campaigns admin")
    audit.visit("/admin/campaigns/new/", "campaign form, new")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator(".error-message, .help-critical").first).to_be_visible()
    audit.check("campaign form, with errors")
    audit.visit(f"/admin/campaigns/edit/{world.campaign.pk}/", "campaign form, edit")

    page.context.clear_cookies()
    sign_in_staff(page, live_server, TRAINER, world.trainer_secret, PASSWORD)
    audit.visit("/admin/item-analysis/", "item analysis")
    audit.visit(f"/admin/item-analysis/{world.modules[0].pk}/", "item analysis, one module")
    screenshot("a11y-item-analysis")
    audit.visit("/admin/modules/import/", "module import")
    audit.visit(f"/admin/modules/{world.modules[0].pk}/map/", "scenario map")
    editor = f"/admin/pages/{world.modules[0].pk}/edit/"
    audit.visit(editor, "module editor (Wagtail's)", exclude=WAGTAIL_KNOWN_ISSUES)
    screenshot("a11y-module-editor")

    # staff without a second factor are sent to set one up before the admin
    page.context.clear_cookies()
    sign_in(page, live_server, ADMIN, PASSWORD)
    audit.visit("/admin/", "staff sent to set up a second factor", redirects=True)
    expect(page.get_by_text("needs two-factor authentication")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    audit.check("two-factor, set up (staff)")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    audit.check("two-factor, recovery codes")

    audit.assert_clean(url_names=STAFF_PAGES)


# --- nothing forgotten ---------------------------------------------------------------------------


def _url_names() -> set[str]:
    from wagtail import hooks

    import assessments.urls
    import courses.urls
    import learning.urls
    from learning.admin_certificates import NAMESPACE, CertificateViewSet

    names = {
        f"{conf.app_name}:{pattern.name}"
        for conf in (learning.urls, assessments.urls, courses.urls)
        for pattern in conf.urlpatterns
    }
    for hook in hooks.get_hooks("register_admin_urls"):
        if hook.__module__.split(".")[0] in {"home", "courses", "assessments", "learning"}:
            names |= {pattern.name for pattern in hook()}
    names |= {f"{NAMESPACE}:{p.name}" for p in CertificateViewSet(NAMESPACE).get_urlpatterns()}
    return names


def test_every_page_of_the_project_has_an_axe_visit():
    names = _url_names()
    audited = LEARNER_PAGES | MANAGER_PAGES | STAFF_PAGES
    missing = names - audited - set(NOT_PAGES)
    assert not missing, (
        f"URL names with no axe visit (audit them, or list them in NOT_PAGES): {sorted(missing)}"
    )
    both = audited & set(NOT_PAGES)
    assert not both, f"audited and listed as not pages: {sorted(both)}"
    unknown = set(NOT_PAGES) - names
    assert not unknown, f"NOT_PAGES names no URL any more: {sorted(unknown)}"
