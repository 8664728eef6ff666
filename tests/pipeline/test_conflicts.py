"""A changed object under a known identifier changes nothing until a radiologist chooses.

Over real associations to the listener and the in-process pipeline (SQLite and PostgreSQL):
version 1 of a report (BI-RADS 4, biopsy recommended) opens an unsampled-finding item; version 2
under the same SOP Instance UID (BI-RADS 1) is held: the item stays open, a conflict-review item
opens, and the conflict is listed in the API and on the failed page. Choosing version 2 applies it
and the case is re-evaluated with it; choosing version 1 keeps everything as it was. A study that
arrives under a second Patient ID is held the same way, never joined to the other patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydicom.uid import generate_uid
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import service_missing
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.pipeline.harness import wait_idle
from tests.web.seed import add_users
from tests.web.test_pages import csrf, login
from worklist.db.models import (
    AuditEntry, Image, InboxObject, InboxState, Item, ItemStatus, ObjectConflict, Patient, Report,
    Study,
)
from worklist.settings import Settings
from worklist.web.app import create_app

PATIENT = "CONFLICT-1"


@dataclass
class Pushed:
    settings: Settings
    sessions: sessionmaker[Session]
    client: TestClient
    tokens: dict[str, str]
    sop_uid: str

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def items(self) -> dict[str, ItemStatus]:
        with self.sessions() as session:
            return {item.kind: item.status for item in session.scalars(
                select(Item).join(Patient, Patient.id == Item.patient_pk)
                .where(Patient.patient_id == PATIENT))}

    def report_birads(self) -> list[str]:
        with self.sessions() as session:
            report = session.scalars(select(Report).where(
                Report.sop_instance_uid == self.sop_uid)).one()
            return sorted({a["category"] for a in report.facts["assessments"]})


def _push(settings: Settings, sessions: sessionmaker[Session], paths: list[Path]) -> None:
    assert send(settings.dicom_port, paths) == [0] * len(paths)
    wait_idle(sessions, timeout=120)


@pytest.fixture
def version_two_held(service: tuple[Settings, sessionmaker[Session]],
                     tmp_path: Path) -> Iterator[Pushed]:
    settings, sessions = service
    sop_uid, study_uid = generate_uid(), generate_uid()
    first = factories.breast_imaging_sr(sop_instance_uid=sop_uid, PatientID=PATIENT,
                                        StudyInstanceUID=study_uid)
    _push(settings, sessions, [factories.write(first, tmp_path / "v1.dcm")])
    with sessions.begin() as session:
        tokens = add_users(session)
    pushed = Pushed(settings, sessions, TestClient(create_app(settings, sessions)), tokens,
                    sop_uid)
    assert pushed.items() == {"unsampled-finding": ItemStatus.OPEN}
    assert pushed.report_birads() == ["4"]

    second = factories.basic_text_sr("No suspicious mass or calcifications.",
                                     "BI-RADS 1. Negative. Routine screening in one year.",
                                     sop_instance_uid=sop_uid, PatientID=PATIENT,
                                     StudyInstanceUID=study_uid)
    _push(settings, sessions, [factories.write(second, tmp_path / "v2.dcm")])
    with pushed.client:
        yield pushed


def _conflict(pushed: Pushed) -> dict[str, object]:
    response = pushed.client.get("/api/v1/conflicts", headers=pushed.bearer("cora"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 1
    conflict: dict[str, object] = body["conflicts"][0]
    return conflict


def test_version_two_is_held_and_changes_nothing(version_two_held: Pushed) -> None:
    pushed = version_two_held
    assert pushed.items() == {"unsampled-finding": ItemStatus.OPEN,
                              "conflict-review": ItemStatus.OPEN}
    assert pushed.report_birads() == ["4"]
    with pushed.sessions() as session:
        rows = session.scalars(select(InboxObject).order_by(InboxObject.id)).all()
        assert [(r.version, r.state) for r in rows] == [(1, InboxState.DONE),
                                                        (2, InboxState.HELD)]
    conflict = _conflict(pushed)
    assert conflict["kind"] == "new-version" and conflict["version"] == 2
    assert conflict["sop_instance_uid"] == pushed.sop_uid and conflict["choice"] is None
    detail = str(conflict["detail"])
    assert "assessments on file: BI-RADS 4" in detail and "new version: BI-RADS 1" in detail
    with pushed.sessions() as session:
        review = session.get_one(Item, conflict["item_id"])
        assert review.kind == "conflict-review" and review.patient_pk == conflict["patient_pk"]
        # Viewing the conflicts is a view of the patient's data: audited.
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "list-conflicts",
            AuditEntry.patient_pk == conflict["patient_pk"])).first() is not None

    login(pushed.client, "cora")
    page = pushed.client.get("/failed")
    assert page.status_code == 200
    assert 'id="conflict-' in page.text and "new version: BI-RADS 1" in page.text
    assert "Apply the arrived object" not in page.text  # a coordinator does not choose


def test_only_a_radiologist_chooses_with_a_csrf_token(version_two_held: Pushed) -> None:
    pushed = version_two_held
    conflict = _conflict(pushed)
    url = f"/api/v1/conflicts/{conflict['id']}/choice"
    body = {"choice": "apply-arrived", "note": "sender confirmed the correction"}
    assert pushed.client.post(url, json=body, headers=pushed.bearer("cora")).status_code == 403
    assert pushed.client.post(url, json=body, headers=pushed.bearer("ada")).status_code == 403
    login(pushed.client, "rafa")
    page_url = f"/failed/conflicts/{conflict['id']}/choice"
    forged = pushed.client.post(page_url, data={"csrf_token": "forged", "choice": "apply-arrived"})
    assert forged.status_code == 403
    assert pushed.items()["unsampled-finding"] is ItemStatus.OPEN
    assert _conflict(pushed)["choice"] is None


def test_choosing_version_two_re_evaluates_the_case_with_it(version_two_held: Pushed) -> None:
    pushed = version_two_held
    conflict = _conflict(pushed)
    login(pushed.client, "rafa")
    token = csrf(pushed.client, "/failed")
    response = pushed.client.post(f"/failed/conflicts/{conflict['id']}/choice",
                                  data={"csrf_token": token, "choice": "apply-arrived",
                                        "note": "the sender corrected the report"},
                                  follow_redirects=False)
    assert response.status_code == 303, response.text
    assert pushed.report_birads() == ["1"]
    assert pushed.items() == {"unsampled-finding": ItemStatus.DISMISSED,  # BI-RADS 1 stands
                              "conflict-review": ItemStatus.RESOLVED,
                              "follow-up-due": ItemStatus.OPEN}  # its screening in a year
    with pushed.sessions() as session:
        held = session.get_one(InboxObject, session.get_one(ObjectConflict, conflict["id"]).inbox_pk)
        assert held.state is InboxState.DONE
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "choose-conflict", AuditEntry.actor == "rafa")).one()
    after = pushed.client.get(f"/api/v1/conflicts/{conflict['id']}", headers=pushed.bearer("rafa"))
    assert after.json()["choice"] == "apply-arrived" and after.json()["decided_by"] == "rafa"
    again = pushed.client.post(f"/api/v1/conflicts/{conflict['id']}/choice",
                               json={"choice": "keep-on-file"}, headers=pushed.bearer("rafa"))
    assert again.status_code == 409


def test_choosing_version_one_keeps_the_state(version_two_held: Pushed) -> None:
    pushed = version_two_held
    conflict = _conflict(pushed)
    response = pushed.client.post(f"/api/v1/conflicts/{conflict['id']}/choice",
                                  json={"choice": "keep-on-file", "note": "sent in error"},
                                  headers=pushed.bearer("rafa"))
    assert response.status_code == 200, response.text
    assert pushed.report_birads() == ["4"]
    assert pushed.items() == {"unsampled-finding": ItemStatus.OPEN,
                              "conflict-review": ItemStatus.RESOLVED}
    with pushed.sessions() as session:
        states = [r.state for r in session.scalars(select(InboxObject).order_by(InboxObject.id))]
        assert states == [InboxState.DONE, InboxState.SET_ASIDE]
    listed = pushed.client.get("/api/v1/conflicts", headers=pushed.bearer("rafa")).json()
    assert listed["total"] == 0


def test_a_study_under_a_second_patient_id_is_held(
    service: tuple[Settings, sessionmaker[Session]], tmp_path: Path
) -> None:
    settings, sessions = service
    study_uid = generate_uid()
    first = factories.mammogram(PatientID="OWNER-1", StudyInstanceUID=study_uid)
    _push(settings, sessions, [factories.write(first, tmp_path / "first.dcm")])
    stray = factories.mammogram(PatientID="OTHER-2", StudyInstanceUID=study_uid)
    _push(settings, sessions, [factories.write(stray, tmp_path / "stray.dcm")])
    with sessions() as session:
        owner = session.scalars(select(Patient).where(Patient.patient_id == "OWNER-1")).one()
        assert session.scalars(select(Patient).where(Patient.patient_id == "OTHER-2")).first() is None
        assert len(session.scalars(select(Image)).all()) == 1  # nothing joined the study
        study = session.scalars(select(Study).where(Study.study_uid == study_uid)).one()
        assert study.patient_pk == owner.id
        conflict = session.scalars(select(ObjectConflict)).one()
        assert conflict.kind == "second-patient" and conflict.patient_pk == owner.id
        assert "another Patient ID" in conflict.detail and "OTHER-2" not in conflict.detail
        review = session.get_one(Item, conflict.item_pk)
        assert (review.kind, review.status, review.patient_pk) == (
            "conflict-review", ItemStatus.OPEN, owner.id)
        row = session.get_one(InboxObject, conflict.inbox_pk)
        assert row.state is InboxState.HELD


def test_a_radiologist_chooses_in_the_browser(version_two_held: Pushed, tmp_path: Path) -> None:
    """The failed page in headless Chromium: the held version is listed with what differs; the
    radiologist applies it through the page's form, and the case follows version 2."""
    from playwright.sync_api import expect

    from tests.web.server import running
    from tests.web.test_browser import CHROMIUM_ARGS, _chromium, _log_in

    pushed = version_two_held
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("Playwright for Python")
    with running(create_app(pushed.settings, pushed.sessions)) as base, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                             headless=True)
        page = browser.new_page()
        _log_in(page, base, "rafa")
        page.goto(f"{base}/failed")
        row = page.locator("table.conflicts tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("new-version")
        expect(row).to_contain_text("assessments on file: BI-RADS 4")
        row.get_by_label("Note").fill("the sender corrected the report")
        row.get_by_role("button", name="Apply the arrived object").click()
        expect(page.get_by_role("status")).to_contain_text("Choice recorded")
        expect(page.locator("table.conflicts tbody tr")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "conflict-chosen.png"), full_page=True)
        browser.close()
    assert pushed.report_birads() == ["1"]
    # Version 2's plan now stands: no biopsy, screening in a year.
    assert pushed.items() == {"unsampled-finding": ItemStatus.DISMISSED,
                              "conflict-review": ItemStatus.RESOLVED,
                              "follow-up-due": ItemStatus.OPEN}
