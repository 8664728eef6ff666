"""``worklist serve`` as an IT team runs it, observed from outside: Prometheus metrics scraped over
HTTP and parsed with prometheus-client's own parser, JSON log lines free of patient data, and
notifications that would reach nobody reported at start-up and in ``/health``."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dicom_io.push import push_case
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.pipeline.processes import Process, Worklist, wait_until
from worklist.demo import load_stories

TOKEN = "metrics-7f3a9c"
PATIENT_ID = "ZQX-5521-PT"
PATIENT_NAME = "QUILLBY^ROSAMUND"
SENTINELS = [PATIENT_ID, "QUILLBY", "ROSAMUND"]


class Served:
    def __init__(self, process: Process, http_port: int, dicom_port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{http_port}"
        self.dicom_port = dicom_port

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def metrics(self) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        """Every sample, by name and sorted labels, as Prometheus would read it."""
        response = self.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                    sample.value
        return samples


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    http_port, dicom_port = free_port(), free_port()
    worklist = Worklist(tmp_path / "run", {
        "WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_HOST": "127.0.0.1",
        "WORKLIST_DICOM_PORT": str(dicom_port), "WORKLIST_HTTP_PORT": str(http_port),
        "WORKLIST_LOG_FORMAT": "json", "WORKLIST_LOG_LEVEL": "DEBUG",
        "WORKLIST_METRICS_TOKEN": TOKEN,
    })
    process = worklist.start("serve", name="serve")
    served = Served(process, http_port, dicom_port)

    def answers() -> bool:
        assert process.running, process.output()[-3000:]
        try:
            return served.get("/health").status_code in (200, 503)
        except httpx.HTTPError:
            return False

    wait_until(answers, 120, "worklist serve to answer /health", every=0.2)
    try:
        yield served
    finally:
        process.stop()


def _story_with_sentinels() -> dict[str, object]:
    story = copy.deepcopy(next(s for s in load_stories() if s["id"] == "DEMO-0001"))
    story["patient"] = {**story["patient"], "id": PATIENT_ID, "name": PATIENT_NAME}
    return story


def _value(samples: dict[tuple[tuple[str, str], ...], float], **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for key, v in samples.items() if wanted <= set(key))


def _failed_login(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=10) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        client.post("/login", data={"username": "nobody", "password": "wrong",
                                    "csrf_token": token.group(1)})


def test_metrics_are_scraped_and_parsed_and_logs_are_json_without_patient_data(
    served: Served, tmp_path: Path,
) -> None:
    assert served.get("/metrics").status_code == 401
    assert served.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401

    stored = push_case(_story_with_sentinels(), "127.0.0.1", served.dicom_port, "PACS",
                       "WORKLIST")
    bad = factories.write(factories.malformed_sr(), tmp_path / "malformed.dcm")
    assert send(served.dicom_port, [bad]) == [0xC212]
    _failed_login(served)

    def processed() -> bool:
        body = served.get("/health").json()
        return body["pending"] == 0 and body["database"] == "ok"

    wait_until(processed, 120, "the pipeline to process every object", every=0.2)
    metrics = served.metrics()

    assert _value(metrics["worklist_dicom_objects_total"], status="0x0000") == stored
    assert _value(metrics["worklist_dicom_objects_total"], status="0xC212") == 1
    assert metrics["worklist_inbox_pending"][()] == 0
    assert metrics["worklist_inbox_oldest_pending_seconds"][()] == 0
    assert _value(metrics["worklist_pipeline_task_seconds_count"], task="ingest") == stored
    assert _value(metrics["worklist_pipeline_task_seconds_count"], task="ingest",
                  outcome="done") == stored
    assert _value(metrics["worklist_items_open"], kind="unsampled-finding") == 1
    assert _value(metrics["worklist_items_open"]) >= 1
    assert _value(metrics["worklist_items_overdue"]) >= 0
    assert metrics["worklist_login_failures_total"][()] == 1

    health = served.get("/health").json()
    assert health["notifications"] == "not configured"
    assert health["status"] == "degraded"

    served.process.stop()
    (tmp_path / "serve.log").write_text(served.process.output())
    lines = [line for line in served.process.output().splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any("notifications go nowhere" in e["message"] and e["level"] == "WARNING"
               for e in entries)
    assert any(e["logger"] == "tasks.ingest" for e in entries), "DEBUG reached the pipeline"
    for sentinel in SENTINELS:
        leaked = [line for line in lines if sentinel.lower() in line.lower()]
        assert not leaked, f"{sentinel!r} in the logs: {leaked[:3]}"
