"""A coordinator's morning in a real headless Chromium (issue 19), on the seeded case load and
forty more active items: at 1920x1080 at least fifteen rows show without scrolling; the list
refreshes itself and keeps the filters, the ticked rows and a half-typed note; ticked rows are
assigned in bulk; a quoted sentence opens its report with the sentence marked; an item is held
until a date and leaves the list; three unanswered calls show on the list; times are the site's.

Screenshots (``tests/artifacts``, or ``$WORKLIST_TEST_ARTIFACTS``): ``worklist-1080p.png``, the
list as the screen shows it, and ``item-1080p.png``, an item page whole.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.morning import add_morning_load
from tests.web.seed import SEED_SENTENCE, Seeded
from tests.web.server import running
from tests.web.test_browser import ARTIFACTS_ENV, DEFAULT_ARTIFACTS, _log_in, browser  # noqa: F401
from worklist.db.base import utcnow
from worklist.db.models import Item, ItemStatus, OutreachAttempt, Patient
from worklist.settings import Settings
from worklist.web.app import create_app
from worklist.web.templating import local

HD = {"width": 1920, "height": 1080}
ZONE = "America/New_York"
VISIBLE_ROWS = """() => Array.from(document.querySelectorAll('table.items tbody tr'))
    .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"""
ROW_HEIGHTS = """() => Array.from(document.querySelectorAll('table.items tbody tr'))
    .map(r => r.getBoundingClientRect().height)"""


def _screenshot(page: Any, tmp_path: Path, name: str, *, full_page: bool) -> None:
    """As ``test_browser`` does: the test's tmp dir, then copied whole to the artefact dir."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 0
    artifacts = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    artifacts.mkdir(parents=True, exist_ok=True)
    partial = artifacts / f".{name}.{os.getpid()}.part"
    shutil.copyfile(shot, partial)
    os.replace(partial, artifacts / name)


