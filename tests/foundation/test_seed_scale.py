"""``worklist db seed-scale``: a small run against real PostgreSQL fills the tables with plainly
synthetic rows that the worklist API lists, and the command refuses databases it must not touch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from rules.site import load_site_config
from worklist.accounts.service import create_token, create_user
from worklist.commands.seed import SEED_ISSUER, SeedRefused, seed
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Patient
from worklist.settings import load_settings
from worklist.outcomes.service import latest_known_year, run_audit
from worklist.web.app import create_app
from rules.audit.exams import Purpose

PATIENTS, ITEMS, EXAMS = 40, 600, 3000


def _scalar(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_seed_command_fills_the_worklist(postgres_url: str, tmp_path: Path) -> None:
    env = os.environ | {"WORKLIST_DATABASE_URL": postgres_url, "WORKLIST_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "worklist.cli", "db", "seed-scale", "--patients", str(PATIENTS),
         "--items", str(ITEMS), "--exams", str(EXAMS)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"seeded {PATIENTS} patients" in done.stdout
    made = int(re.search(r"(\d+) examinations", done.stdout).group(1))  # type: ignore[union-attr]
    assert made > EXAMS  # the drawn ones and the work-up of recalled screens
    assert _scalar(postgres_url, "SELECT count(*) FROM reports WHERE kind = 'radiology' "
                                 "AND interpreter <> ''") == made
    biopsied = _scalar(postgres_url, "SELECT count(*) FROM pathology_results")
    assert biopsied > 0 and _scalar(
        postgres_url, "SELECT count(*) FROM pathology_results WHERE category = 'malignant'") > 0

    assert _scalar(postgres_url, f"SELECT count(*) FROM patients WHERE issuer = '{SEED_ISSUER}' "
                                 "AND patient_id LIKE 'SEED-%'") == PATIENTS
    assert _scalar(postgres_url, "SELECT count(*) FROM items") == ITEMS
    assert _scalar(postgres_url, "SELECT count(*) FROM findings") == 3 * PATIENTS
    assert _scalar(postgres_url,
                   "SELECT count(*) FROM item_events WHERE action = 'opened'") == ITEMS
    assert _scalar(postgres_url, "SELECT count(DISTINCT kind) FROM items") > 5
    assert _scalar(postgres_url, "SELECT count(*) FROM items WHERE due_at IS NULL") == 0
    # The indexes dropped for the load are all back.
    assert _scalar(postgres_url, "SELECT count(*) FROM pg_indexes WHERE indexname IN ("
                                 "'ix_items_active_worklist', 'uq_items_patient_pk_item_key', "
                                 "'ix_item_events_item_pk', 'ix_findings_patient_pk')") == 4
    active = _scalar(postgres_url,
                     "SELECT count(*) FROM items WHERE status IN ('open', 'acknowledged')")

    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            create_user(session, "cora", "correct horse battery", "coordinator")
            token = create_token(session, "cora")
            session.commit()
        app = create_app(load_settings(database_url=postgres_url, data_dir=tmp_path / "data"),
                         sessions)
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            every = client.get("/api/v1/items", params=[
                ("status", s) for s in ("open", "acknowledged", "resolved", "dismissed")]).json()
            assert every["total"] == ITEMS and len(every["items"]) == 50
            assert every["items"][0]["patient_id"].startswith("SEED-")
            opened = client.get("/api/v1/items").json()  # the active ones, by default
            assert opened["total"] == active
            one = client.get("/api/v1/items", params=[("patient_id", "SEED-0000001"), ("status", "open"),
                                                      ("status", "resolved"), ("status", "dismissed"),
                                                      ("status", "acknowledged")]).json()
            assert one["items"] and all(i["patient_id"] == "SEED-0000001" for i in one["items"])
            assert client.get("/", params={"kind": "follow-up-due"}).status_code == 200
        with sessions() as session:  # the seeded examinations make an audit with every number
            audit = run_audit(session, latest_known_year())
        screening = audit.summaries[Purpose.SCREENING]
        counts = {c.key: c.value for c in screening.counts}
        assert counts["exams"] > 500 and counts["positive"] > 20 and counts["closed"] > 500
        assert {m.key: m.value for m in screening.metrics}["recall_rate"] is not None
        assert len(audit.readers) == 12
    finally:
        engine.dispose()


def test_seed_refuses_a_database_with_real_patients(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    site = load_site_config(None)
    try:
        with make_session_factory(engine)() as session:
            session.add(Patient(patient_id="PUB-0001", issuer="NFBC", name="MORROW^ELSPETH"))
            session.commit()
        with pytest.raises(SeedRefused, match="not seeded"):
            seed(engine, 5, 20, site)
        assert _scalar(postgres_url, "SELECT count(*) FROM items") == 0
        seed(engine, 5, 20, site, force=True)
        seed(engine, 5, 20, site, force=True)  # numbering continues after the earlier run
        assert _scalar(postgres_url, "SELECT count(DISTINCT patient_id) FROM patients "
                                     f"WHERE issuer = '{SEED_ISSUER}'") == 10
    finally:
        engine.dispose()


def test_seed_refuses_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'worklist.db'}")
    try:
        with pytest.raises(SeedRefused, match="PostgreSQL"):
            seed(engine, 5, 20, load_site_config(None))
    finally:
        engine.dispose()
