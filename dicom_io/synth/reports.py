"""Report events as SR documents: Basic Text SR (TID 2000) from ``sections``, Enhanced SR (TID 4200)
from ``coded``. An addendum (``addendum_to``) repeats the amended report's sections after its own
and names the amended document in Predecessor Documents Sequence, as report systems send them."""

from __future__ import annotations

from datetime import datetime

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import BasicTextSRStorage, EnhancedSRStorage

from dicom_io.synth.basic_text import sections_content
from dicom_io.synth.case import Case, CaseError, Event, Patient, Study, event_by_id, study_key
from dicom_io.synth.codes import BREAST_IMAGING_REPORT, DEFAULT_TITLE, DOCUMENT_TITLES
from dicom_io.synth.enhanced import tid4200_content
from dicom_io.synth.header import base_dataset
from dicom_io.synth.sr_content import Reference, document_header, observation_context
from dicom_io.synth.uids import UidMaker

_SERIES_DESCRIPTIONS = {
    "procedure": "PROCEDURE REPORT",
    "pathology": "PATHOLOGY REPORT",
    "radpath": "RAD-PATH CORRELATION",
}


def is_enhanced(event: Event) -> bool:
    return str(event.get("sr", "")).lower() == "enhanced"


def report_title(case: Case, event: Event) -> str:
    """The event's ``title``; an addendum without one keeps the title of what it amends."""
    if "title" in event:
        return str(event["title"])
    if "addendum_to" in event:
        return report_title(case, event_by_id(case, str(event["addendum_to"]))[0])
    return ""


def report_sections(case: Case, event: Event) -> list[tuple[str, str]]:
    own = [(str(name), str(text)) for name, text in (event.get("sections") or {}).items()]
    if "addendum_to" in event:
        amended, _ = event_by_id(case, str(event["addendum_to"]))
        if not is_enhanced(amended):
            own += report_sections(case, amended)
    return own


def predecessor_of(
    case: Case, event: Event, studies: dict[str, Study], uids: UidMaker
) -> Reference | None:
    if "addendum_to" not in event:
        return None
    amended, index = event_by_id(case, str(event["addendum_to"]))
    if amended.get("kind") != "report":
        raise CaseError(
            f"case {case.get('id')}: addendum_to {event['addendum_to']!r} is not a report"
        )
    return Reference(
        study_uid=studies[study_key(case, amended, index)].uid,
        series_uid=uids.series(index, 1),
        sop_class=EnhancedSRStorage if is_enhanced(amended) else BasicTextSRStorage,
        sop_instance=uids.instance(index, 1),
    )


def render_report(
    case: Case,
    event: Event,
    *,
    index: int,
    patient: Patient,
    study: Study,
    studies: dict[str, Study],
    made: datetime,
    evidence: list[Reference],
    referrer: str,
    uids: UidMaker,
) -> Dataset:
    enhanced = is_enhanced(event)
    title = report_title(case, event)
    if not enhanced and title and title not in DOCUMENT_TITLES:
        raise CaseError(f"case {case.get('id')}: unknown report title {title!r}")
    author = str(event.get("author", ""))
    ds = base_dataset(
        sop_class=EnhancedSRStorage if enhanced else BasicTextSRStorage,
        sop_instance=uids.instance(index, 1),
        modality="SR",
        patient=patient,
        study=study,
        series_uid=uids.series(index, 1),
        series_number=index,
        instance_number=1,
        made=made,
        institution=study.institution,
        series_description=str(
            event.get("series_description") or _SERIES_DESCRIPTIONS.get(title, "REPORT")
        ),
        referrer=referrer,
    )
    document_header(
        ds,
        title=BREAST_IMAGING_REPORT if enhanced else DOCUMENT_TITLES.get(title, DEFAULT_TITLE),
        template="4200" if enhanced else "2000",
        author=author,
        organisation=study.institution,
        verified=made,
        evidence=evidence,
        predecessor=predecessor_of(case, event, studies, uids),
    )
    if enhanced:
        if not event.get("coded"):
            raise CaseError(f"case {case.get('id')} event {index}: sr: enhanced needs 'coded'")
        body = tid4200_content(event["coded"])
    else:
        sections = report_sections(case, event)
        if not sections:
            raise CaseError(f"case {case.get('id')} event {index}: a report needs 'sections'")
        body = sections_content(sections)
    ds.ContentSequence = Sequence(observation_context(author) + body)
    return ds
