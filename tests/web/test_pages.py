"""The pages through a real session: login, CSRF, idle timeout, the worklist, an item, the audit
trail and its CSV export, the failed-ingest list."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import PASSWORD, PROCEDURE_SENTENCE, SEED_PATIENT_ID, SEED_SENTENCE, Seeded
from tests.web.through_pipeline import PushedCase
from worklist.db.models import AuditEntry, ConcordanceDecision, Item, WebSession

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/login") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, path
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_pages_redirect_to_login_until_logged_in(client: TestClient, seeded: Seeded) -> None:
    for path in ("/", f"/items/{seeded.seed_item}", f"/patients/{seeded.seed_patient_pk}",
                 "/failed", "/admin/audit", "/admin/audit.csv"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")


def test_a_wrong_password_is_refused_and_audited(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    response = client.post("/login", data={"username": "cora", "password": "wrong password!",
                                           "csrf_token": csrf(client)})
    assert response.status_code == 401 and "Wrong username or password" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cora")
                               ).all() == ["login-failed"]


def test_login_needs_the_form_token(client: TestClient, seeded: Seeded) -> None:
    response = client.post("/login", data={"username": "cora", "password": PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 403
    response = client.post("/login", data={"username": "cora", "password": PASSWORD,
                                           "csrf_token": "fälschung"})
    assert response.status_code == 403


def test_the_worklist_puts_the_urgent_overdue_item_first(client: TestClient,
                                                         seeded: Seeded) -> None:
    login(client, "cora")
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    rows = re.findall(r'<tr class="prio-row-(\w+)( is-overdue)?">', page.text)
    assert rows[0] == ("urgent", " is-overdue")
    # Active only, and only what is due within the horizon: next year's annual follow-up (due in
    # 361 days) waits under "upcoming" instead of sitting beside the overdue biopsy.
    assert [r[0] for r in rows] == ["urgent", "high"]
    assert "OVERDUE" in page.text and "QUILLFEATHER, Zenobia" in page.text
    upcoming = client.get("/", params={"queue": "upcoming"})
    assert re.findall(r'<tr class="prio-row-(\w+)">', upcoming.text) == ["routine"]
    filtered = client.get("/", params={"kind": "follow-up-due", "queue": "upcoming"})
    assert "Follow up due" in filtered.text and "QUILLFEATHER" not in filtered.text
    assert "1 item," in filtered.text
    assert "0 items" in client.get("/", params={"kind": "follow-up-due"}).text
    by_patient = client.get("/", params={"patient": "quillfeather"})
    assert by_patient.text.count('<tr class="prio-row-') == 1
    assert client.get("/", params={"kind": "nonsense"}).status_code == 422


def test_an_item_page_shows_the_evidence_with_its_source_report(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    page = client.get(f"/items/{seeded.seed_item}")
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert SEED_SENTENCE in text and PROCEDURE_SENTENCE in text
    assert "Mammo diagnostic" in text and "Procedure" in text
    assert "7 o'clock, lower outer quadrant, middle depth, 7 cm from nipple" in text
    assert SEED_PATIENT_ID in text
    assert "Document radiology-pathology concordance" not in text  # coordinators cannot
    with sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "view-item")).one()
        assert (entry.actor, entry.patient_pk) == ("cora", seeded.seed_patient_pk)


def test_actions_need_the_csrf_token(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    url = f"/items/{seeded.seed_item}/acknowledge"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    assert client.post(f"/api/v1/items/{seeded.seed_item}/acknowledge").status_code == 403
    token = csrf(client, f"/items/{seeded.seed_item}")
    response = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert "Item acknowledged." in client.get(response.headers["location"]).text
    response = client.post(f"/items/{seeded.seed_item}/resolve",
                           data={"csrf_token": token, "reason": ""})
    assert response.status_code == 422 and "a reason is required" in response.text
    with sessions() as session:
        assert session.get(Item, seeded.seed_item).status == "acknowledged"  # type: ignore


def test_a_coordinator_cannot_dismiss_or_document_concordance(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "cora")
    token = csrf(client, f"/items/{seeded.seed_item}")
    for action, data in (("dismiss", {"reason": "no"}),
                         ("concordance", {"verdict": "concordant-benign"})):
        response = client.post(f"/items/{seeded.seed_item}/{action}",
                               data={"csrf_token": token, **data})
        assert response.status_code == 403, action


def test_concordance_is_documented_only_where_a_biopsy_result_is_in(
    pushed_client: TestClient, pushed: PushedCase, sessions: sessionmaker[Session]
) -> None:
    """Seed 000 from the pipeline: the form is on the biopsy's concordance-pending item, not on the
    unsampled asymmetry (benign pathology of another lesion explains nothing about it)."""
    client = pushed_client
    login(client, "rafa")
    for item_id, offered in ((pushed.concordance_item, True), (pushed.unsampled_item, False)):
        form = f'action="/items/{item_id}/concordance"'
        assert (form in client.get(f"/items/{item_id}").text) is offered
    token = csrf(client, f"/items/{pushed.unsampled_item}")
    refused = client.post(f"/items/{pushed.unsampled_item}/concordance",
                          data={"csrf_token": token, "verdict": "concordant-benign"})
    assert refused.status_code == 409
    assert "once a biopsy of this finding has a pathology result" in refused.text
    response = client.post(f"/items/{pushed.concordance_item}/concordance",
                           data={"csrf_token": token, "verdict": "concordant-benign",
                                 "note": "PASH fits the 4 o'clock lesion"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert "Concordance documented" in client.get(response.headers["location"]).text
    with sessions() as session:
        decisions = session.scalars(select(ConcordanceDecision)).all()
        assert [(d.finding_pk, d.verdict) for d in decisions] == [
            (pushed.biopsied_finding, "concordant-benign")]
        assert session.get(Item, pushed.concordance_item).status == "resolved"  # type: ignore
        assert session.get(Item, pushed.unsampled_item).status == "open"  # type: ignore
        views = session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "view-item", AuditEntry.actor == "rafa")
            .order_by(AuditEntry.id)).all()
    # Each page shown is audited, the one re-shown with the refusal too.
    assert views == [str(pushed.concordance_item), *[str(pushed.unsampled_item)] * 3,
                     str(pushed.concordance_item)]


def test_an_idle_session_expires(client: TestClient, sessions: sessionmaker[Session],
                                 seeded: Seeded) -> None:
    login(client, "cora")
    assert client.get("/", follow_redirects=False).status_code == 200
    with sessions() as session:  # 31 minutes without a request (the default allows 30)
        row = session.scalars(select(WebSession)).one()
        row.last_seen_at -= timedelta(minutes=31)
        session.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with sessions() as session:
        assert session.scalars(select(WebSession.revoked_reason)).one() == "idle"


def test_logout_ends_the_session(client: TestClient, seeded: Seeded) -> None:
    login(client, "cora")
    token = csrf(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_audit_trail_is_for_admins_and_exports_csv(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "cora")
    client.get(f"/items/{seeded.seed_item}")
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client, "/failed")})
    login(client, "ada")
    assert client.get("/", follow_redirects=False).headers["location"] == "/admin/audit"
    page = client.get("/admin/audit", params={"action": "view-item"})
    assert page.status_code == 200 and "1 entry" in page.text
    export = client.get("/admin/audit.csv", params={"actor": "cora"})
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["action"] for r in rows] == ["login", "view-item", "logout"]
    assert rows[1]["patient_pk"] == str(seeded.seed_patient_pk)
    assert rows[1]["remote_addr"] == "testclient"
    trail = client.get("/admin/audit", params={"action": "export-audit"})
    assert "1 entry" in trail.text


def test_the_failed_ingest_list_shows_the_reason(client: TestClient, seeded: Seeded) -> None:
    login(client, "cora")
    page = client.get("/failed")
    assert "1 object the pipeline could not process" in page.text
    assert "SR content tree has no Findings container" in page.text


def test_a_browser_session_calls_the_api_with_its_csrf_header(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "cora")
    url = f"/api/v1/items/{seeded.seed_item}/acknowledge"
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
    token = csrf(client, "/failed")
    response = client.post(url, headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert client.get("/api/v1/items", params={"status": "acknowledged"}).json()["total"] == 2
