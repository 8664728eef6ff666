"""An item does not depend on which channel carried the result: the seed story (PUB-0002, the
asymmetry left unsampled after the US-biopsied lesion turned out to be elsewhere) pushed with its
diagnostic report from the RIS and its pathology from the laboratory over HL7 (python-hl7's MLLP
client) reaches the same items as the same story all over DICOM, in time order and shuffled, on
SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import pytest

from dicom_io.synth import load_case
from tests.conftest import SHARED_EXAMPLES
from tests.hl7.conftest import Hl7Service
from tests.pipeline.expectations import problems
from tests.pipeline.harness import DAY0, failed_rows, stored_items
from worklist.demo.channels import Targets, is_hl7, ordered, push_story, render_story

pytestmark = pytest.mark.slow

SEED_STORY = SHARED_EXAMPLES / "cases" / "PUB-0002.yaml"
OVER_HL7 = {"pathology", "mammo-diagnostic"}
"""Report titles a site's laboratory and RIS send as ORU^R01."""


def _variant(story: dict[str, Any], suffix: str, hl7: bool) -> dict[str, Any]:
    case = copy.deepcopy(story)
    case["id"] = f"{story['id']}-{suffix}"
    case["patient"]["id"] = case["id"]
    if hl7:
        for event in case["events"]:
            if event.get("kind") == "report" and event.get("title") in OVER_HL7:
                event["channel"] = "hl7"
    return case


def _run(service: Hl7Service, case: dict[str, Any], order: list[int] | None,
         wait_each: bool) -> Counter[tuple[str, str, str | None, str | None, str]]:
    events = ordered(render_story(case, DAY0), order)
    targets = Targets("127.0.0.1", service.settings.dicom_port, service.port)
    for event in events:
        push_story([event], targets)
        if wait_each:
            service.wait_idle()
    service.wait_idle()
    assert failed_rows(service.sessions) == []
    items = stored_items(service.sessions, case["patient"]["id"])
    assert problems(case["expected"], items, check_closed=order is None) == []
    return Counter((i.kind, i.status, i.laterality, i.finding_type, i.priority) for i in items)


@pytest.mark.parametrize("arrival", ["time-order", "shuffled"])
def test_the_seed_story_reaches_the_same_items_over_dicom_and_hl7(
    hl7_service: Hl7Service, arrival: str
) -> None:
    story = load_case(SEED_STORY)
    dicom_only, mixed = _variant(story, "DCM", hl7=False), _variant(story, "HL7", hl7=True)
    assert sum(is_hl7(e) for e in mixed["events"]) == 2
    order = None
    if arrival == "shuffled":
        order = list(range(1, len(story["events"]) + 1))
        random.Random(str(story["id"])).shuffle(order)
    over_dicom = _run(hl7_service, dicom_only, order, wait_each=order is None)
    over_both = _run(hl7_service, mixed, order, wait_each=order is None)
    assert over_both == over_dicom
