"""A minimal test-side converter from a pydicom SR dataset to ``rules.documents`` records."""

from __future__ import annotations

from typing import Any

from rules.codes import Code
from rules.documents import ContentItem, ReportDocument, Section, ValueType


def _code(item: Any) -> Code:
    scheme = "SCT" if item.CodingSchemeDesignator == "SRT" else item.CodingSchemeDesignator
    return Code(scheme, item.CodeValue, getattr(item, "CodeMeaning", ""))


def to_content_item(item: Any) -> ContentItem:
    value_type = item.ValueType if item.ValueType in ValueType.__members__ else "OTHER"
    concept = _code(item.ConceptNameCodeSequence[0]) if "ConceptNameCodeSequence" in item else None
    code = _code(item.ConceptCodeSequence[0]) if value_type == "CODE" else None
    number = unit = None
    if value_type == "NUM" and "MeasuredValueSequence" in item:
        measured = item.MeasuredValueSequence[0]
        number = float(measured.NumericValue)
        unit = _code(measured.MeasurementUnitsCodeSequence[0])
    children = tuple(to_content_item(c) for c in getattr(item, "ContentSequence", []))
    return ContentItem(
        value_type=ValueType(value_type), concept=concept,
        relationship=getattr(item, "RelationshipType", ""),
        text=getattr(item, "TextValue", None) if value_type == "TEXT" else None,
        code=code, number=number, unit=unit, children=children,
    )


def to_document(ds: Any) -> ReportDocument:
    root = to_content_item(ds)
    sections = []
    for item in root.walk():
        if item.value_type is ValueType.CONTAINER:
            texts = [c.text for c in item.children if c.value_type is ValueType.TEXT and c.text]
            if texts:
                sections.append(Section(item.concept.meaning if item.concept else "", " ".join(texts)))
    template = None
    if "ContentTemplateSequence" in ds:
        template = ds.ContentTemplateSequence[0].TemplateIdentifier
    predecessors = tuple(
        inst.ReferencedSOPInstanceUID
        for study in getattr(ds, "PredecessorDocumentsSequence", [])
        for series in study.ReferencedSeriesSequence
        for inst in series.ReferencedSOPSequence
    )
    return ReportDocument(
        uid=ds.SOPInstanceUID, title=_code(ds.ConceptNameCodeSequence[0]),
        study_description=getattr(ds, "StudyDescription", ""), predecessor_uids=predecessors,
        sections=tuple(sections), content=root, template_id=template,
    )
