"""Read queries for the site's root pages."""

import functools
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from home.permissions import (
    user_can_access_admin,
    user_can_view_team,
    user_is_signed_in,
    user_must_set_up_mfa,
)

BRANDING_CACHE_KEY = "cx:branding"


@dataclass(frozen=True)
class Branding:
    organisation_name: str
    logo_id: int | None
    support_email: str
    footer_text: str
    signatory_name: str = ""
    signatory_title: str = ""
    signature_id: int | None = None
    accent_colour: str = ""


BRANDING_LOCAL_SECONDS = 30
_branding_local: dict = {}


def branding() -> Branding:
    """The organisation's branding, on every page.

    Kept in the shared cache until HR saves it (home.signals), and for a few seconds in this
    process too: other processes show a change within BRANDING_LOCAL_SECONDS.
    """
    local = _branding_local.get("value")
    if local is not None and local[1] > time.monotonic():
        return local[0]
    cached = cache.get(BRANDING_CACHE_KEY)
    if cached is None:
        from home.models import BrandingSettings

        row = BrandingSettings.load()
        cached = Branding(
            row.organisation_name,
            row.logo_id,
            row.support_email,
            row.footer_text,
            signatory_name=row.signatory_name,
            signatory_title=row.signatory_title,
            signature_id=row.signature_id,
            accent_colour=row.accent_colour,
        )
        cache.set(BRANDING_CACHE_KEY, cached, None)
    _branding_local["value"] = (cached, time.monotonic() + BRANDING_LOCAL_SECONDS)
    return cached


def forget_branding_locally() -> None:
    _branding_local.clear()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str


@dataclass(frozen=True)
class NextStep:
    title: str
    text: str
    url: str
    action: str


@functools.cache
def url_named(name: str) -> str | None:
    # The URLconf does not change while the process runs, so each name is reversed once.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# (key, label, url name, predicate). An entry shows when the person's role allows it and
# its URL exists: each app adds its pages by naming them here.
NAVIGATION = [
    ("learn", gettext_lazy("My learning"), "learning:my_learning", user_is_signed_in),
    ("courses", gettext_lazy("Courses"), "courses:catalogue", user_is_signed_in),
    ("team", gettext_lazy("Team"), "learning:team_dashboard", user_can_view_team),
    ("certificates", gettext_lazy("Certificates"), "learning:certificates", user_is_signed_in),
    ("admin", gettext_lazy("Admin"), "wagtailadmin_home", user_can_access_admin),
    ("account", gettext_lazy("Account"), "account_change_password", user_is_signed_in),
]


def navigation_for(user) -> list[NavItem]:
    """The main navigation a person may use, in display order."""
    items = []
    for key, label, url_name, allowed in NAVIGATION:
        if allowed(user):
            url = url_named(url_name)
            if url:
                items.append(NavItem(label=str(label), url=url, key=key))
    return items


def next_step_for(user) -> NextStep | None:
    """The one thing a signed-in person should do next, shown on the home page."""
    if not user_is_signed_in(user):
        return None
    if user_must_set_up_mfa(user):
        return NextStep(
            title=_("Protect your account"),
            text=_(
                "Your role can change courses or people's records. Set up two-factor "
                "authentication with an authenticator app before you open the admin."
            ),
            url=reverse("mfa_activate_totp"),
            action=_("Set up two-factor authentication"),
        )
    if user_can_access_admin(user):
        return NextStep(
            title=_("Prepare the programme"),
            text=_("Write stories, build scenario modules and manage people in the admin."),
            url=reverse("wagtailadmin_home"),
            action=_("Open the admin"),
        )
    my_learning = url_named("learning:my_learning")
    if my_learning:
        return NextStep(
            title=_("Continue your learning"),
            text=_("See your assignments, due dates and progress."),
            url=my_learning,
            action=_("Open My learning"),
        )
    catalogue = url_named("courses:catalogue")
    if catalogue:
        return NextStep(
            title=_("Start learning"),
            text=_("Play the scenario modules of your course, one real story at a time."),
            url=catalogue,
            action=_("See the courses"),
        )
    return NextStep(
        title=_("You are signed in"),
        text=_(
            "Your courses appear here as soon as your company opens the rollout wave for "
            "your team. Meanwhile, you can protect your account with two-factor authentication."
        ),
        url=reverse("mfa_index"),
        action=_("Review account security"),
    )
