"""The listener's publisher: rows committed together leave in one broker message, and the
worker takes that message's reports first."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from tasks.dispatch import BrokerDispatcher
from worklist.db.models import InboxState, ObjectCategory
from worklist.inbox.repository import insert_new, reports_first


def test_rows_waiting_together_share_a_message_up_to_the_cap() -> None:
    sent: list[list[int]] = []
    busy, release = threading.Event(), threading.Event()

    def publish(ids: list[int]) -> None:
        sent.append(list(ids))
        busy.set()
        assert release.wait(10)

    dispatcher = BrokerDispatcher(publish, max_ids=4)
    dispatcher.submit(1)
    assert busy.wait(10), "a lone row is published at once"
    for inbox_id in range(2, 12):  # arrive while the first message is being sent
        dispatcher.submit(inbox_id)
    release.set()
    dispatcher.close()
    assert sent == [[1], [2, 3, 4, 5], [6, 7, 8, 9], [10, 11]]


def test_a_failed_publish_is_logged_without_patient_data_and_later_rows_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[list[int]] = []
    failed = threading.Event()

    def publish(ids: list[int]) -> None:
        if not failed.is_set():
            failed.set()
            raise ConnectionError("broker at redis://secret-host unreachable")
        sent.append(ids)

    with caplog.at_level(logging.WARNING, logger="tasks.dispatch"):
        dispatcher = BrokerDispatcher(publish)
        dispatcher.submit(7)
        assert failed.wait(10)
        dispatcher.submit(8)
        dispatcher.close()
    assert sent == [[8]], "row 7 is left pending for the sweeper"
    assert "could not publish 1 inbox rows (ConnectionError); the sweeper will" in caplog.text
    assert "secret-host" not in caplog.text


def test_a_shared_message_runs_its_reports_before_its_images(engine: Engine) -> None:
    now = datetime.now(UTC)
    categories = [ObjectCategory.IMAGE, ObjectCategory.REPORT, ObjectCategory.IMAGE,
                  ObjectCategory.DOCUMENT, ObjectCategory.REPORT]
    rows = [{"sop_instance_uid": f"1.2.826.0.1.{n}", "version": 1, "sop_class_uid": "1.2",
             "transfer_syntax_uid": "1.2.840.10008.1.2.1", "study_uid": "1.2.3",
             "category": category, "calling_ae": "PACS", "called_ae": "WORKLIST",
             "peer_address": "127.0.0.1", "received_at": now, "size_bytes": 1, "sha256": "0" * 64,
             "spool_path": f"objects/{n}.dcm", "conflict": False, "state": InboxState.PENDING}
            for n, category in enumerate(categories)]
    with engine.begin() as connection:
        inserted = insert_new(connection, rows)
        ids = [inserted[str(row["sop_instance_uid"])] for row in rows]
        missing = max(ids) + 1
        ordered = reports_first(connection, [*ids, missing])
    assert ordered == [ids[1], ids[4], ids[0], ids[2], ids[3], missing]
