"""Plain records of what arrived: report documents and image headers.

The DICOM edge (``dicom_io``) builds these from datasets; ``rules`` reads them. Nothing here knows a
DICOM tag, and nothing here is a pydicom object.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.anatomy import Laterality
from rules.codes import Code


class ValueType(StrEnum):
    """SR content item value types (PS3.3 C.17.3.2.1) that the reader uses."""

    CONTAINER = "CONTAINER"
    TEXT = "TEXT"
    CODE = "CODE"
    NUM = "NUM"
    DATE = "DATE"
    DATETIME = "DATETIME"
    UIDREF = "UIDREF"
    PNAME = "PNAME"
    COMPOSITE = "COMPOSITE"
    IMAGE = "IMAGE"
    OTHER = "OTHER"


@dataclass(frozen=True)
class ContentItem:
    """One SR content item with its children (the content tree)."""

    value_type: ValueType
    concept: Code | None
    relationship: str = ""
    text: str | None = None
    code: Code | None = None
    number: float | None = None
    unit: Code | None = None
    children: tuple[ContentItem, ...] = ()

    def walk(self) -> Iterator[ContentItem]:
        """Depth-first iteration over this item and all its descendants."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Section:
    """A free-text report section: its heading (``Findings``, ``Impression``...) and its text."""

    heading: str
    text: str


@dataclass(frozen=True)
class ReportDocument:
    """A report as received, before understanding.

    ``sections`` holds the free text in document order (Basic Text SR sections, or the narrative of a
    TID 4200 report); ``content`` holds the whole coded content tree when there is one.
    """

    uid: str
    title: Code | None = None
    title_text: str = ""
    study_description: str = ""
    observed_at: datetime | None = None
    predecessor_uids: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    content: ContentItem | None = None
    template_id: str | None = None
    complete: bool = True
    verified: bool = True
    interpreter: str = ""
    """The interpreting physician as the document names them (the verifying observer, else the
    author), for the outcomes audit; empty when not given."""

    @property
    def text(self) -> str:
        """The whole free text, section by section, headings included."""
        return "\n".join(f"{s.heading}: {s.text}" if s.heading else s.text for s in self.sections)


class Modality(StrEnum):
    MG = "MG"
    DBT = "DBT"
    US = "US"
    MR = "MR"
    OTHER = "OTHER"


class View(StrEnum):
    """Mammographic projections (CID 4014), by the code the image header carries."""

    CC = "CC"
    MLO = "MLO"
    ML = "ML"
    LM = "LM"
    XCCL = "XCCL"
    OTHER = "OTHER"


class ViewModifier(StrEnum):
    """View modifiers (CID 4015) that matter to the pathways."""

    SPOT_COMPRESSION = "spot-compression"
    MAGNIFICATION = "magnification"
    TANGENTIAL = "tangential"
    IMPLANT_DISPLACED = "implant-displaced"


@dataclass(frozen=True)
class ImageRecord:
    """What one image header tells the pathways. Pixel data never reaches this far."""

    sop_instance_uid: str
    study_uid: str
    acquired_at: datetime | None
    modality: Modality
    laterality: Laterality | None
    view: View | None = None
    modifiers: frozenset[ViewModifier] = field(default_factory=frozenset)
    specimen: bool = False
    biopsy_guidance: str | None = None
    """``stereotactic`` or ``tomosynthesis`` when the header says the image guided a biopsy."""
    study_description: str = ""
    series_description: str = ""
    outside_prior: bool = False
    """An image made elsewhere and imported later, as its header says (coerced attributes on import,
    or "OUTSIDE" in its descriptions)."""
    institution: str = ""
    """The institution that made the image (Institution Name), as written; empty when not given."""
