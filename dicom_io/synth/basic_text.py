"""Free-text reports as Basic Text SR, TID 2000 Basic Diagnostic Imaging Report: one container per
report section (CID 7001 headings), each holding the section's text as a TEXT item."""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset

from dicom_io.synth.case import CaseError
from dicom_io.synth.codes import HEADINGS
from dicom_io.synth.sr_content import container, text_item


def sections_content(sections: Iterable[tuple[str, str]]) -> list[Dataset]:
    items = []
    for name, text in sections:
        heading = HEADINGS.get(name)
        if heading is None:
            raise CaseError(f"unknown report section {name!r}; known: {', '.join(HEADINGS)}")
        items.append(
            container(
                "CONTAINS", heading.container, [text_item("CONTAINS", heading.item, tidy(text))]
            )
        )
    return items


def tidy(text: object) -> str:
    """YAML block text as one line per paragraph (blank-line separated), as report systems send."""
    paragraphs = [" ".join(block.split()) for block in str(text).strip().split("\n\n")]
    return "\n".join(p for p in paragraphs if p)
