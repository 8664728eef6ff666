"""Patient, study and series headers (PS3.3 C.7.1.1, C.7.2.1, C.7.3.1) as plain records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import DA, DT, TM

from dicom_io.readers.codes import all_codes, first_code
from rules.codes import Code


@dataclass(frozen=True)
class PatientHeader:
    patient_id: str
    issuer: str = ""
    name: str = ""
    """DICOM PN form (``FAMILY^GIVEN``). Never logged."""
    birth_date: date | None = None
    sex: str = ""


@dataclass(frozen=True)
class StudyHeader:
    study_uid: str
    accession: str = ""
    study_date: date | None = None
    started_at: datetime | None = None
    description: str = ""
    procedure_codes: tuple[Code, ...] = ()


@dataclass(frozen=True)
class SeriesHeader:
    series_uid: str = ""
    number: int | None = None
    modality: str = ""
    description: str = ""


@dataclass(frozen=True)
class BodyPart:
    examined: str = ""
    """Body Part Examined (0018,0015), a defined term such as ``BREAST`` or ``CHEST``."""
    region: Code | None = None
    """The first Anatomic Region Sequence (0008,2218) code."""


def text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(v) for v in value).strip()
    return str(value).strip()


def read_patient(dataset: Dataset) -> PatientHeader:
    return PatientHeader(
        patient_id=text(dataset, "PatientID"),
        issuer=text(dataset, "IssuerOfPatientID"),
        name=text(dataset, "PatientName"),
        birth_date=parse_date(dataset.get("PatientBirthDate")),
        sex=text(dataset, "PatientSex").upper(),
    )


def read_study(dataset: Dataset) -> StudyHeader:
    codes = all_codes(dataset, "ProcedureCodeSequence")
    requested = [
        code
        for item in dataset.get("RequestAttributesSequence") or ()
        for code in all_codes(item, "RequestedProcedureCodeSequence")
    ]
    return StudyHeader(
        study_uid=text(dataset, "StudyInstanceUID"),
        accession=text(dataset, "AccessionNumber"),
        study_date=parse_date(dataset.get("StudyDate")),
        started_at=parse_datetime(dataset, "StudyDate", "StudyTime"),
        description=text(dataset, "StudyDescription"),
        procedure_codes=tuple(dict.fromkeys([*codes, *requested])),
    )


def read_series(dataset: Dataset) -> SeriesHeader:
    number = dataset.get("SeriesNumber")
    try:
        series_number = int(number) if number not in (None, "") else None
    except (TypeError, ValueError):
        series_number = None
    return SeriesHeader(
        series_uid=text(dataset, "SeriesInstanceUID"),
        number=series_number,
        modality=text(dataset, "Modality").upper(),
        description=text(dataset, "SeriesDescription"),
    )


def read_body_part(dataset: Dataset) -> BodyPart:
    return BodyPart(
        examined=text(dataset, "BodyPartExamined").upper(),
        region=first_code(dataset, "AnatomicRegionSequence"),
    )


def parse_date(value: object) -> date | None:
    if not value:
        return None
    try:
        parsed = DA(str(value).strip())
    except (ValueError, TypeError):
        return None
    return date(parsed.year, parsed.month, parsed.day) if parsed else None


def _offset(dataset: Dataset) -> timezone | None:
    # Timezone Offset From UTC (0008,0201), "+hhmm"; without it DICOM times are the site's local time.
    raw = text(dataset, "TimezoneOffsetFromUTC")
    if len(raw) != 5 or raw[0] not in "+-" or not raw[1:].isdigit():
        return None
    minutes = int(raw[1:3]) * 60 + int(raw[3:5])
    return timezone(timedelta(minutes=minutes if raw[0] == "+" else -minutes))


def parse_datetime(dataset: Dataset, date_keyword: str, time_keyword: str) -> datetime | None:
    """A DA + TM pair as a datetime: aware when the header gives a UTC offset, naive (site local
    time) otherwise."""
    day = parse_date(dataset.get(date_keyword))
    if day is None:
        return None
    moment = datetime(day.year, day.month, day.day)
    raw_time = text(dataset, time_keyword)
    if raw_time:
        try:
            clock = TM(raw_time)
            moment = moment.replace(
                hour=clock.hour, minute=clock.minute, second=clock.second,
                microsecond=clock.microsecond,
            )
        except (ValueError, TypeError):
            pass
    offset = _offset(dataset)
    return moment.replace(tzinfo=offset) if offset else moment


def parse_dt(dataset: Dataset, keyword: str) -> datetime | None:
    raw = text(dataset, keyword)
    if not raw:
        return None
    try:
        value = DT(raw)
    except (ValueError, TypeError):
        return None
    moment = datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, tzinfo=value.tzinfo,
    )
    if moment.tzinfo is None and (offset := _offset(dataset)):
        moment = moment.replace(tzinfo=offset)
    return moment
