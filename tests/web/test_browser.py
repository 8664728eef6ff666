"""The worklist in a real headless Chromium, driven by Playwright, on seed 000 as the pipeline
stored it.

PUB-0002 goes over real DICOM to the listener and the in-process pipeline up to its pathology
report (``tests.web.through_pipeline``): the ultrasound-guided biopsy sampled an incidental
4 o'clock lesion (PASH) and the 7 o'clock asymmetry was never sampled. The app runs with the real
rules hook. A coordinator logs in, filters the list, opens the biopsy's concordance-pending item and
reads its evidence; a radiologist documents concordance through the page's form and sees that item
close and the events appear in the timeline, while the asymmetry's unsampled-finding item stays
open: the lesion's benign result explains nothing about the asymmetry. Every page that shows the
patient is audited.

Screenshots go to the test's tmp dir and to ``$WORKLIST_TEST_ARTIFACTS`` (default tests/artifacts,
ignored by git): ``worklist.png`` (the worklist page) and ``item-closed.png``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import REPO_ROOT, service_missing
from tests.web.seed import PASSWORD
from tests.web.server import running
from tests.web.through_pipeline import PushedCase
from worklist.db.models import (
    AuditEntry,
    ConcordanceDecision,
    Item,
    ItemEvent,
    ItemStatus,
    Patient,
    Report,
)
from worklist.web.templating import humanise, person_name

ARTIFACTS_ENV = "WORKLIST_TEST_ARTIFACTS"
DEFAULT_ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
NOTE = "PASH explains the 4 o'clock lesion only; the 7 o'clock asymmetry still needs sampling."
PATIENT_PAGES = {"items": "view-item", "patients": "view-case", "": "view-worklist"}


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


def _screenshot(page: Any, tmp_path: Path, name: str) -> None:
    """Into the test's tmp dir, then copied whole (write, then rename) to the artefact dir."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    artifacts = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    artifacts.mkdir(parents=True, exist_ok=True)
    partial = artifacts / f".{name}.{os.getpid()}.part"
    shutil.copyfile(shot, partial)
    os.replace(partial, artifacts / name)


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _evidence(sessions: sessionmaker[Session], item_id: int) -> list[tuple[str, Report]]:
    """The item's evidence sentences, each checked against the stored text of its report."""
    with sessions() as session:
        item = session.get(Item, item_id)
        assert item is not None and item.evidence
        pairs = []
        for entry in item.evidence:
            report = session.scalars(select(Report).where(
                Report.sop_instance_uid == entry["source_uid"])).one()
            assert report.patient_pk == item.patient_pk
            assert _squash(entry["text"]) in _squash(report.text), "not a sentence of its report"
            pairs.append((entry["text"], report))
        return pairs


def _expect_evidence(page: Any, evidence: list[tuple[str, Report]]) -> None:
    from playwright.sync_api import expect

    figures = page.get_by_role("region", name="Why this item exists").locator("figure")
    expect(figures).to_have_count(len(evidence))
    for index, (sentence, report) in enumerate(evidence):
        expect(figures.nth(index).locator("blockquote")).to_have_text(sentence)
        caption = figures.nth(index).locator("figcaption")
        expect(caption).to_contain_text(humanise(report.title))
        expect(caption).to_contain_text(f"({report.kind} report)")


