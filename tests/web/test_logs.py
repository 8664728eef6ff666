"""No patient name, identifier or report text in any log line the web app produces, even at
DEBUG with uvicorn's access log on, and none echoed in error messages."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest
from fastapi import FastAPI

from tests.web.seed import PASSWORD, SEED_NAME, SEED_PATIENT_ID, SEED_SENTENCE, Seeded
from tests.web.server import running
from worklist.log_format import formatter

SENTINELS = [SEED_PATIENT_ID, *SEED_NAME.split("^"), "Quillfeather", "1970-10-30",
             SEED_SENTENCE[:40]]


def _exercise(base: str, seeded: Seeded) -> list[httpx.Response]:
    """Every kind of route, with the patient's ID and name in paths, queries and bodies."""
    api = {"Authorization": f"Bearer {seeded.tokens['cora']}"}
    rafa = {"Authorization": f"Bearer {seeded.tokens['rafa']}"}
    responses = []
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        responses.append(client.get("/", params={"patient": SEED_PATIENT_ID}))
        login_page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
        assert token
        responses.append(client.post("/login", data={
            "username": "cora", "password": PASSWORD, "csrf_token": token.group(1)}))
        responses.append(client.get("/", params={"patient": SEED_PATIENT_ID}))
        responses.append(client.get("/", params={"patient": "quillfeather", "kind": "bad"}))
        responses.append(client.get(f"/items/{seeded.seed_item}"))
        responses.append(client.get(f"/patients/{seeded.seed_patient_pk}"))
        responses.append(client.get("/api/v1/items", params={"patient_id": SEED_PATIENT_ID},
                                    headers=api))
        responses.append(client.get("/api/v1/items", params={"kind": SEED_PATIENT_ID},
                                    headers=api))
        responses.append(client.get("/api/v1/items", params={"patient_id": SEED_PATIENT_ID * 9},
                                    headers=api))
        responses.append(client.get(f"/api/v1/patients/{SEED_PATIENT_ID}/case", headers=api))
        responses.append(client.get(f"/api/v1/patients/{SEED_PATIENT_ID}X/case", headers=api))
        responses.append(client.post(f"/api/v1/items/{seeded.seed_item}/notes", headers=api,
                                     json={"note": f"Called {SEED_NAME} about the biopsy"}))
        responses.append(client.post(f"/api/v1/items/{seeded.seed_item}/resolve", headers=api,
                                     json={"reason": SEED_PATIENT_ID, "extra": SEED_NAME}))
        responses.append(client.post(f"/api/v1/findings/{seeded.biopsied_finding}/concordance",
                                     headers=rafa,
                                     json={"verdict": SEED_NAME, "note": SEED_PATIENT_ID}))
        responses.append(client.post(f"/api/v1/findings/{seeded.biopsied_finding}/concordance",
                                     headers=rafa, json={"verdict": "discordant",
                                                         "note": f"{SEED_NAME} informed"}))
    return responses


def test_no_patient_data_in_logs_or_error_messages(
    app: FastAPI, seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    # The HTTP client plays the browser here; its own request log is not the product's.
    for client_logger in ("httpx", "httpcore"):
        caplog.set_level(logging.WARNING, logger=client_logger)
    caplog.set_level(logging.DEBUG)  # last: this also sets the capturing handler's level
    with running(app, log_level="debug") as base:
        responses = _exercise(base, seeded)
    assert [r.status_code for r in responses] == [
        200, 200, 200, 422, 200, 200, 200, 422, 422, 200, 404, 200, 422, 422, 201]
    records = caplog.records
    access = [r.getMessage() for r in records if r.name == "uvicorn.access"]
    # The capture works: the access log saw the patient routes, with the identifier cut out.
    assert any("/api/v1/patients/-/case" in line for line in access), access
    assert len(access) >= len(responses)
    lines = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records]
    for sentinel in SENTINELS:
        leaked = [line for line in lines if sentinel.lower() in line.lower()]
        assert not leaked, f"{sentinel!r} appeared in the logs: {leaked[:3]}"
    for response in responses:
        if response.status_code >= 400:
            for sentinel in SENTINELS:
                assert sentinel.lower() not in response.text.lower(), response.text[:300]


def test_json_log_lines_are_json_and_free_of_patient_data(app: FastAPI, seeded: Seeded) -> None:
    """``WORKLIST_LOG_FORMAT=json``: the same routes, each line as the formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for client_logger in ("httpx", "httpcore"):
        logging.getLogger(client_logger).setLevel(logging.WARNING)
    try:
        with running(app, log_level="debug") as base:
            _exercise(base, seeded)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for client_logger in ("httpx", "httpcore"):
            logging.getLogger(client_logger).setLevel(logging.NOTSET)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    access = [e["message"] for e in entries if e["logger"] == "uvicorn.access"]
    assert any("/api/v1/patients/-/case" in message for message in access), access
    for sentinel in SENTINELS:
        leaked = [line for line in lines if sentinel.lower() in line.lower()]
        assert not leaked, f"{sentinel!r} appeared in the JSON logs: {leaked[:3]}"
