"""Real receivers for notifications, and settings that deliver to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notifications.seed import notify_settings
from tests.notifications.servers import SmtpServer, WebhookServer, running_smtp
from worklist.settings import Settings


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server


@pytest.fixture
def mail_settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> Settings:
    return notify_settings(database_url, tmp_path / "data", smtp_host=smtp.host,
                           smtp_port=smtp.port)
