"""One entry point for the worker and the listener: what is this object, and is it about the breast?

``read_object`` opens a file without its pixel data (or takes a dataset) and returns a ``ReadResult``
naming the kind (report, image, document, reference), the headers, the report or image record, and
whether the object is in scope. It raises ``UnreadableObject`` (or its subclass ``MalformedReport``'s
wrapper) when the object cannot be understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

import pydicom
from pydicom.dataset import Dataset

from dicom_io import sop_classes
from dicom_io.integrity import IncompleteObject, check_complete
from dicom_io.readers.codes import all_codes
from dicom_io.readers.headers import (
    BodyPart,
    PatientHeader,
    SeriesHeader,
    StudyHeader,
    read_body_part,
    read_patient,
    read_series,
    read_study,
    text,
)
from dicom_io.readers.images import read_image
from dicom_io.readers.sr import BREAST_IMAGING_REPORT_TEMPLATE, MalformedReport, read_report
from rules.codes import Code, sct
from rules.documents import ImageRecord, ReportDocument

# SNOMED CT anatomy that means "about the breast" (CID 4 region codes used by breast IODs).
BREAST_REGIONS: Final = frozenset({
    sct("76752008", "breast"), sct("80248007", "left breast"), sct("73056007", "right breast"),
    sct("63762007", "both breasts"),
})
_BREAST_WORDS: Final = ("BREAST", "MAMM", "TOMO", "DBT")
_BODY_PART_BREAST: Final = "BREAST"
# Regions whose name in a study description marks a report as about something else.
_OTHER_REGION_WORDS: Final = frozenset({
    "CHEST", "THORAX", "LUNG", "LUNGS", "HEAD", "BRAIN", "NECK", "ABDOMEN", "ABD", "PELVIS",
    "SPINE", "KNEE", "HIP", "SHOULDER", "ANKLE", "WRIST", "HAND", "FOOT", "CARDIAC", "HEART",
    "LIVER", "KIDNEY", "RENAL", "THYROID", "PROSTATE", "COLON", "SINUS", "CT", "PET",
})
_READ_DEFER: Final = "64 KB"


class ObjectKind(StrEnum):
    REPORT = "report"
    IMAGE = "image"
    DOCUMENT = "document"
    """Encapsulated documents (PDF): recorded, never machine-read."""
    REFERENCE = "reference"
    """Key Object Selection and CAD SR."""


class UnreadableObject(ValueError):
    """The object cannot be decoded or breaks its IOD badly enough that nobody could use it."""


class NestedTooDeeply(UnreadableObject):
    """Sequences nested deeper than the decoders can follow (they recurse)."""


@dataclass(frozen=True)
class ReadResult:
    kind: ObjectKind
    in_scope: bool
    scope_reason: str
    """Why the object is (or is not) about the breast; never patient data."""
    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax_uid: str
    patient: PatientHeader
    study: StudyHeader
    series: SeriesHeader
    body_part: BodyPart
    report: ReportDocument | None = None
    image: ImageRecord | None = None
    machine_readable: bool = True
    document_title: str = ""

    @property
    def out_of_scope(self) -> bool:
        return not self.in_scope


def read_object(source: Path | str | Dataset) -> ReadResult:
    try:
        dataset = source if isinstance(source, Dataset) else _open(Path(source))
        return _read(dataset)
    except RecursionError:
        raise NestedTooDeeply("sequences nested too deeply to decode") from None
    except MalformedReport as error:
        raise UnreadableObject(f"malformed structured report: {error}") from None
    except UnreadableObject:
        raise
    except Exception as error:  # pydicom raises many kinds on a damaged header
        raise UnreadableObject(f"cannot read the header: {type(error).__name__}") from None


def _open(path: Path) -> Dataset:
    try:
        check_complete(path)
    except IncompleteObject as error:
        raise UnreadableObject(f"incomplete object: {error}") from None
    try:
        return pydicom.dcmread(path, stop_before_pixels=True, defer_size=_READ_DEFER)
    except RecursionError:
        raise
    except Exception as error:
        raise UnreadableObject(f"not a readable DICOM file: {type(error).__name__}") from None


def _read(dataset: Dataset) -> ReadResult:
    sop_class = text(dataset, "SOPClassUID")
    sop_instance = text(dataset, "SOPInstanceUID")
    if not sop_class or not sop_instance:
        raise UnreadableObject("no SOP Class UID or SOP Instance UID")
    family = sop_classes.STORAGE_CLASSES.get(sop_class)
    meta = getattr(dataset, "file_meta", None)
    transfer_syntax = text(meta, "TransferSyntaxUID") if meta is not None else ""
    headers = {
        "sop_class_uid": sop_class,
        "sop_instance_uid": sop_instance,
        "transfer_syntax_uid": transfer_syntax,
        "patient": read_patient(dataset),
        "study": read_study(dataset),
        "series": read_series(dataset),
        "body_part": read_body_part(dataset),
    }
    if family is sop_classes.Family.REPORT or (family is None and "ContentSequence" in dataset):
        report = read_report(dataset)
        in_scope, reason = _report_scope(dataset, report, sop_class)
        return ReadResult(ObjectKind.REPORT, in_scope, reason, report=report, **headers)
    if family is sop_classes.Family.DOCUMENT:
        in_scope, reason = _report_scope(dataset, None, sop_class)
        return ReadResult(
            ObjectKind.DOCUMENT, in_scope, reason, machine_readable=False,
            document_title=text(dataset, "DocumentTitle"), **headers,
        )
    if family is sop_classes.Family.OUT_OF_SCOPE:
        return ReadResult(ObjectKind.REFERENCE, False, "a SOP class kept but not read",
                          machine_readable=False, **headers)
    if family is sop_classes.Family.REFERENCE:
        in_scope, reason = _report_scope(dataset, None, sop_class)
        return ReadResult(ObjectKind.REFERENCE, in_scope, reason, **headers)
    image = read_image(dataset)
    in_scope, reason = _image_scope(dataset, sop_class)
    return ReadResult(ObjectKind.IMAGE, in_scope, reason, image=image, **headers)


def _breast_evidence(dataset: Dataset, sop_class: str) -> str | None:
    """The first sign in the header that the object is about the breast, if any."""
    if sop_class in sop_classes.BREAST_ONLY_CLASSES:
        return "breast SOP class"
    body = read_body_part(dataset)
    if body.examined == _BODY_PART_BREAST:
        return "body part examined is breast"
    regions: set[Code] = set(all_codes(dataset, "AnatomicRegionSequence"))
    if regions & BREAST_REGIONS:
        return "anatomic region is breast"
    descriptions = " ".join(
        text(dataset, keyword).upper()
        for keyword in ("StudyDescription", "SeriesDescription", "RequestedProcedureDescription",
                        "PerformedProcedureStepDescription")
    )
    if any(word in descriptions for word in _BREAST_WORDS):
        return "description names the breast"
    return None


def _non_breast_evidence(dataset: Dataset) -> str | None:
    body = read_body_part(dataset)
    if body.examined and body.examined != _BODY_PART_BREAST:
        return f"body part examined is {body.examined}"
    if body.region is not None and body.region not in BREAST_REGIONS:
        return f"anatomic region {body.region.scheme} {body.region.value}"
    words = set(text(dataset, "StudyDescription").upper().replace("/", " ").split())
    named = sorted(words & _OTHER_REGION_WORDS)
    if named:
        return "study description names " + " ".join(named)
    return None


def _image_scope(dataset: Dataset, sop_class: str) -> tuple[bool, str]:
    """Images count only with a positive sign of the breast: there are many, and only breast
    images feed the pathways."""
    evidence = _breast_evidence(dataset, sop_class)
    if evidence:
        return True, evidence
    modality = text(dataset, "Modality").upper() or "unknown"
    other = _non_breast_evidence(dataset)
    return False, f"modality {modality}, " + (other or "no sign of the breast")


def _report_scope(
    dataset: Dataset, report: ReportDocument | None, sop_class: str
) -> tuple[bool, str]:
    """Reports stay in scope unless the header says they are about something else: a pathology
    or biopsy report often names neither the breast nor anything else, and must not be lost."""
    if report is not None and report.template_id == BREAST_IMAGING_REPORT_TEMPLATE:
        return True, "breast imaging report template"
    evidence = _breast_evidence(dataset, sop_class)
    if evidence:
        return True, evidence
    other = _non_breast_evidence(dataset)
    if other:
        return False, other
    return True, "no sign of another body part"
