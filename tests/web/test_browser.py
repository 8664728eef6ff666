"""The worklist in a real headless Chromium, driven by Playwright.

A coordinator logs in, filters the list down to the seed item (an unsampled right asymmetry),
opens it and reads the evidence; a radiologist documents concordance and sees the item close and
the event appear. The worklist page is saved as a screenshot under tests/artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import service_missing
from tests.web.seed import PASSWORD, SEED_SENTENCE, Seeded
from tests.web.server import running

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        service_missing("Chromium (Debian package chromium)")
    return str(found)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("Playwright for Python")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def test_coordinator_finds_the_seed_item_and_radiologist_closes_it(
    app: FastAPI, seeded: Seeded, browser: Any
) -> None:
    from playwright.sync_api import expect

    with running(app) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        _log_in(page, base, "cora")

        expect(page.get_by_role("heading", name="Open items")).to_be_visible()
        expect(page.locator(".alarm-urgent")).to_contain_text("1 urgent")
        expect(page.locator(".alarm-overdue")).to_contain_text("1 overdue")
        first_row = page.locator("table.items tbody tr").first
        expect(first_row).to_contain_text("URGENT")
        expect(first_row).to_contain_text("OVERDUE")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "worklist.png"), full_page=True)

        page.get_by_label("Kind", exact=True).select_option("unsampled-finding")
        page.get_by_label("Side", exact=True).select_option("R")
        page.get_by_role("button", name="Apply filters").click()
        rows = page.locator("table.items tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Asymmetry")

        rows.first.get_by_role("link", name="Unsampled finding").click()
        page.wait_for_url(f"{base}/items/{seeded.seed_item}")
        evidence = page.locator(".evidence figure").first
        expect(evidence.locator("blockquote")).to_have_text(SEED_SENTENCE)
        expect(evidence.locator("figcaption")).to_contain_text("Mammo diagnostic")
        expect(page.locator(".next-step")).to_contain_text("Stereotactic or DBT-guided")
        expect(page.get_by_role("group", name="Document radiology-pathology concordance")
               ).to_have_count(0)
        page.get_by_role("button", name="Log out").click()

        _log_in(page, base, "rafa")
        page.goto(f"{base}/items/{seeded.seed_item}")
        page.get_by_label("Concordant benign").check()
        page.get_by_label("Concordance note").fill("PASH explains the 4 o'clock lesion only.")
        page.get_by_role("button", name="Document concordance").click()
        expect(page.get_by_role("status")).to_contain_text("Concordance documented")
        expect(page.locator(".item-head .status-resolved")).to_be_visible()
        expect(page.locator(".events")).to_contain_text("Resolved by rafa")
        expect(page.locator(".timeline")).to_contain_text("Concordance: concordant-benign")
        page.screenshot(path=str(ARTIFACTS / "item-closed.png"), full_page=True)
        context.close()
