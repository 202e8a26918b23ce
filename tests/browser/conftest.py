"""Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by Playwright.

Never `playwright install` (it downloads a browser and fails here): the system Chromium is
launched through `executable_path`. A missing Chromium stops the whole run before any test
(tests/conftest.py, tests/system.py), in CI or not: these tests never skip.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.system import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django's ORM, called by the tests
# and fixtures alongside it, would refuse to run from a thread with a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
GUIDE_IMAGES = ROOT / "docs" / "images"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.11.4.min.js"
DEMO_PASSWORD = "considered-demo-2026"  # noqa: S105 - the demo's printed password


@pytest.fixture(scope="session")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    """The demo offices, users and cases (seed_demo), in the live server's database."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def new_page(playwright_browser, live_server):
    """new_page(bypass_csp=False) → a page in a fresh context, closed after the test.

    Console errors (a CSP refusal, a script error) are collected in `page.errors`.
    """
    contexts = []

    def make(bypass_csp=False):
        context = playwright_browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1360, "height": 900},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        # Failed requests are reported with their URL by the response listener below; the
        # console's own line for them has none (and the browser's favicon probe has no page).
        page.on(
            "console",
            lambda message: (
                page.errors.append(message.text)
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                page.errors.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")


def screenshot(page, name, *, guide=False):
    """A full-page screenshot as a test artifact, and for docs/guide.md when `guide`."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    # The guide's pictures change only when asked (UPDATE_GUIDE_IMAGES=1), so a test run does
    # not leave the working tree dirty with screenshots whose only change is the time shown.
    if guide and os.environ.get("UPDATE_GUIDE_IMAGES"):
        GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
        # The guide shows the top of the page, where each page now puts what matters first.
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(GUIDE_IMAGES / f"{name}.png"), full_page=False)


def axe_violations(page, *, impacts=("serious", "critical")):
    """Run axe-core (vendored, injected from the local file) and return the grave violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]
