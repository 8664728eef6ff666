"""Structured reports to ``ReportDocument``: header flags, predecessors, free text by section and the
whole coded content tree (PS3.3 C.17.3, PS3.16 TID 2000 and TID 4200).

The converter is general: every value type, nested containers at any depth. A tree that breaks the
SR rules (a content item without its value type, a CODE without a code, a NUM without a number)
raises ``MalformedReport`` naming what is missing, so the listener can refuse it.
"""

from __future__ import annotations

from typing import Final

from pydicom.dataset import Dataset

from dicom_io.readers.codes import code_of, first_code
from dicom_io.readers.headers import parse_datetime, parse_dt, text
from rules.codes import Code, dcm, ln
from rules.documents import ContentItem, ReportDocument, Section, ValueType

BREAST_IMAGING_REPORT_TEMPLATE: Final = "4200"
NARRATIVE_SUMMARY: Final = dcm("111412", "Narrative Summary")
"""TID 4202: the free-text part of a TID 4200 Breast Imaging Report."""

# Section headings by code (the codes TID 2000 and TID 4202 use); other containers keep the
# heading their concept's meaning gives.
SECTION_HEADINGS: Final[dict[Code, str]] = {
    dcm("121070", "Findings"): "Findings",
    ln("59776-5", "Findings"): "Findings",
    dcm("121072", "Impressions"): "Impression",
    ln("19005-8", "Impressions"): "Impression",
    dcm("121076", "Conclusions"): "Conclusion",
    ln("55110-1", "Conclusions"): "Conclusion",
    dcm("121060", "History"): "History",
    ln("11329-0", "History"): "History",
    ln("18785-6", "Indications for Procedure"): "Indication",
    dcm("121064", "Current Procedure Descriptions"): "Procedure",
    ln("55111-9", "Current Procedure Descriptions"): "Procedure",
    dcm("121074", "Recommendations"): "Recommendation",
    ln("18783-1", "Recommendations"): "Recommendation",
    ln("22634-0", "Pathology Study"): "Pathology",
    ln("22637-3", "Final Diagnosis"): "Diagnosis",
    dcm("121065", "Procedure Description"): "Procedure",
    ln("55115-0", "Requested Procedure"): "Requested procedure",
    ln("18834-2", "Comparison"): "Comparison",
    dcm("121077", "Addendum"): "Addendum",
}

_MAX_DEPTH: Final = 64
_VALUE_TYPES: Final = {member.value: member for member in ValueType}
# PS3.3 Table C.17-6: Concept Name is required for these value types, optional for the others.
_NAMED_TYPES: Final = frozenset({"TEXT", "NUM", "CODE", "DATETIME", "DATE", "TIME", "UIDREF", "PNAME"})


class MalformedReport(ValueError):
    """The SR content tree breaks the rules of PS3.3 C.17.3; the message says what is missing."""


def read_report(dataset: Dataset) -> ReportDocument:
    root = _root(dataset)
    template_id = _template_id(dataset)
    return ReportDocument(
        uid=text(dataset, "SOPInstanceUID"),
        title=root.concept,
        title_text=root.concept.meaning if root.concept else "",
        study_description=text(dataset, "StudyDescription"),
        observed_at=parse_dt(dataset, "ObservationDateTime")
        or parse_datetime(dataset, "ContentDate", "ContentTime"),
        predecessor_uids=predecessor_uids(dataset),
        sections=tuple(sections(root, template_id)),
        content=root,
        template_id=template_id,
        complete=text(dataset, "CompletionFlag").upper() != "PARTIAL",
        verified=text(dataset, "VerificationFlag").upper() != "UNVERIFIED",
        interpreter=interpreter(dataset, root),
    )


PERSON_OBSERVER_NAME: Final = dcm("121008", "Person Observer Name")


def interpreter(dataset: Dataset, root: ContentItem) -> str:
    """Who interpreted: the first verifying observer (PS3.3 C.17.2), else the first author
    observer, else the first person observer of the content's observation context (TID 1002)."""
    for sequence, keyword in (("VerifyingObserverSequence", "VerifyingObserverName"),
                              ("AuthorObserverSequence", "PersonName")):
        for item in dataset.get(sequence) or ():
            name = text(item, keyword)
            if name:
                return _readable_name(name)
    for item in root.children:
        if item.concept == PERSON_OBSERVER_NAME and item.text:
            return _readable_name(item.text)
    return ""


def _readable_name(person_name: str) -> str:
    """``NOVAK^HELENA^^^MD`` as ``NOVAK, HELENA, MD``: the name as written, in one line."""
    family, _, rest = person_name.partition("=")[0].partition("^")
    parts = [p.strip() for p in [family, *rest.split("^")] if p.strip()]
    return (parts[0] + (", " + ", ".join(parts[1:]) if parts[1:] else ""))[:128]


def _root(dataset: Dataset) -> ContentItem:
    if text(dataset, "ValueType").upper() != "CONTAINER":
        raise MalformedReport("the document root is not a CONTAINER (0040,A040)")
    if first_code(dataset, "ConceptNameCodeSequence") is None:
        raise MalformedReport("the document root has no document title (0040,A043)")
    return content_item(dataset, relationship="", depth=0)


