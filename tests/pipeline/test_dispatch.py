"""The listener's publisher: rows committed together leave in one broker message."""

from __future__ import annotations

import logging
import threading

import pytest

from tasks.dispatch import BrokerDispatcher


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