def _patient_pages(log: list[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """(user, audit action) for each page showing patient data the browser received."""
    seen: Counter[tuple[str, str]] = Counter()
    for user, path in log:
        match = re.fullmatch(r"/(?:(items|patients)/\d+)?", path)
        if match:
            seen[(user, PATIENT_PAGES[match.group(1) or ""])] += 1
    return seen


def test_coordinator_finds_the_biopsy_item_and_radiologist_documents_concordance(
    pushed_app: FastAPI, pushed: PushedCase, sessions: sessionmaker[Session], browser: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    with sessions() as session:
        patient = session.get(Patient, pushed.patient_pk)
        assert patient is not None
        shown_name, patient_id = person_name(patient.name), patient.patient_id
        unsampled = session.get(Item, pushed.unsampled_item)
        assert unsampled is not None
        unsampled_step = unsampled.next_step
    pending_evidence = _evidence(sessions, pushed.concordance_item)
    unsampled_evidence = _evidence(sessions, pushed.unsampled_item)
    assert any("pseudoangiomatous stromal hyperplasia" in s.lower() for s, _ in pending_evidence)

    user = {"name": ""}
    pages: list[tuple[str, str]] = []

    def record(response: Any) -> None:
        request = response.request
        shown = ((request.method == "GET" and response.status == 200)
                 or (request.method == "POST" and response.status == 422))  # a form re-shown
        if request.resource_type == "document" and shown:
            path = re.sub(r"^https?://[^/]+", "", response.url).split("?")[0]
            pages.append((user["name"], re.sub(r"^(/items/\d+)/[a-z-]+$", r"\1", path)))

    with running(pushed_app) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.on("response", record)

        # A coordinator: the list holds the biopsy's concordance and the unsampled asymmetry.
        user["name"] = "cora"
        _log_in(page, base, "cora")
        expect(page.get_by_role("heading", name="Open items")).to_be_visible()
        expect(page.locator(".alarm-active")).to_contain_text("2 active in total")
        rows = page.locator("table.items tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="Concordance pending")).to_contain_text(shown_name)
        expect(rows.filter(has_text="Unsampled finding")).to_contain_text("asymmetry")
        _screenshot(page, tmp_path, "worklist.png")

        page.get_by_label("Kind", exact=True).select_option("concordance-pending")
        page.get_by_label("Side", exact=True).select_option("R")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"kind=concordance-pending"))
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(patient_id)
        expect(rows.first).to_contain_text("Right · Mass")
        expect(rows.first.locator(".status-open")).to_be_visible()

        rows.first.get_by_role("link", name="Concordance pending").click()
        page.wait_for_url(f"{base}/items/{pushed.concordance_item}")
        _expect_evidence(page, pending_evidence)
        expect(page.locator(".next-step")).to_contain_text("concordance")
        expect(page.get_by_role("group", name="Document radiology-pathology concordance")
               ).to_have_count(0)  # the radiologist's decision
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{base}/login")

        # A radiologist finds it by its count and documents concordance on the page's form.
        user["name"] = "rafa"
        _log_in(page, base, "rafa")
        page.get_by_role("region", name="Counts by kind").get_by_role(
            "link", name=re.compile(r"Concordance pending")).click()
        page.wait_for_url(re.compile(r"kind=concordance-pending"))
        rows.first.get_by_role("link", name="Concordance pending").click()
        page.wait_for_url(f"{base}/items/{pushed.concordance_item}")
        # Imaging beside pathology: the finding, its BI-RADS and sentence, and what the needle
        # found. A verdict left out gets a sentence, not a validation message.
        side = page.get_by_role("region", name="Imaging and pathology side by side")
        expect(side.get_by_label("Imaging")).to_contain_text("Right Mass")
        expect(side.get_by_label("Pathology")).to_contain_text(
            re.compile("pseudoangiomatous stromal hyperplasia", re.I))
        page.get_by_role("button", name="Document concordance").click()
        expect(page.get_by_role("alert")).to_have_text(re.compile(
            r"^Choose one verdict \(concordant benign, .*nothing was recorded\.$"))
        form = page.get_by_role("group", name="Document radiology-pathology concordance")
        form.get_by_label("Concordant benign").check()
        page.get_by_label("Concordance note").fill(NOTE)
        page.get_by_role("button", name="Document concordance").click()
        page.wait_for_url(f"{base}/items/{pushed.concordance_item}?done=concordance")

        expect(page.get_by_role("status")).to_contain_text("Concordance documented")
        expect(page.locator(".item-head .status-resolved")).to_be_visible()
        expect(page.locator(".events li").last).to_contain_text("Resolved by rafa")
        expect(page.locator(".events li.ev-concordance")).to_contain_text(
            "Concordant benign, documented by rafa")
        expect(page.get_by_role("region", name="Why this item exists").locator(".evidence")
               .last).to_contain_text(NOTE)  # what closed it: the radiologist's decision
        timeline = page.locator(".timeline")
        expect(timeline.locator("li.tl-concordance")).to_contain_text(
            "Concordance: concordant-benign")
        expect(timeline.locator("li.tl-concordance")).to_contain_text(NOTE)
        expect(timeline.locator("li.tl-item-event", has_text="concordance-pending: resolved by "
                                "rafa")).to_have_count(1)
        _screenshot(page, tmp_path, "item-closed.png")

        # The asymmetry is still unexplained: its item stays open, with no concordance to document.
        page.get_by_role("link", name="← Worklist").click()
        page.wait_for_url(f"{base}/")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Unsampled finding")
        expect(rows.first.locator(".status-open")).to_be_visible()
        rows.first.get_by_role("link", name="Unsampled finding").click()
        page.wait_for_url(f"{base}/items/{pushed.unsampled_item}")
        expect(page.locator(".item-head .status-open")).to_be_visible()
        _expect_evidence(page, unsampled_evidence)
        expect(page.locator(".next-step")).to_contain_text(unsampled_step)
        expect(page.get_by_role("group", name="Document radiology-pathology concordance")
               ).to_have_count(0)
        page.get_by_role("link", name="Patient case").click()
        page.wait_for_url(f"{base}/patients/{pushed.patient_pk}")
        case_items = page.get_by_role("region", name="Items").locator("tbody tr")
        expect(case_items.filter(has_text="Concordance pending").locator(".status-resolved")
               ).to_be_visible()
        expect(case_items.filter(has_text="Unsampled finding").locator(".status-open")
               ).to_be_visible()
        context.close()

    with sessions() as session:
        pending = session.get(Item, pushed.concordance_item)
        assert pending is not None and pending.status is ItemStatus.RESOLVED
        events = session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == pushed.concordance_item).order_by(ItemEvent.id)).all()
        assert [(e.action, e.actor) for e in events] == [("opened", "pipeline"),
                                                         ("concordance", "rafa"),
                                                         ("resolved", "rafa")]
        still = session.get(Item, pushed.unsampled_item)
        assert still is not None and still.status is ItemStatus.OPEN
        assert [e.action for e in session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == pushed.unsampled_item))] == ["opened"]
        decision = session.scalars(select(ConcordanceDecision)).one()
        assert (decision.finding_pk, decision.verdict, decision.note) == (
            pushed.biopsied_finding, "concordant-benign", NOTE)
        audited = Counter(
            (entry.actor, entry.action) for entry in session.scalars(select(AuditEntry).where(
                AuditEntry.action.in_(PATIENT_PAGES.values()),
                AuditEntry.patient_pk == pushed.patient_pk)))
    seen = _patient_pages(pages)
    # rafa's item pages: the list's link, the refused form re-shown, the result, the other item.
    assert seen[("cora", "view-item")] == 1 and seen[("rafa", "view-item")] == 4
    assert audited == seen, "every page that showed the patient is in the audit trail"
