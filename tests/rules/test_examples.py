"""The example cases end to end through the report reader: YAML events -> documents -> facts -> items.

Report events become ReportDocuments (the reader reads them), image events become ImageRecords, days
count from 2026-11-21 and the case is evaluated at that day. The coded (TID 4200) case goes through
the DICOM path and is covered by the hand-built facts in test_examples_facts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from rules.anatomy import Laterality
from rules.case import Case
from rules.documents import ImageRecord, Modality, ReportDocument, Section, View, ViewModifier
from rules.facts import ReportFacts
from tests.rules.expected import CASES, check_closed, check_final, load_case, replay
from tests.rules.factories import DAY0

pytestmark = pytest.mark.skipif(
    not CASES.is_dir(), reason="the shared examples folder is not beside the repository"
)

_MODIFIERS = {
    "spot": ViewModifier.SPOT_COMPRESSION,
    "magnification": ViewModifier.MAGNIFICATION,
    "tangential": ViewModifier.TANGENTIAL,
}
_MODALITIES = {"MG": Modality.MG, "US": Modality.US, "DBT": Modality.DBT, "MR": Modality.MR}


def _when(day: float) -> datetime:
    return DAY0 + timedelta(days=day)


# As the DICOM edge reads a header: an image is marked imported only by its descriptions here (the
# synthetic files carry no coerced attributes); an outside prior otherwise shows by its institution.
_IMPORTED_WORDS = frozenset({"OUTSIDE", "OSH", "IMPORTED"})


def _images(case_id: str, index: int, event: dict[str, Any], home: str) -> list[ImageRecord]:
    views = event.get("views") or [None]
    count = int(event.get("count", len(views)))
    acquired = _when(event["acquired_day"]) if "acquired_day" in event else _when(event["day"])
    side = event.get("laterality")
    return [
        ImageRecord(
            sop_instance_uid=f"{case_id}.{index}.{n}",
            study_uid=f"{case_id}.{event.get('study', index)}",
            acquired_at=acquired,
            modality=_MODALITIES.get(event.get("modality", ""), Modality.OTHER),
            laterality=Laterality(side) if side in ("L", "R", "B") else None,
            view=View(views[n % len(views)]) if views[n % len(views)] in View.__members__ else None,
            modifiers=frozenset(
                _MODIFIERS[m] for m in event.get("modifiers", []) if m in _MODIFIERS
            ),
            specimen=bool(event.get("specimen", False)),
            study_description=event.get("study_description", ""),
            series_description=event.get("series_description", ""),
            outside_prior=bool(_IMPORTED_WORDS & set(" ".join(
                (event.get("study_description", ""), event.get("series_description", ""))).upper().split())),
            institution=str(event.get("institution") or home),
        )
        for n in range(count)
    ]


def _document(
    case_id: str, index: int, event: dict[str, Any], uids: dict[str, str]
) -> ReportDocument:
    uid = f"{case_id}.r{index}"
    if "id" in event:
        uids[event["id"]] = uid
    predecessor = uids.get(event.get("addendum_to", ""), None)
    return ReportDocument(
        uid=uid,
        title_text=str(event.get("title", "")),
        study_description=str(event.get("study_description", "")),
        observed_at=_when(event["day"]),
        predecessor_uids=(predecessor,) if predecessor else (),
        sections=tuple(
            Section(h, str(t).strip()) for h, t in (event.get("sections") or {}).items()
        ),
    )


Event = tuple[float, ReportFacts | ImageRecord]


def _coded_document(
    data: dict[str, Any], index: int, event: dict[str, Any], uids: dict[str, str]
) -> ReportDocument:
    """A coded (``sr: enhanced``, TID 4200) report, rendered as the DICOM edge would receive it and
    turned into a document the way the reader tests do; UIDs and time as for free-text reports."""
    pytest.importorskip("pydicom")
    from dicom_io.synth.render import render_case
    from tests.reader.sr_tree import to_document

    rendered = render_case(data, DAY0.date())[index]  # one dataset per report event
    text = _document(str(data["id"]), index, {**event, "sections": {}}, uids)
    return replace(
        to_document(rendered.datasets[0]),
        uid=text.uid,
        observed_at=text.observed_at,
        predecessor_uids=text.predecessor_uids,
    )


def _study_descriptions(events: list[dict[str, Any]]) -> dict[str, str]:
    """Each study's description as the first of its events names it: over DICOM a report carries
    its study's description even when the report event itself leaves it out."""
    out: dict[str, str] = {}
    for event in events:
        if "study" in event and event.get("study_description"):
            out.setdefault(str(event["study"]), str(event["study_description"]))
    return out


def _with_study_description(event: dict[str, Any], described: dict[str, str]) -> dict[str, Any]:
    if event.get("study_description") or str(event.get("study", "")) not in described:
        return event
    return {**event, "study_description": described[str(event["study"])]}


def events_through_reader(data: dict[str, Any]) -> list[Event]:
    """A case file (examples format) as (day, facts or image) in event order; the reader reads
    the reports (coded TID 4200 ones as the DICOM edge receives them)."""
    reader = pytest.importorskip("rules.reader", reason="the report reader is not available yet")
    case_id = str(data["id"])
    home = str((data.get("site") or {}).get("imaging") or "Demo Breast Centre")  # the synth's default
    uids: dict[str, str] = {}
    out: list[Event] = []
    described = _study_descriptions(data["events"])
    for index, event in enumerate(data["events"]):
        if event["kind"] == "image":
            out += [(event["day"], i) for i in _images(case_id, index, event, home)]
        elif event["kind"] == "report":
            coded = str(event.get("sr", "")).lower() == "enhanced"
            document = (
                _coded_document(data, index, event, uids)
                if coded
                else _document(case_id, index, _with_study_description(event, described), uids)
            )
            out.append((event["day"], reader.read_report(document)))
    return out


def _case(events: list[Event]) -> Case:
    return Case(
        tuple(e for _, e in events if isinstance(e, ReportFacts)),
        tuple(e for _, e in events if isinstance(e, ImageRecord)),
    )


def replay_steps(events: list[Event]) -> list[tuple[datetime, Case]]:
    """The case after each event day (evaluated that day), then the whole case at day 0, as the
    service sees it when events arrive in time order."""
    days = sorted({d for d, _ in events})
    return [(_when(d), _case([e for e in events if e[0] <= d])) for d in days] + [
        (DAY0, _case(events))
    ]


def check_story(data: dict[str, Any]) -> list[str]:
    """Problems with a case file's expected block, replayed through the reader and the rules."""
    open_items, closed_items = replay(replay_steps(events_through_reader(data)))
    expected = data["expected"]
    return check_final(expected, open_items) + check_closed(expected, closed_items)


_FREE_TEXT = (
    sorted(
        p.stem for p in CASES.glob("*.yaml") if "sr: enhanced" not in p.read_text(encoding="utf-8")
    )
    if CASES.is_dir()
    else []
)


@pytest.mark.parametrize("case_id", _FREE_TEXT)
def test_example_through_the_reader(case_id: str) -> None:
    problems = check_story(load_case(case_id))
    assert not problems, "\n".join(problems)
