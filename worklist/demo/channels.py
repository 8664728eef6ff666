"""Stories sent the way a site's systems send them: images and most reports from PACS over DICOM,
and the events marked ``channel: hl7`` (a pathology result from the laboratory, a report from the
RIS) as ORU^R01 over MLLP.

An HL7 event carries what its DICOM rendering would: the same patient, accession, time and report
sections, so the items must not depend on the channel. An addendum over HL7 is the corrected
version (OBR-25 ``C``) of the HL7 result it amends.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import hl7
from hl7.mllp import open_hl7_connection

from dicom_io.push import send_event
from dicom_io.synth import RenderedEvent, render_case
from dicom_io.synth.case import (
    Case, CaseError, Event, acquisition_moment, event_by_id, patient_of, plan_studies, site_of,
    study_key,
)
from dicom_io.synth.reports import report_sections, report_title
from dicom_io.synth.uids import UidMaker
from hl7_io.synth import Party, SynthPatient, oru

HL7_CHANNEL = "hl7"
RECEIVER = Party("WORKLIST")


def is_hl7(event: Event) -> bool:
    return str(event.get("channel", "dicom")).lower() == HL7_CHANNEL


@dataclass(frozen=True)
class Hl7Event:
    """One event as an HL7 message (the text to send, in UTF-8)."""

    index: int
    day: int
    message: str
    control_id: str


StoryEvent = RenderedEvent | Hl7Event


def _control_id(case: Case, index: int, run_tag: str) -> str:
    digest = hashlib.sha256(f"{case['id']}/{index}/{run_tag}".encode()).hexdigest()[:12]
    return f"{str(case['id'])[:20]}-{index:03d}-{digest}"


def _amended_accession(case: Case, event: Event, accessions: dict[str, str]) -> str | None:
    if "addendum_to" not in event:
        return None
    amended, index = event_by_id(case, str(event["addendum_to"]))
    if not is_hl7(amended):
        raise CaseError(f"case {case.get('id')}: an addendum over HL7 amends an HL7 report")
    return accessions[study_key(case, amended, index)]


def render_hl7_event(case: Case, index: int, day0: date, run_tag: str = "") -> Hl7Event:
    event = case["events"][index - 1]
    if event.get("kind") != "report":
        raise CaseError(f"case {case.get('id')} event {index}: only reports travel over HL7")
    site = site_of(case)
    studies = plan_studies(case, day0, UidMaker(str(case["id"]), run_tag=run_tag))
    study = studies[study_key(case, event, index)]
    accessions = {key: s.accession for key, s in studies.items()}
    pathology = report_title(case, event) == "pathology"
    moment = acquisition_moment(event, index, day0)
    person = patient_of(case, day0)
    amended = _amended_accession(case, event, accessions)
    sender = Party("LIS", site["pathology"]) if pathology else Party("RIS", site["imaging"])
    control_id = _control_id(case, index, run_tag)
    message = oru(
        sender=sender, receiver=RECEIVER, control_id=control_id, sent_at=moment,
        patient=SynthPatient(person.patient_id, person.issuer, person.name, person.birth_date,
                             person.sex),
        accession=amended or study.accession, placer_accession=amended or study.accession,
        service=study.description, department="SP" if pathology else "RAD",
        observed_at=moment, reported_at=moment,
        status="C" if amended else str(event.get("result_status", "F")),
        sections=report_sections(case, event),
    )
    return Hl7Event(index, int(event["day"]), message, control_id)


def render_story(case: Case, day0: date | None = None, run_tag: str = "") -> list[StoryEvent]:
    """Every event in order: DICOM renderings, and HL7 messages for ``channel: hl7`` events."""
    day0 = day0 or date.today()
    rendered = render_case(case, day0, run_tag=run_tag)
    return [render_hl7_event(case, event.index, day0, run_tag)
            if is_hl7(case["events"][event.index - 1]) else event for event in rendered]


class Hl7SendError(RuntimeError):
    """An HL7 event not acknowledged AA; the message names the event and the answer."""


async def _exchange(host: str, port: int, message: str, timeout: float) -> str:
    """One message over python-hl7's asyncio MLLP streams; the ACK's MSA-1."""
    reader, writer = await asyncio.wait_for(
        open_hl7_connection(host, port, encoding="utf-8"), timeout)
    try:
        writer.writemessage(hl7.parse(message))
        await writer.drain()
        ack = await asyncio.wait_for(reader.readmessage(), timeout)
        return str(ack.segment("MSA")(1))
    finally:
        writer.close()


def send_hl7(event: Hl7Event, host: str, port: int, attempts: int = 3,
             timeout: float = 30) -> None:
    """Send one message with python-hl7's MLLP client streams and require an AA; a message that
    got no answer or an AE is sent again, as an interface engine would."""
    code = "none"
    for _ in range(attempts):
        try:
            code = asyncio.run(_exchange(host, port, event.message, timeout))
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            code = "none"
            continue
        if code == "AA":
            return
        if code == "AR":
            break
    raise Hl7SendError(f"event {event.index}: HL7 answer {code}")


@dataclass(frozen=True)
class Targets:
    host: str
    dicom_port: int
    hl7_port: int
    calling_ae: str = "STORYPACS"
    called_ae: str = "WORKLIST"


def push_story(events: Iterable[StoryEvent], targets: Targets,
               on_event: Callable[[StoryEvent, int], None] | None = None) -> int:
    """Send each event on its channel; the number of objects and messages stored."""
    total = 0
    for event in events:
        if isinstance(event, Hl7Event):
            send_hl7(event, targets.host, targets.hl7_port)
            stored = 1
        else:
            stored = send_event(event, targets.host, targets.dicom_port, targets.calling_ae,
                                targets.called_ae)
        total += stored
        if on_event is not None:
            on_event(event, stored)
    return total


def ordered(events: Sequence[StoryEvent], order: Sequence[int] | None) -> list[StoryEvent]:
    """The events in ``order`` (1-based indices), or as they are."""
    if order is None:
        return list(events)
    by_index = {event.index: event for event in events}
    return [by_index[i] for i in order]