def _add_urgent_item(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        patient = Patient(patient_id="LATE-0001", issuer="NFBC", name="LATECOMER^IRIS", sex="F")
        session.add(patient)
        session.flush()
        item = Item(patient_pk=patient.id, item_key="late", kind="discordant-pathology",
                    status=ItemStatus.OPEN, priority="urgent", priority_rank=0, laterality="L",
                    next_step="Surgical excision or repeat biopsy", opened_at=utcnow(),
                    due_at=utcnow() + timedelta(days=2))
        session.add(item)
        session.commit()
        return item.id


def test_a_coordinators_morning_at_1080p(
    settings: Settings, sessions: sessionmaker[Session], seeded: Seeded, browser: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    load = add_morning_load(sessions, 40)
    app: FastAPI = create_app(settings.model_copy(update={
        "list_refresh_seconds": 1, "timezone": ZONE,
        "viewer_url": "https://viewer.example.org/study/{StudyInstanceUID}"}), sessions)
    with running(app) as base:
        context = browser.new_context(viewport=HD)
        page = context.new_page()
        _log_in(page, base, "cora")

        # Density: one line a row, fifteen and more on the screen without scrolling.
        rows = page.locator("table.items tbody tr")
        expect(rows).to_have_count(42)  # 40 + the two seeded items due within 60 days
        visible = page.evaluate(VISIBLE_ROWS)
        heights = page.evaluate(ROW_HEIGHTS)
        print(f"rows fully visible at 1920x1080: {visible}; row height max {max(heights):.0f}px")
        assert visible >= 15, visible
        assert max(heights) < 40, "a row wraps onto a second line"
        expect(page.get_by_text(f"Times in {ZONE}")).to_be_visible()
        _screenshot(page, tmp_path, "worklist-1080p.png", full_page=False)

        # The list refreshes itself: filters, ticked rows and a half-typed note stay.
        page.get_by_label("Priority", exact=True).select_option("urgent")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"priority=urgent"))
        urgent_before = rows.count()
        rows.nth(0).get_by_role("checkbox").check()
        rows.nth(1).get_by_role("checkbox").check()
        note = page.get_by_label("Note", exact=True)
        note.fill("Calling both before the clinic op")
        late = _add_urgent_item(sessions)
        expect(rows).to_have_count(urgent_before + 1, timeout=10_000)
        expect(page.locator(f'input[name="item_ids"][value="{late}"]')).to_have_count(1)
        expect(note).to_have_value("Calling both before the clinic op")
        expect(page.get_by_label("Priority", exact=True)).to_have_value("urgent")
        assert "priority=urgent" in page.url
        ticked = page.locator('input[name="item_ids"]:checked')
        expect(ticked).to_have_count(2)
        chosen = [int(ticked.nth(i).get_attribute("value") or 0) for i in range(2)]

        # Bulk: the ticked rows are assigned from the list, with the note.
        page.get_by_label("Assign to").select_option("cora")
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("2 items assigned.")
        assert "priority=urgent" in page.url
        page.get_by_label("Owner", exact=True).select_option("mine")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"owner=mine"))
        expect(rows).to_have_count(2)
        expect(rows.locator("td.owner")).to_have_text(["cora", "cora"])

        # Evidence that opens: the quoted sentence, inside its whole report.
        page.goto(f"{base}/items/{seeded.seed_item}")
        quote = page.get_by_role("link", name=SEED_SENTENCE)
        quote.click()
        page.wait_for_url(re.compile(rf"/items/{seeded.seed_item}/evidence/0"))
        expect(page.locator("mark#quote")).to_have_text(SEED_SENTENCE)
        expect(page.locator("mark#quote")).to_be_in_viewport()
        expect(page.get_by_role("link", name="Open images")).to_have_attribute(
            "href", "https://viewer.example.org/study/1.2.826.0.1.3680043.10.1.1")
        page.go_back()

        # The timeline: clinical events in view, the system's own collapsed.
        expect(page.locator(".timeline.clinical li.tl-study").first).to_be_visible()
        expect(page.locator(".timeline.system")).to_be_hidden()
        page.get_by_text("Worklist activity").click()
        expect(page.locator(".timeline.system")).to_be_visible()

        # Outreach: three unanswered calls, visible on the list.
        for _ in range(3):
            page.get_by_label("Channel").select_option("phone")
            page.get_by_label("Outcome").select_option("no-answer")
            page.get_by_role("button", name="Record").click()
            expect(page.get_by_role("status")).to_contain_text("Outreach recorded.")
        expect(page.get_by_role("region", name="Outreach").locator("tbody tr")).to_have_count(3)

        # Held until a local date with a reason: shown, then off today's list.
        tomorrow = (local(utcnow(), app.state.settings.zone).date() + timedelta(days=1))
        page.get_by_label("Back on the list on").fill(tomorrow.isoformat())
        page.get_by_label("Reason for the hold").fill("Biopsy booked for the 14th")
        page.get_by_role("button", name="Hold", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("comes back to the list by itself")
        expect(page.locator(".events li.ev-held")).to_contain_text(
            f"Held by cora until {tomorrow.isoformat()}")
        expect(page.locator(".events li.ev-held")).to_contain_text("Biopsy booked for the 14th")
        expect(page.locator(".events time").first).to_contain_text(re.compile(r" E[SD]T$"))
        _screenshot(page, tmp_path, "item-1080p.png", full_page=True)

        page.goto(f"{base}/")
        expect(page.locator(f'input[name="item_ids"][value="{seeded.seed_item}"]')
               ).to_have_count(0)
        page.get_by_role("navigation", name="Queues").get_by_role(
            "link", name=re.compile("On hold")).click()
        held_row = page.locator("table.items tbody tr")
        expect(held_row).to_have_count(1)
        expect(held_row).to_contain_text("No answer ×3")
        expect(held_row).to_contain_text(f"Held to {tomorrow.isoformat()}")
        context.close()

    with sessions() as session:
        owners = session.scalars(select(Item.assignee).where(Item.id.in_(chosen))).all()
        assert owners == ["cora", "cora"]
        assert len(session.scalars(select(OutreachAttempt)).all()) == 3
        held = session.get(Item, seeded.seed_item)
        assert held is not None and held.held_until is not None and held.held_until > utcnow()
    assert late not in load
