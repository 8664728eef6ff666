"""A coordinator's morning through the pages and the API (issue 19): owners and bulk actions,
holds and the upcoming horizon, CSV export, local time, evidence that opens, the concordance form,
the outreach log and lost to follow-up. The browser side is in ``test_morning_browser``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from rules.site import default_site_config
from tests.web.conftest import bearer
from tests.web.morning import add_morning_load
from tests.web.seed import SEED_SENTENCE, Seeded
from tests.web.test_pages import csrf, login
from tests.web.through_pipeline import PushedCase
from worklist.cases.service import reevaluate_patient
from worklist.db.base import utcnow
from worklist.db.models import (
    AuditEntry,
    Finding,
    Item,
    ItemEvent,
    ItemStatus,
    OutreachAttempt,
    ConcordanceDecision,
)
from worklist.notifications import service as notifications
from worklist.settings import Settings
from worklist.web.app import create_app

ROWS = re.compile(r'<tr class="prio-row-\w+(?: is-overdue)?">.*?</tr>', re.S)


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="item_ids" value="(\d+)"', html)]


def _audited(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def _events(sessions: sessionmaker[Session], item_id: int) -> list[ItemEvent]:
    with sessions() as session:
        return list(session.scalars(select(ItemEvent).where(ItemEvent.item_pk == item_id)
                                    .order_by(ItemEvent.id)))


@pytest.fixture
def app_with(settings: Settings, sessions: sessionmaker[Session], seeded: Seeded
             ) -> Iterator[object]:
    """A client over an app with some settings changed."""
    clients: list[TestClient] = []

    def make(**changes: object) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=changes), sessions))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


# 1. Ownership

def test_items_are_assigned_filtered_by_owner_and_acknowledged_in_bulk(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    token = csrf(client, f"/items/{seeded.seed_item}")
    response = client.post(f"/items/{seeded.seed_item}/assign",
                           data={"csrf_token": token, "assignee": "cora"}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Owner changed." in page and '<dd class="owner">cora</dd>' in page
    assert _row_ids(client.get("/", params={"owner": "mine"}).text) == [seeded.seed_item]
    unassigned = _row_ids(client.get("/", params={"owner": "unassigned"}).text)
    assert seeded.seed_item not in unassigned and unassigned  # the magnification item
    refused = client.post(f"/items/{seeded.seed_item}/assign",
                          data={"csrf_token": token, "assignee": "ada"})  # admins own nothing
    assert refused.status_code == 422 and "not an active coordinator" in refused.text

    # Bulk from the list: the CSRF token is required, as for one item.
    everything = _row_ids(client.get("/", params={"queue": "everything"}).text)
    assert len(everything) == 3
    form = {"action": "acknowledge", "item_ids": [str(i) for i in everything],
            "note": "Calling all three this morning", "back": "queue=everything"}
    assert client.post("/items/bulk", data=form).status_code == 403
    response = client.post("/items/bulk", data={**form, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/?queue=everything&")
    notice = client.get(response.headers["location"]).text
    assert "2 items acknowledged. 1 skipped" in notice  # the magnification item already was
    response = client.post("/items/bulk", data={**form, "action": "assign", "assignee": "rafa",
                                                "note": "", "csrf_token": token})
    assert response.status_code == 200 and "3 items assigned." in response.text
    with sessions() as session:
        items = session.scalars(select(Item).where(Item.id.in_(everything))).all()
        assert {(i.status, i.assignee) for i in items} == {(ItemStatus.ACKNOWLEDGED, "rafa")}
    assert [e.action for e in _events(sessions, seeded.other_item)] == [
        "acknowledged", "note", "assigned"]
    assigned = _audited(sessions, "assign-item")
    assert [(a.actor, a.object_id) for a in assigned][-3:] == [
        ("cora", str(i)) for i in sorted(everything)]
    assert len(_audited(sessions, "acknowledge-item")) == 2
    api = client.get("/api/v1/items", params={"assignee": "rafa"},
                     headers=bearer(seeded, "cora")).json()
    assert {i["id"] for i in api["items"]} == set(everything)
    assert {i["assignee"] for i in api["items"]} == {"rafa"}


# 2. Pacing

def test_a_held_item_leaves_the_list_skips_reminders_and_comes_back_by_itself(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session], settings: Settings
) -> None:
    login(client, "cora")
    token = csrf(client, f"/items/{seeded.seed_item}")
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    missing = client.post(f"/items/{seeded.seed_item}/hold",
                          data={"csrf_token": token, "until": tomorrow, "reason": " "})
    assert missing.status_code == 422 and "a reason is required" in missing.text
    past = client.post(f"/items/{seeded.seed_item}/hold",
                       data={"csrf_token": token, "until": "2020-01-01", "reason": "booked"})
    assert past.status_code == 422 and "must end in the future" in past.text
    response = client.post(f"/items/{seeded.seed_item}/hold",
                           data={"csrf_token": token, "until": tomorrow,
                                 "reason": "Biopsy booked for the 14th"}, follow_redirects=False)
    assert response.status_code == 303
    item_page = client.get(response.headers["location"]).text
    assert "Biopsy booked for the 14th" in item_page and "On hold until" in item_page

    today = client.get("/").text
    assert seeded.seed_item not in _row_ids(today)
    assert re.search(r'alarm-urgent quiet"[^>]*>\s*<strong>0</strong>', today)  # held: silent
    held = client.get("/", params={"queue": "held"}).text
    assert _row_ids(held) == [seeded.seed_item] and "Held to" in held
    assert "On hold <span class=\"count\">1</span>" in held
    [event] = [e for e in _events(sessions, seeded.seed_item) if e.action == "held"]
    assert (event.actor, event.reason) == ("cora", "Biopsy booked for the 14th")
    assert event.data["held_until"].startswith(tomorrow)
    assert [a.object_id for a in _audited(sessions, "hold-item")] == [str(seeded.seed_item)]

    # The overdue urgent item would escalate now; on hold, the reminder sweep passes it by.
    site, now = default_site_config(), utcnow()
    notifications.remind(sessions, settings, site, [], now)
    with sessions() as session:
        assert session.get(Item, seeded.seed_item).escalation_level == 0  # type: ignore[union-attr]

    # The day comes: no job lifts the hold, the list's own query lets the item back in.
    with sessions() as session:
        session.execute(update(Item).where(Item.id == seeded.seed_item)
                        .values(held_until=now - timedelta(minutes=1)))
        session.commit()
    assert _row_ids(client.get("/").text)[0] == seeded.seed_item
    notifications.remind(sessions, settings, site, [], now)
    with sessions() as session:
        assert session.get(Item, seeded.seed_item).escalation_level >= 1  # type: ignore[union-attr]


def test_items_due_beyond_the_site_horizon_are_upcoming(
    app_with: object, seeded: Seeded
) -> None:
    default = app_with()  # type: ignore[operator]
    login(default, "cora")
    assert seeded.other_item not in _row_ids(default.get("/").text)  # due in 361 days
    upcoming = default.get("/", params={"queue": "upcoming"}).text
    assert _row_ids(upcoming) == [seeded.other_item]
    assert "Upcoming (due after 60 days)" in upcoming
    api = default.get("/api/v1/items", params={"queue": "upcoming"},
                      headers=bearer(seeded, "cora")).json()
    assert [i["id"] for i in api["items"]] == [seeded.other_item]
    longer = app_with(upcoming_horizon_days=400)  # type: ignore[operator]
    login(longer, "cora")
    assert seeded.other_item in _row_ids(longer.get("/").text)


# 3. Density (page size; the rows on screen and the refresh are measured in the browser)

def test_page_size_is_chosen_and_the_filtered_list_exports_as_safe_csv(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    add_morning_load(sessions, 30)
    with sessions() as session:  # a formula where a spreadsheet would run it
        session.execute(update(Item).where(Item.id == seeded.seed_item)
                        .values(next_step="=HYPERLINK(\"http://evil\",\"x\")"))
        session.commit()
    login(client, "cora")
    # 30 + the two seeded items due within the horizon, on one page of the default 50.
    assert len(_row_ids(client.get("/").text)) == 32
    assert len(_row_ids(client.get("/", params={"size": 25}).text)) == 25
    assert 'value="25" selected' in client.get("/", params={"size": 25}).text
    assert client.get("/", params={"size": 0}).status_code == 422
    export = client.get("/worklist.csv", params={"priority": "urgent", "queue": "everything"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows and {r["priority"] for r in rows} == {"urgent"}
    seed_row = next(r for r in rows if r["item"] == str(seeded.seed_item))
    assert seed_row["next_step"].startswith("'=HYPERLINK")
    assert seed_row["patient_name"] == "QUILLFEATHER, Zenobia" and seed_row["overdue"] == "yes"
    exported = _audited(sessions, "export-worklist")
    assert len(exported) == len({r["patient_id"] for r in rows})  # one entry per patient
    assert exported[0].detail["filters"]["priority"] == "urgent"
    assert client.get("/worklist.csv", headers=bearer(seeded, "ada")).status_code == 403


# 4. Local time

def test_dates_and_times_are_shown_in_the_site_time_zone(
    app_with: object, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    moment = datetime(2026, 1, 15, 3, 30, tzinfo=UTC)  # the 14th, evening, in New York
    with sessions() as session:
        session.execute(update(Item).where(Item.id == seeded.seed_item).values(due_at=moment))
        session.add(ItemEvent(item_pk=seeded.seed_item, actor="pipeline", action="escalated",
                              at=moment, reason="past due: level 1"))
        session.commit()
    client = app_with(timezone="America/New_York")  # type: ignore[operator]
    login(client, "cora")
    page = client.get(f"/items/{seeded.seed_item}").text
    assert "<dt>Due</dt><dd>2026-01-14</dd>" in page
    assert "2026-01-14 22:30 EST" in page and "03:30 UTC" not in page
    listed = client.get("/", params={"queue": "everything"}).text
    assert "2026-01-14" in listed and "Times in America/New_York" in listed
    # The clinical timeline and the system's own events are apart; the latter collapsed.
    timeline = page[page.index('id="timeline-h"'):]
    clinical = timeline[:timeline.index("<details")]
    assert "DIAG MAMMO RT W SPOTS" in clinical and "escalated" not in clinical
    assert re.search(r'<details class="activity">\s*<summary>Worklist activity \(1 events',
                     timeline)
    utc = app_with()  # type: ignore[operator]
    login(utc, "cora")
    assert "2026-01-15 03:30 UTC" in utc.get(f"/items/{seeded.seed_item}").text


# 5. Evidence that opens

def test_a_quoted_sentence_opens_its_report_and_studies_open_in_the_viewer(
    app_with: object, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    client = app_with(  # type: ignore[operator]
        viewer_url="https://pacs.example.org/viewer?StudyInstanceUIDs={StudyInstanceUID}"
                   "&acc={AccessionNumber}")
    login(client, "cora")
    page = client.get(f"/items/{seeded.seed_item}").text
    assert f'href="/items/{seeded.seed_item}/evidence/0#quote"' in page
    assert ('href="https://pacs.example.org/viewer?StudyInstanceUIDs=1.2.826.0.1.3680043.10.1.1'
            '&amp;acc=NF-760110"') in page
    report = client.get(f"/items/{seeded.seed_item}/evidence/0").text.replace("&#39;", "'")
    assert f'<mark id="quote">{SEED_SENTENCE}</mark>' in report
    assert "Open images" in report
    second = client.get(f"/items/{seeded.seed_item}/evidence/1")
    assert second.status_code == 200 and '<mark id="quote">' in second.text
    assert client.get(f"/items/{seeded.seed_item}/evidence/2").status_code == 404
    # The other patient's sentence cites a report not on file: nothing to open, nothing shown.
    assert client.get(f"/items/{seeded.other_item}/evidence/0").status_code == 404
    viewed = _audited(sessions, "view-report")
    assert [(v.actor, v.patient_pk, v.detail["item"]) for v in viewed] == [
        ("cora", seeded.seed_patient_pk, seeded.seed_item)] * 2
    plain = app_with()  # type: ignore[operator]
    login(plain, "cora")
    assert "Open images" not in plain.get(f"/items/{seeded.seed_item}").text


# 6. Concordance form

def test_the_concordance_form_sets_imaging_beside_pathology_and_asks_for_a_verdict(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lesion = session.get(Finding, seeded.biopsied_finding)
        assert lesion is not None
        lesion.summary = {"birads": "4B", "evidence": [
            {"source_uid": "1.2.826.0.1.3680043.10.2.1",
             "text": "An irregular 9 mm mass at 4 o'clock, BI-RADS 4B."}]}
        item = Item(patient_pk=seeded.seed_patient_pk, item_key="concordance-pending:bx:R:4",
                    kind="concordance-pending", status=ItemStatus.OPEN, priority="high",
                    priority_rank=1, laterality="R", finding_key="R:mass:4",
                    finding_type="mass", next_step="Document radiology-pathology concordance",
                    opened_at=utcnow(), due_at=utcnow() + timedelta(days=3))
        session.add(item)
        session.commit()
        item_id = item.id
    login(client, "rafa")
    page = client.get(f"/items/{item_id}").text.replace("&#39;", "'")
    side = page[page.index('id="correlation-h"'):page.index('id="actions-h"')]
    assert '<dd class="birads">4B</dd>' in side
    assert "An irregular 9 mm mass at 4 o'clock, BI-RADS 4B." in side
    assert "Pseudoangiomatous stromal hyperplasia (PASH)" in side and "Benign" in side
    token = csrf(client, f"/items/{item_id}")
    response = client.post(f"/items/{item_id}/concordance", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Choose one verdict (concordant benign, concordant malignant, discordant or high " \
           "risk) before documenting concordance; nothing was recorded." in response.text
    assert "Field required" not in response.text and "verdict:" not in response.text
    assert not [e for e in _events(sessions, item_id) if e.action == "concordance"]
    with sessions() as session:
        assert not session.scalars(select(ConcordanceDecision)).all()


# 7. Outreach and lost to follow-up

def test_outreach_is_logged_counted_on_the_list_and_lost_to_follow_up_is_a_status(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    item = seeded.seed_item
    token = csrf(client, f"/items/{item}")
    for outcome in ("no-answer", "reached", "no-answer", "no-answer", "left-message"):
        response = client.post(f"/items/{item}/outreach",
                               data={"csrf_token": token, "channel": "phone",
                                     "outcome": outcome, "note": "home number"},
                               follow_redirects=False)
        assert response.status_code == 303
    assert client.post(f"/items/{item}/outreach", data={
        "csrf_token": token, "channel": "pigeon", "outcome": "reached"}).status_code == 422
    row = next(r for r in ROWS.findall(client.get("/").text) if f'value="{item}"' in r)
    assert "No answer ×3" in row  # three unanswered since the patient was last reached
    api = client.get(f"/api/v1/items/{item}/outreach", headers=bearer(seeded, "cora")).json()
    assert [(a["channel"], a["outcome"], a["actor"]) for a in api][:2] == [
        ("phone", "no-answer", "cora"), ("phone", "reached", "cora")]
    with sessions() as session:
        assert len(session.scalars(select(OutreachAttempt)).all()) == 5
    assert len(_audited(sessions, "record-outreach")) == 5

    assert client.post(f"/items/{item}/lost", data={"csrf_token": token, "reason": ""}
                       ).status_code == 422
    response = client.post(f"/items/{item}/lost", data={
        "csrf_token": token, "reason": "Three calls and a letter unanswered; moved away"})
    assert response.status_code == 200 and "Lost to follow up" in response.text
    with sessions() as session:
        lost = session.get(Item, item)
        assert lost is not None and lost.status is ItemStatus.LOST_TO_FOLLOW_UP
        assert lost.closed_at is not None
    assert item not in _row_ids(client.get("/", params={"queue": "everything"}).text)
    listed = client.get("/api/v1/items", params={"status": "lost-to-follow-up"},
                        headers=bearer(seeded, "cora")).json()
    assert [(i["id"], i["status"]) for i in listed["items"]] == [(item, "lost-to-follow-up")]
    page = client.get("/", params={"status": "lost-to-follow-up"}).text
    assert _row_ids(page) == [item]
    [event] = [e for e in _events(sessions, item) if e.action == "lost-to-follow-up"]
    assert event.reason.startswith("Three calls") and event.actor == "cora"
    assert _audited(sessions, "lost-to-follow-up")[0].object_id == str(item)


def test_the_api_holds_assigns_and_logs_outreach_with_the_same_rules(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    headers = bearer(seeded, "cora")
    url = f"/api/v1/items/{seeded.seed_item}"
    assert client.post(f"{url}/assign", json={"assignee": "nobody-here"},
                       headers=headers).status_code == 422
    assert client.post(f"{url}/assign", json={"assignee": "cora"},
                       headers=headers).json()["assignee"] == "cora"
    held = client.post(f"{url}/hold", json={"until": "2099-01-14", "reason": "booked"},
                       headers=headers)
    assert held.status_code == 200
    assert held.json()["held_until"].startswith("2099-01-14T00:00")
    assert held.json()["hold_reason"] == "booked"
    listed = client.get("/api/v1/items", params={"queue": "today"}, headers=headers).json()
    assert seeded.seed_item not in [i["id"] for i in listed["items"]]
    assert client.post(f"{url}/release", headers=headers).json()["held_until"] is None
    assert client.post(f"{url}/release", headers=headers).status_code == 409
    assert client.post(f"{url}/outreach", json={"channel": "letter", "outcome": "sent"},
                       headers=headers).status_code == 200
    assert client.post(f"{url}/outreach", json={"channel": "fax", "outcome": "sent"},
                       headers=headers).status_code == 422
    lost = client.post(f"{url}/lost-to-follow-up", json={"reason": "moved away"},
                       headers=headers)
    assert lost.json()["status"] == "lost-to-follow-up"
    assert client.post(f"{url}/hold", json={"until": "2099-01-14", "reason": "x"},
                       headers=headers).status_code == 409  # closed: nothing to hold
    actions = [e.action for e in _events(sessions, seeded.seed_item)]
    assert actions == ["assigned", "held", "hold-released", "outreach", "lost-to-follow-up"]


def test_the_rules_leave_an_item_lost_to_follow_up_closed(
    pushed_client: TestClient, pushed: PushedCase, sessions: sessionmaker[Session]
) -> None:
    """Seed 000 from the pipeline: the asymmetry is still unsampled, so the rules would keep its
    item open; a coordinator's "lost to follow-up" is a person's decision and stays."""
    url = f"/api/v1/items/{pushed.unsampled_item}/lost-to-follow-up"
    response = pushed_client.post(url, json={"reason": "No answer to three calls and a letter"},
                                  headers=bearer(pushed, "cora"))
    assert response.status_code == 200 and response.json()["status"] == "lost-to-follow-up"
    with sessions() as session:
        reevaluate_patient(session, pushed.patient_pk, "pipeline")
        session.commit()
    with sessions() as session:
        item = session.get(Item, pushed.unsampled_item)
        assert item is not None and item.status is ItemStatus.LOST_TO_FOLLOW_UP
    assert [e.action for e in _events(sessions, pushed.unsampled_item)] == [
        "opened", "lost-to-follow-up"]
