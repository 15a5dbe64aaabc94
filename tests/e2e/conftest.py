"""Browser journeys in Debian's Chromium, driven by Playwright (no downloaded browser)."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def site_root(transactional_db):
    """Browser tests run on a flushed database (not in a transaction): put back the home
    page and site that the migrations create, when an earlier test's flush removed them."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:
            language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
            locale, _ = Locale.objects.get_or_create(language_code=language)
            root = Page.add_root(title="Root", slug="root", locale=locale)
        home = root.add_child(
            instance=HomePage(
                title="Home", slug="home", hero_heading="Every conversation keeps a customer"
            )
        )
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home  # (role groups come back by themselves: a flush re-runs post_migrate)
