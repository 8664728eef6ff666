"""Cases pushed over real DICOM associations to the listener end with the items they should.

The listener and the in-process pipeline run in this process, against a real database; the cases
are rendered to DICOM and sent one association per event, like PACS. In time order, after each
event the test waits for the service to be idle, as the evaluation runner does; in shuffled order
the end state must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.synth import load_case
from tests.conftest import SHARED_EXAMPLES
from tests.pipeline.harness import check_in_time_order, check_shuffled
from worklist.settings import Settings


def _examples() -> list[Path]:
    return sorted((SHARED_EXAMPLES / "cases").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_example_in_time_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    check_in_time_order(*service, load_case(path))


@pytest.mark.slow
@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_example_in_shuffled_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    check_shuffled(*service, load_case(path), path.stem)
