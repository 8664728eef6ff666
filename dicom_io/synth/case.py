"""Reading a case story (the YAML case format) and the facts every rendered object shares.

A case is a patient, a site and events in time order; each event has a day offset from day 0. The
plain dict read from YAML stays the input; this module derives what several events must agree on:
the patient's birth date, and per study key one Study Instance UID, accession, description and
start.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from dicom_io.synth.uids import UidMaker

Case = dict[str, Any]
Event = dict[str, Any]

DEFAULT_SITE = {
    "imaging": "Demo Breast Centre",
    "pathology": "Demo Pathology Laboratory",
    "issuer": "DEMO",
}
# Events are spread through a working morning, seven minutes apart, so times are distinct and
# ordered like the events.
_FIRST_EVENT = time(8, 0)
_MINUTES_BETWEEN_EVENTS = 7


class CaseError(ValueError):
    """A case file that cannot be rendered; the message names the case and the event."""


def load_case(path: Path | str) -> Case:
    """Read one case file; checks only what rendering needs."""
    with open(path, encoding="utf-8") as handle:
        case = yaml.safe_load(handle)
    if not isinstance(case, dict) or "patient" not in case or "events" not in case:
        raise CaseError(f"{path}: not a case (needs 'patient' and 'events')")
    case.setdefault("id", case["patient"].get("id", Path(path).stem))
    return case


@dataclass(frozen=True)
class Patient:
    patient_id: str
    name: str
    birth_date: date
    sex: str
    issuer: str


@dataclass(frozen=True)
class Study:
    """What every object of one study key shares."""

    key: str
    uid: str
    accession: str
    description: str
    number: int
    """Study ID: the order in which the case's studies first appear."""
    started: datetime
    institution: str


def site_of(case: Case) -> dict[str, str]:
    return {**DEFAULT_SITE, **(case.get("site") or {})}


def birth_date(age: int, birth_md: str, day0: date) -> date:
    """The birth date that makes the patient ``age`` on day 0."""
    month, day = (int(part) for part in birth_md.split("-"))
    year = day0.year - age - (1 if (month, day) > (day0.month, day0.day) else 0)
    try:
        return date(year, month, day)
    except ValueError:  # 29 February in a common year
        return date(year, month, day - 1)


def patient_of(case: Case, day0: date) -> Patient:
    patient = case["patient"]
    return Patient(
        patient_id=str(patient["id"]),
        name=str(patient.get("name", "")),
        birth_date=birth_date(
            int(patient.get("age", 50)), str(patient.get("birth_md", "01-01")), day0
        ),
        sex=str(patient.get("sex", "F")),
        issuer=site_of(case)["issuer"],
    )


def event_moment(day0: date, day: int, index: int) -> datetime:
    start = datetime.combine(day0 + timedelta(days=int(day)), _FIRST_EVENT)
    minutes = (_MINUTES_BETWEEN_EVENTS * index) % (16 * 60)
    return start + timedelta(minutes=minutes)


def acquisition_moment(event: Event, index: int, day0: date) -> datetime:
    """When an event's objects were made: an outside prior keeps its own, older, acquisition day."""
    return event_moment(day0, event.get("acquired_day", event["day"]), index)


def _default_description(event: Event) -> str:
    title = event.get("title", "")
    if title == "pathology":
        return "SURGICAL PATHOLOGY"
    if title == "procedure":
        return "BREAST PROCEDURE"
    if title == "radpath":
        # A rad-path note filed under its own accession: a mammography description here would
        # make the note read as an imaging report and lose its concordance verdict.
        return "RAD-PATH CORRELATION"
    modality = str(event.get("modality", "")).upper()
    return {"US": "US BREAST", "DBT": "TOMO BREAST"}.get(modality, "MAMMOGRAPHY")


def _accession(case_id: str, key: str) -> str:
    digest = hashlib.sha256(f"{case_id}/{key}".encode()).hexdigest()
    return "SYN" + str(int(digest[:12], 16) % 10**8).zfill(8)


def plan_studies(case: Case, day0: date, uids: UidMaker) -> dict[str, Study]:
    """One ``Study`` per study key, from the first event that names it (later events may add an
    accession or description the first one left out)."""
    site = site_of(case)
    first: dict[str, tuple[int, Event]] = {}
    extra: dict[str, dict[str, str]] = {}
    for index, event in enumerate(case["events"], start=1):
        key = study_key(case, event, index)
        first.setdefault(key, (index, event))
        for field in ("accession", "study_description", "institution"):
            if field in event:
                extra.setdefault(key, {}).setdefault(field, str(event[field]))
    studies: dict[str, Study] = {}
    for number, (key, (index, event)) in enumerate(first.items(), start=1):
        known = extra.get(key, {})
        pathology = event.get("title") == "pathology"
        studies[key] = Study(
            key=key,
            uid=uids.study(key),
            accession=known.get("accession") or _accession(str(case["id"]), key),
            description=known.get("study_description") or _default_description(event),
            number=number,
            started=acquisition_moment(event, index, day0),
            institution=known.get("institution")
            or (site["pathology"] if pathology else site["imaging"]),
        )
    return studies


def study_key(case: Case, event: Event, index: int) -> str:
    """An event's study key; an addendum without one belongs to the study of what it amends."""
    if "study" in event:
        return str(event["study"])
    if "addendum_to" in event:
        return study_key(case, *event_by_id(case, str(event["addendum_to"])))
    return f"event-{index}"


def event_by_id(case: Case, event_id: str) -> tuple[Event, int]:
    for index, event in enumerate(case["events"], start=1):
        if event.get("id") == event_id:
            return event, index
    raise CaseError(f"case {case.get('id')}: no event with id {event_id!r}")
