"""A pathology report processed before its procedure report: the biopsy is first known from the
pathology alone, then from its own report. The items about it carry over to the biopsy's real
identity instead of being dismissed and opened again, so a coordinator's notes stay with them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.synth import load_case
from tests.conftest import SHARED_EXAMPLES
from tests.pipeline.harness import failed_rows, push
from worklist.cases.reconcile import NO_LONGER_SUPPORTED, RE_KEYED
from worklist.db.models import Item, ItemEvent
from worklist.settings import Settings

PATHOLOGY, PROCEDURE = 7, 6  # PUB-0002's events: the US biopsy report and its pathology


@pytest.mark.slow
def test_pathology_first_then_procedure_report_keeps_one_item_per_step(
    service: tuple[Settings, sessionmaker[Session]],
) -> None:
    settings, sessions = service
    case = load_case(SHARED_EXAMPLES / "cases" / "PUB-0002.yaml")
    order = [1, 2, 3, 4, 5, PATHOLOGY, PROCEDURE]
    push(settings, case, order, sessions, wait_each=True)
    assert failed_rows(sessions) == []
    with sessions() as session:
        items = session.scalars(select(Item)).all()
        events = session.scalars(select(ItemEvent)).all()
        kinds = sorted(i.kind for i in items)
        by_id = {i.id: i for i in items}
        dismissed = [by_id[e.item_pk].kind for e in events
                     if e.action == "dismissed" and e.reason == NO_LONGER_SUPPORTED]
        carried = [e for e in events if e.reason == RE_KEYED]
    # one item per step: the pathology made concordance pending before the procedure report came
    assert kinds.count("concordance-pending") == 1, kinds
    # Only the safety net's question "which biopsy is this result from?" goes, once the procedure
    # report answers it; every step the patient needs keeps its one item.
    assert dismissed == ["correlation-review"], dismissed
    assert carried, "the concordance item should have moved to the biopsy's own key"
    assert all(e.data.get("previous_key") for e in carried)
