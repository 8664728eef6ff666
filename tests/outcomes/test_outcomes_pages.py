"""The outcomes audit page for radiologists and administrators, on the stored cohort: the numbers,
the examinations behind them, CSV and PDF, refused to coordinators, audited like patient data;
then in a real Chromium, with screenshots of the page and of the PDF in the browser's viewer."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.outcomes.stored import StoredCohort, store_cohort
from tests.outcomes.test_outcomes_service import pdf_text
from tests.web.server import running
from tests.web.test_browser import _log_in, _screenshot, browser  # noqa: F401  (a fixture)
from worklist.db.models import AuditEntry
from worklist.settings import Settings
from worklist.web.app import create_app

QUERY = "from=2024-01-01&to=2024-12-31"


def _app(settings: Settings, sessions: sessionmaker[Session]) -> tuple[FastAPI, StoredCohort]:
    stored = store_cohort(sessions)
    return create_app(settings, sessions), stored


def _bearer(stored: StoredCohort, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stored.tokens[user]}"}


def test_page_exams_csv_and_pdf(settings: Settings, sessions: sessionmaker[Session]) -> None:
    app, stored = _app(settings, sessions)
    with TestClient(app) as client:
        rafa = _bearer(stored, "rafa")
        page = client.get(f"/outcomes?{QUERY}", headers=rafa)
        assert page.status_code == 200
        html = " ".join(page.text.split())
        assert re.search(r'data-metric="screening.recall_rate"[^>]*> <th scope="row">recall rate'
                         r'</th> <td class="value">55.6 %', html), html
        assert "222.2 per 1,000" in html and "<svg" in html
        assert f'href="/patients/{stored.patient_pks["P11"]}">P11</a>' in html

        behind = client.get(f"/outcomes/exams?{QUERY}&purpose=screening&number=cdr.numerator",
                            headers=rafa)
        assert behind.status_code == 200
        assert re.findall(r'data-exam="([^"]+)"', behind.text) == ["p6-s", "p7-s"]
        assert "invasive; size &lt;= 10 mm; node-negative" in behind.text

        assert client.get(f"/outcomes/exams?{QUERY}&purpose=screening&number=nonsense",
                          headers=rafa).status_code == 404
        assert client.get("/outcomes?from=2024-13-01", headers=rafa).status_code == 422
        assert client.get("/outcomes?from=2020-01-01&to=2024-12-31",
                          headers=rafa).status_code == 422
        assert client.get(f"/outcomes?{QUERY}&physician=%00",
                          headers=rafa).status_code == 422
        assert client.get(f"/outcomes?{QUERY}",
                          headers=_bearer(stored, "cora")).status_code == 403
        assert client.get(f"/outcomes.csv?{QUERY}",
                          headers=_bearer(stored, "ada")).status_code == 200

        exported = client.get(f"/outcomes.csv?{QUERY}&physician=BROWN, BEN, MD", headers=rafa)
        rows = list(csv.reader(io.StringIO(exported.text)))
        recall = next(r for r in rows if r[:4] == ["metric", "screening", "BROWN, BEN, MD",
                                                    "recall rate"])
        assert recall[4:7] == ["3", "5", "60.00"]
        printed = client.get(f"/outcomes.pdf?{QUERY}", headers=rafa)
        assert printed.headers["content-type"] == "application/pdf"
        assert "55.6 %" in pdf_text(printed.content)

    with sessions() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(["view-outcomes-audit", "view-outcomes-exams",
                                   "export-outcomes-audit"]))).all()
    by_action: dict[str, set[int | None]] = {}
    for e in entries:
        by_action.setdefault(e.action, set()).add(e.patient_pk)
    p6, p7, p11 = (int(stored.patient_pks[p]) for p in ("P6", "P7", "P11"))
    assert by_action["view-outcomes-audit"] == {None, p11}
    assert by_action["view-outcomes-exams"] == {p6, p7}
    assert {e.actor for e in entries if e.action == "export-outcomes-audit"} == {"ada", "rafa"}


def test_in_the_browser(settings: Settings, sessions: sessionmaker[Session],
                        browser: Any, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    app, stored = _app(settings, sessions)
    with running(app) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        _log_in(page, base, "rafa")
        page.get_by_role("link", name="Outcomes audit").click()
        page.get_by_label("From", exact=True).fill("2024-01-01")
        page.get_by_label("To", exact=True).fill("2024-12-31")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"from=2024-01-01"))
        recall = page.locator('tr[data-metric="screening.recall_rate"]')
        expect(recall.locator("td.value")).to_contain_text("55.6 %")
        expect(recall.locator("td.value")).to_contain_text("outside range")
        expect(page.locator('tr[data-metric="screening.ppv1"] td.value')).to_have_text(
            re.compile(r"^40\.0 % outside range$"))
        expect(page.locator("figure.chart svg circle")).to_have_count(8)  # 4 quarters, 2 charts
        _screenshot(page, tmp_path, "outcomes-audit.png")

        page.get_by_label("Interpreting physician", exact=True).select_option("ADAMS, ANN, MD")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"physician=ADAMS"))
        expect(page.locator('tr[data-metric="screening.cdr"] td.value')).to_have_text(
            "250.0 per 1,000")

        page.locator('tr[data-metric="screening.cdr"] td').nth(1).get_by_role("link").click()
        page.wait_for_url(re.compile(r"/outcomes/exams"))
        expect(page.locator("tr[data-exam]")).to_have_count(1)
        expect(page.locator('tr[data-exam="p7-s"]')).to_contain_text("DCIS")
        page.get_by_role("link", name="P7").click()
        page.wait_for_url(f"{base}/patients/{stored.patient_pks['P7']}")

        page.goto(f"{base}/outcomes.pdf?{QUERY}")
        page.wait_for_timeout(1500)  # the built-in viewer draws the pages
        _screenshot(page, tmp_path, "outcomes-audit-pdf.png")
        response = page.request.get(f"{base}/outcomes.pdf?{QUERY}")
        assert response.status == 200
        text = pdf_text(response.body())
        assert "Medical outcomes audit (21 CFR 900.12(f))" in text and "222.2 per 1,000" in text
        context.close()