def content_item(item: Dataset, relationship: str, depth: int) -> ContentItem:
    """Convert one content item and its children (PS3.3 Table C.17-6)."""
    if depth > _MAX_DEPTH:
        raise MalformedReport(f"content tree deeper than {_MAX_DEPTH} levels")
    if "ReferencedContentItemIdentifier" in item:
        # A by-reference relationship (PS3.3 C.17.3.2.5): it points at another item.
        target = ".".join(str(part) for part in item.ReferencedContentItemIdentifier)
        return ContentItem(ValueType.OTHER, None, relationship, text=target)
    raw_type = text(item, "ValueType").upper()
    if not raw_type:
        raise MalformedReport("a content item without a Value Type (0040,A040)")
    value_type = _VALUE_TYPES.get(raw_type, ValueType.OTHER)
    concept = first_code(item, "ConceptNameCodeSequence")
    if concept is None and raw_type in _NAMED_TYPES:
        raise MalformedReport(f"a {raw_type} content item without a Concept Name (0040,A043)")
    children = tuple(
        content_item(child, _relationship(child), depth + 1)
        for child in item.get("ContentSequence") or ()
    )
    fields = _value(item, value_type, raw_type)
    return ContentItem(value_type, concept, relationship, children=children, **fields)


def _relationship(item: Dataset) -> str:
    relationship = text(item, "RelationshipType").upper()
    if not relationship:
        raise MalformedReport("a content item without a Relationship Type (0040,A010)")
    return relationship


def _value(item: Dataset, value_type: ValueType, raw_type: str) -> dict[str, object]:
    if value_type is ValueType.TEXT:
        if "TextValue" not in item:
            raise MalformedReport("a TEXT content item without a Text Value (0040,A160)")
        return {"text": str(item.TextValue)}
    if value_type is ValueType.CODE:
        code = first_code(item, "ConceptCodeSequence")
        if code is None:
            raise MalformedReport("a CODE content item without a Concept Code (0040,A168)")
        return {"code": code}
    if value_type is ValueType.NUM:
        return _number(item)
    if value_type is ValueType.DATE:
        return {"text": text(item, "Date")}
    if value_type is ValueType.DATETIME:
        return {"text": text(item, "DateTime")}
    if value_type is ValueType.UIDREF:
        return {"text": text(item, "UID")}
    if value_type is ValueType.PNAME:
        return {"text": text(item, "PersonName")}
    if value_type in (ValueType.COMPOSITE, ValueType.IMAGE):
        references = item.get("ReferencedSOPSequence") or ()
        if not references:
            raise MalformedReport(f"an {raw_type} content item without a Referenced SOP (0008,1199)")
        return {"text": text(references[0], "ReferencedSOPInstanceUID")}
    if raw_type == "TIME":
        return {"text": text(item, "Time")}
    return {}


def _number(item: Dataset) -> dict[str, object]:
    measured = item.get("MeasuredValueSequence") or ()
    if not measured:
        # PS3.3 C.18.1: an empty measurement must say why (Numeric Value Qualifier).
        if first_code(item, "NumericValueQualifierCodeSequence") is None:
            raise MalformedReport("a NUM content item without a Measured Value (0040,A300)")
        return {"number": None}
    value = measured[0]
    try:
        number = float(value.NumericValue)
    except (AttributeError, TypeError, ValueError):
        raise MalformedReport("a NUM content item with no readable Numeric Value (0040,A30A)") from None
    return {"number": number, "unit": first_code(value, "MeasurementUnitsCodeSequence")}


def _template_id(dataset: Dataset) -> str | None:
    for item in dataset.get("ContentTemplateSequence") or ():
        identifier = text(item, "TemplateIdentifier")
        if identifier:
            return identifier
    return None


def predecessor_uids(dataset: Dataset) -> tuple[str, ...]:
    """Documents this one amends or replaces (Predecessor Documents Sequence, 0040,A360)."""
    uids: list[str] = []
    for study in dataset.get("PredecessorDocumentsSequence") or ():
        for series in study.get("ReferencedSeriesSequence") or ():
            for reference in series.get("ReferencedSOPSequence") or ():
                uid = text(reference, "ReferencedSOPInstanceUID")
                if uid:
                    uids.append(uid)
    return tuple(uids)


def sections(root: ContentItem, template_id: str | None) -> list[Section]:
    """Free text in document order, one section per container that holds text.

    A TID 4200 report keeps its free text in the Narrative Summary; elsewhere in that tree text
    items belong to coded findings, which the content tree carries.
    """
    if template_id == BREAST_IMAGING_REPORT_TEMPLATE:
        narratives = [item for item in root.walk() if item.concept == NARRATIVE_SUMMARY]
        found: list[Section] = []
        for narrative in narratives:
            found.extend(_text_sections(narrative))
        return found
    return _text_sections(root, top=True)


def _text_sections(container: ContentItem, top: bool = False) -> list[Section]:
    heading = "" if top else heading_of(container.concept)
    texts: list[str] = []
    found: list[Section] = []
    for child in container.children:
        if child.relationship == "HAS OBS CONTEXT":
            continue
        if child.value_type is ValueType.TEXT and child.text and child.text.strip():
            texts.append(child.text.strip())
        elif child.value_type is ValueType.CONTAINER:
            if texts:
                found.append(Section(heading, "\n".join(texts)))
                texts = []
            found.extend(_text_sections(child))
    if texts:
        found.append(Section(heading, "\n".join(texts)))
    return found


def heading_of(concept: Code | None) -> str:
    if concept is None:
        return ""
    return SECTION_HEADINGS.get(concept) or concept.meaning
