"""Comparable summaries of datasets: the tags that carry meaning, without UIDs."""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset

HEADER_KEYWORDS = (
    "SOPClassUID",
    "Modality",
    "ImageLaterality",
    "Laterality",
    "ViewPosition",
    "PatientID",
    "PatientName",
    "PatientBirthDate",
    "PatientSex",
    "IssuerOfPatientID",
    "StudyDate",
    "StudyTime",
    "SeriesDate",
    "ContentDate",
    "AccessionNumber",
    "StudyDescription",
    "SeriesDescription",
    "InstitutionName",
    "StudyID",
    "SeriesNumber",
    "InstanceNumber",
    "CompletionFlag",
    "VerificationFlag",
)


def _code(seq: Any) -> tuple[str, str] | None:
    if not seq:
        return None
    return (str(seq[0].CodeValue), str(seq[0].CodingSchemeDesignator))


def views(ds: Dataset) -> list[tuple[Any, ...]]:
    return [
        (_code([item]), tuple(_code([m]) for m in item.get("ViewModifierCodeSequence", [])))
        for item in ds.get("ViewCodeSequence", [])
    ]


def content_tree(items: Any) -> list[tuple[Any, ...]]:
    """The SR content tree as nested tuples of relationship, value type, concept and value."""
    tree = []
    for item in items or []:
        value: Any = None
        if item.ValueType == "TEXT":
            value = str(item.TextValue)
        elif item.ValueType == "CODE":
            value = _code(item.ConceptCodeSequence)
        elif item.ValueType == "NUM":
            measured = item.MeasuredValueSequence[0]
            value = (float(measured.NumericValue), _code(measured.MeasurementUnitsCodeSequence))
        elif item.ValueType == "PNAME":
            value = str(item.PersonName)
        tree.append(
            (
                item.RelationshipType,
                item.ValueType,
                _code(item.ConceptNameCodeSequence),
                value,
                tuple(content_tree(item.get("ContentSequence"))),
            )
        )
    return tree


def summary(ds: Dataset) -> dict[str, Any]:
    """Everything the product reads from an object, UIDs left out."""
    result: dict[str, Any] = {k: str(ds.get(k, "")) for k in HEADER_KEYWORDS}
    result["views"] = views(ds)
    result["root"] = _code(ds.get("ConceptNameCodeSequence"))
    template = ds.get("ContentTemplateSequence")
    result["template"] = str(template[0].TemplateIdentifier) if template else None
    result["content"] = content_tree(ds.get("ContentSequence"))
    result["has_predecessor"] = "PredecessorDocumentsSequence" in ds
    return result


def predecessor_uid(ds: Dataset) -> str:
    study = ds.PredecessorDocumentsSequence[0]
    return str(study.ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID)
