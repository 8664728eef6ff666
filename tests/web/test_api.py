"""The REST API (v1): authentication and roles on every route, filters, paging, actions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import bearer
from tests.web.seed import SEED_PATIENT_ID, SEED_SENTENCE, Seeded
from tests.web.through_pipeline import PushedCase
from worklist.db.models import AuditEntry, ConcordanceDecision, Item, ItemEvent, Patient

# Who may call what; every other role must get 403. Admins read and work the list; clinical
# decisions (dismissing, documenting concordance) are the radiologist's alone.
ALLOWED_ROLES = {
    ("get", "/api/v1/items"): {"cora", "rafa", "ada"},
    ("get", "/api/v1/items/{item_id}"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/acknowledge"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/resolve"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/notes"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/dismiss"): {"rafa"},
    ("post", "/api/v1/findings/{finding_id}/concordance"): {"rafa"},
    ("get", "/api/v1/patients/{patient_id}/case"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/assign"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/hold"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/release"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/outreach"): {"cora", "rafa", "ada"},
    ("get", "/api/v1/items/{item_id}/outreach"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/items/{item_id}/lost-to-follow-up"): {"cora", "rafa", "ada"},
    ("get", "/api/v1/conflicts"): {"cora", "rafa", "ada"},
    ("get", "/api/v1/conflicts/{conflict_id}"): {"cora", "rafa", "ada"},
    ("post", "/api/v1/conflicts/{conflict_id}/choice"): {"rafa"},
    ("get", "/api/v1/inbox"): {"cora", "rafa", "ada"},
}
BODIES = {"resolve": {"reason": "done"}, "dismiss": {"reason": "not needed"},
          "notes": {"note": "called"}, "concordance": {"verdict": "concordant-benign"},
          "assign": {"assignee": "cora"}, "hold": {"until": "2099-01-14", "reason": "booked"},
          "outreach": {"channel": "phone", "outcome": "no-answer"},
          "lost-to-follow-up": {"reason": "moved away"},
          "choice": {"choice": "keep-on-file"}}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    schema = app.openapi()
    return [(method, path) for path, operations in schema["paths"].items()
            for method in operations if path != "/health"]


def _url(path: str, seeded: Seeded) -> str:
    return path.format(item_id=seeded.seed_item, finding_id=seeded.seed_finding,
                       patient_id=SEED_PATIENT_ID, conflict_id=1)


def _call(client: TestClient, method: str, path: str, seeded: Seeded,
          headers: dict[str, str]) -> Any:
    body = BODIES.get(path.rsplit("/", 1)[-1])
    return client.request(method.upper(), _url(path, seeded), json=body, headers=headers)


def test_the_schema_lists_exactly_the_designed_routes(app: FastAPI) -> None:
    assert set(_routes(app)) == set(ALLOWED_ROLES)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wl_not-a-real-token"},
                                     {"Authorization": "Basic Y29yYTpwdw=="}],
                         ids=["none", "bad-token", "basic"])
def test_every_route_refuses_an_unauthenticated_call(
    app: FastAPI, client: TestClient, seeded: Seeded, headers: dict[str, str]
) -> None:
    for method, path in _routes(app):
        response = _call(client, method, path, seeded, headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


def test_every_route_refuses_a_wrong_role(
    app: FastAPI, client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    restricted = 0
    for method, path in _routes(app):
        wrong = set(seeded.tokens) - ALLOWED_ROLES[(method, path)]
        restricted += bool(wrong)
        for username in wrong:
            response = _call(client, method, path, seeded, bearer(seeded, username))
            assert response.status_code == 403, (method, path, username)
    assert restricted >= 2, "the radiologist-only routes are checked"
    with sessions() as session:
        assert session.scalar(select(func.count(ConcordanceDecision.id))) == 0
        assert session.scalar(select(func.count(ItemEvent.id))) == 0


def test_health_needs_no_authentication(client: TestClient) -> None:
    assert client.get("/health").status_code in (200, 503)
    body = client.get("/health").json()
    assert "database" in body
    assert body["rules_engine"] == "interpreted"  # the test run's editable install


def test_items_are_sorted_by_priority_then_due_date(client: TestClient, seeded: Seeded) -> None:
    body = client.get("/api/v1/items", headers=bearer(seeded, "cora")).json()
    ranks = [{"urgent": 0, "high": 1, "routine": 2}[i["priority"]] for i in body["items"]]
    assert ranks == sorted(ranks)
    assert body["total"] == 3  # the active ones: a worklist lists what is still to be done
    every = client.get("/api/v1/items", headers=bearer(seeded, "cora"),
                       params=[("status", s) for s in ("open", "acknowledged", "resolved", "dismissed")])
    assert every.json()["total"] == 4
    first = body["items"][0]
    assert first["id"] == seeded.seed_item
    assert first["kind"] == "unsampled-finding" and first["laterality"] == "R"
    assert first["patient_id"] == SEED_PATIENT_ID
    assert first["finding"] == {"id": seeded.seed_finding, "type": "asymmetry",
                                "location": {"clock": 7, "quadrant": "LOQ", "depth": "middle",
                                             "nipple_distance_mm": 70}}
    assert first["overdue"] is True
    assert first["evidence"][0]["text"] == SEED_SENTENCE


def test_filters_narrow_the_list(client: TestClient, seeded: Seeded) -> None:
    def ids(**params: Any) -> set[int]:
        response = client.get("/api/v1/items", params=params, headers=bearer(seeded, "cora"))
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert ids(patient_id=SEED_PATIENT_ID, status="open") == {seeded.seed_item}
    assert ids(overdue="true") == {seeded.seed_item}
    assert seeded.seed_item not in ids(overdue="false")
    assert ids(kind="follow-up-due") == {seeded.other_item}
    assert len(ids(status=["open", "acknowledged"])) == 3
    assert len(ids(status="resolved")) == 1
    assert ids(priority="urgent", laterality="R") == {seeded.seed_item}
    assert ids(laterality="L", kind="follow-up-due") == set()


def test_paging_follows_next_links_to_every_item(client: TestClient, seeded: Seeded) -> None:
    seen: list[int] = []
    url: str | None = ("/api/v1/items?page_size=1&status=open&status=acknowledged"
                         "&status=resolved&status=dismissed")  # the filter follows the links
    while url:
        body = client.get(url, headers=bearer(seeded, "cora")).json()
        assert body["page_size"] == 1 and body["pages"] == 4
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 4


INJECTIONS = ["' OR '1'='1", "1; DROP TABLE items; --", "open' --", "\" OR 1=1 --",
              "%' OR 1=1 --", "urgent) OR (1=1", "priority_rank; DELETE FROM items"]


def test_injection_strings_are_refused_or_matched_literally(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        before = (session.scalar(select(func.count(Item.id))),
                  session.scalar(select(func.count(Patient.id))))
    headers = bearer(seeded, "cora")
    for value in INJECTIONS:
        for name in ("status", "kind", "priority", "laterality", "overdue", "sort", "due_from",
                     "page", "page_size"):
            response = client.get("/api/v1/items", params={name: value}, headers=headers)
            assert response.status_code == 422, (name, value)
            assert value not in response.text, "a validation error must not echo the input"
            if name != "page_size":  # the page has a fixed page size
                page = client.get("/", params={name: value}, headers=headers)
                assert page.status_code == 422, (name, value)
                assert value not in page.text
        literal = client.get("/api/v1/items", params={"patient_id": value}, headers=headers)
        assert literal.status_code == 200 and literal.json()["items"] == []
        assert client.get(f"/api/v1/patients/{value}/case", headers=headers).status_code == 404
        page = client.get("/", params={"patient": value}, headers=headers)
        assert page.status_code == 200 and "0 items" in page.text
    with sessions() as session:
        after = (session.scalar(select(func.count(Item.id))),
                 session.scalar(select(func.count(Patient.id))))
    assert after == before


def test_item_actions_write_events_and_audit(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    url = f"/api/v1/items/{seeded.seed_item}"
    cora = bearer(seeded, "cora")
    assert client.post(f"{url}/acknowledge", headers=cora).json()["status"] == "acknowledged"
    assert client.post(f"{url}/acknowledge", headers=cora).status_code == 409
    assert client.post(f"{url}/notes", json={"note": "Patient called"}, headers=cora
                       ).status_code == 200
    assert client.post(f"{url}/resolve", json={"reason": "  "}, headers=cora).status_code == 422
    assert client.post(f"{url}/resolve", json={}, headers=cora).status_code == 422
    done = client.post(f"{url}/resolve", json={"reason": "Stereotactic biopsy booked"},
                       headers=cora).json()
    assert done["status"] == "resolved"
    assert [(e["action"], e["actor"]) for e in done["events"]] == [
        ("acknowledged", "cora"), ("note", "cora"), ("resolved", "cora")]
    assert done["events"][-1]["reason"] == "Stereotactic biopsy booked"
    assert client.post(f"{url}/dismiss", json={"reason": "x"}, headers=bearer(seeded, "rafa")
                       ).status_code == 409
    with sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "item", AuditEntry.object_id == str(seeded.seed_item))
            .order_by(AuditEntry.id)))
        assert actions == ["acknowledge-item", "add-note", "resolve-item"]


def test_a_radiologist_dismisses_with_a_reason(client: TestClient, seeded: Seeded) -> None:
    url = f"/api/v1/items/{seeded.other_item}/dismiss"
    rafa = bearer(seeded, "rafa")
    assert client.post(url, json={"reason": ""}, headers=rafa).status_code == 422
    body = client.post(url, json={"reason": "Duplicate of an earlier recommendation"},
                       headers=rafa).json()
    assert body["status"] == "dismissed"
    assert body["events"][-1]["reason"] == "Duplicate of an earlier recommendation"


def test_concordance_runs_the_real_rules_and_returns_the_items(
    pushed_client: TestClient, pushed: PushedCase, sessions: sessionmaker[Session]
) -> None:
    """Seed 000 from the pipeline, up to its pathology: each verdict re-runs the rules; the
    newest verdict wins, and the unsampled asymmetry stays open throughout."""
    client, rafa = pushed_client, bearer(pushed, "rafa")
    url = f"/api/v1/findings/{pushed.biopsied_finding}/concordance"

    def post(verdict: str, finding_url: str = url) -> Any:
        return client.post(finding_url, json={"verdict": verdict, "note": ""}, headers=rafa)

    def statuses(body: dict[str, Any]) -> dict[str, str]:
        found = {i["kind"]: i["status"] for i in body["items"]
                 if i["kind"] in ("concordance-pending", "discordant-pathology")}
        assert {i["id"]: i["status"] for i in body["items"]}[pushed.unsampled_item] == "open"
        return found

    assert post("concordant").status_code == 422
    asymmetry = post("concordant-benign",
                     f"/api/v1/findings/{pushed.asymmetry_finding}/concordance")
    assert asymmetry.status_code == 409, "no biopsy of the asymmetry has a result"
    assert client.post("/api/v1/findings/999999/concordance", json={"verdict": "high-risk"},
                       headers=rafa).status_code == 404

    first = post("discordant")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["verdict"] == "discordant" and body["finding_id"] == pushed.biopsied_finding
    assert statuses(body) == {"concordance-pending": "resolved", "discordant-pathology": "open"}
    # A correction: concordant after all, then discordant again. The rules closed and reopen the
    # discordance; closing it on the concordance was not a documented excision.
    assert statuses(post("concordant-benign").json()) == {
        "concordance-pending": "resolved", "discordant-pathology": "resolved"}
    assert statuses(post("discordant").json()) == {
        "concordance-pending": "resolved", "discordant-pathology": "open"}

    with sessions() as session:
        assert session.scalar(select(func.count(ConcordanceDecision.id))) == 3
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "document-concordance")).all()
        assert [(e.actor, e.patient_pk) for e in entries] == [("rafa", pushed.patient_pk)] * 3
        # The item a verdict was about names the radiologist in its history.
        documented = session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == pushed.concordance_item, ItemEvent.action == "concordance")).all()
        assert [(e.actor, e.reason) for e in documented] == [
            ("rafa", "Discordant, documented by rafa")]


def test_the_case_holds_findings_biopsies_pathology_and_items(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    response = client.get(f"/api/v1/patients/{SEED_PATIENT_ID}/case",
                          headers=bearer(seeded, "rafa"))
    assert response.status_code == 200
    case = response.json()
    assert case["patient"]["patient_id"] == SEED_PATIENT_ID
    assert {f["type"] for f in case["findings"]} == {"asymmetry", "mass"}
    assert case["procedures"][0]["guidance"] == "ultrasound"
    assert case["pathology"][0]["category"] == "benign"
    assert {i["kind"] for i in case["items"]} == {"unsampled-finding", "pathology-pending"}
    with sessions() as session:
        views = session.scalars(select(AuditEntry).where(AuditEntry.action == "view-case")).all()
        assert [(v.actor, v.patient_pk) for v in views] == [("rafa", seeded.seed_patient_pk)]
    assert client.get("/api/v1/patients/NOPE/case", headers=bearer(seeded, "rafa")
                      ).status_code == 404


def test_list_views_are_audited_per_patient(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    client.get("/api/v1/items", headers=bearer(seeded, "cora"))
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "view-items")
                                  ).all()
    assert len(entries) == 2 and {e.actor for e in entries} == {"cora"}
    assert {e.remote_addr for e in entries} == {"testclient"}


def test_the_schema_is_served_to_authenticated_callers_only(
    client: TestClient, seeded: Seeded
) -> None:
    assert client.get("/openapi.json").status_code == 401
    schema = client.get("/openapi.json", headers=bearer(seeded, "ada")).json()
    assert "/api/v1/items" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in ("/docs", "/redoc"):
        assert client.get(path, follow_redirects=False).status_code == 404


@pytest.mark.parametrize("value", ["\x00", "QUILL\x00", "\x1b[2J", "SENT-7731\r\n", "\x7f"])
def test_control_characters_in_filters_are_refused_not_matched(
    client: TestClient, seeded: Seeded, value: str
) -> None:
    """``patient=%00`` matched every item on SQLite (the pattern ended at the NUL) and failed
    on PostgreSQL; a filter with a control character is now a 422 that says so."""
    headers = bearer(seeded, "cora")
    page = client.get("/", params={"patient": value}, headers=headers)
    assert page.status_code == 422 and "control characters" in page.text
    assert "QUILLFEATHER" not in page.text
    for params in ({"patient_id": value}, {"status": "open", "patient_id": value}):
        response = client.get("/api/v1/items", params=params, headers=headers)
        assert response.status_code == 422
        assert "control characters" in response.json()["detail"][0]["msg"]
    assert client.get("/admin/audit", params={"actor": value},
                      headers=bearer(seeded, "ada")).status_code == 422
    assert client.get("/", params={"patient": "quill"}, headers=headers).status_code == 200
