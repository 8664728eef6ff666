"""SR content items (PS3.3 C.17.3) and the document header shared by Basic Text and Enhanced SR
(SR Document General module C.17.2, TID 1001 observation context)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_io.synth.codes import (
    ENGLISH_US,
    LANGUAGE,
    OBSERVER_TYPE,
    PERSON,
    PERSON_OBSERVER_NAME,
    Coded,
)
from dicom_io.synth.header import code_sequence


def container(relationship: str, concept: Coded, children: Iterable[Dataset]) -> Dataset:
    item = _item(relationship, "CONTAINER", concept)
    item.ContinuityOfContent = "SEPARATE"
    item.ContentSequence = Sequence(list(children))
    return item


def text_item(relationship: str, concept: Coded, value: str) -> Dataset:
    item = _item(relationship, "TEXT", concept)
    item.TextValue = value
    return item


def code_content(
    relationship: str, concept: Coded, value: Coded, children: Iterable[Dataset] = ()
) -> Dataset:
    item = _item(relationship, "CODE", concept)
    item.ConceptCodeSequence = code_sequence(value)
    kids = list(children)
    if kids:
        item.ContentSequence = Sequence(kids)
    return item


def num_item(relationship: str, concept: Coded, value: float, unit: Coded) -> Dataset:
    item = _item(relationship, "NUM", concept)
    measured = Dataset()
    measured.NumericValue = f"{value:g}"
    measured.MeasurementUnitsCodeSequence = code_sequence(unit)
    item.MeasuredValueSequence = Sequence([measured])
    return item


def _item(relationship: str, value_type: str, concept: Coded) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = code_sequence(concept)
    return item


def observation_context(author: str) -> list[Dataset]:
    """Language and the person who observed (TID 1204, TID 1002)."""
    language = code_content("HAS CONCEPT MOD", LANGUAGE, ENGLISH_US)
    observer_type = code_content("HAS OBS CONTEXT", OBSERVER_TYPE, PERSON)
    name = _item("HAS OBS CONTEXT", "PNAME", PERSON_OBSERVER_NAME)
    name.PersonName = author
    return [language, observer_type, name]


@dataclass(frozen=True)
class Reference:
    """An instance an SR document points at (evidence or predecessor)."""

    study_uid: str
    series_uid: str
    sop_class: str
    sop_instance: str


def hierarchical_references(references: Iterable[Reference]) -> Sequence:
    """The Hierarchical SOP Instance Reference macro (PS3.3 C.17.2.1): study -> series -> SOP."""
    by_study: dict[str, dict[str, list[Reference]]] = {}
    for ref in references:
        by_study.setdefault(ref.study_uid, {}).setdefault(ref.series_uid, []).append(ref)
    studies = []
    for study_uid, series in by_study.items():
        study_item = Dataset()
        series_items = []
        for series_uid, refs in series.items():
            series_item = Dataset()
            sops = []
            for ref in refs:
                sop = Dataset()
                sop.ReferencedSOPClassUID = ref.sop_class
                sop.ReferencedSOPInstanceUID = ref.sop_instance
                sops.append(sop)
            series_item.ReferencedSOPSequence = Sequence(sops)
            series_item.SeriesInstanceUID = series_uid
            series_items.append(series_item)
        study_item.ReferencedSeriesSequence = Sequence(series_items)
        study_item.StudyInstanceUID = study_uid
        studies.append(study_item)
    return Sequence(studies)


def document_header(
    ds: Dataset,
    *,
    title: Coded,
    template: str,
    author: str,
    organisation: str,
    verified: datetime,
    evidence: list[Reference],
    predecessor: Reference | None,
) -> None:
    """SR Document General and SR Document Content root; reports are final and signed."""
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = code_sequence(title)
    ds.ContinuityOfContent = "SEPARATE"
    observer = Dataset()
    observer.VerifyingOrganization = organisation
    observer.VerificationDateTime = verified.strftime("%Y%m%d%H%M%S")
    observer.VerifyingObserverName = author
    observer.VerifyingObserverIdentificationCodeSequence = Sequence()
    ds.VerifyingObserverSequence = Sequence([observer])
    if predecessor is not None:
        ds.PredecessorDocumentsSequence = hierarchical_references([predecessor])
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.PerformedProcedureCodeSequence = Sequence()
    if evidence:
        ds.CurrentRequestedProcedureEvidenceSequence = hierarchical_references(evidence)
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "VERIFIED"
    template_item = Dataset()
    template_item.MappingResource = "DCMR"
    template_item.TemplateIdentifier = template
    ds.ContentTemplateSequence = Sequence([template_item])
