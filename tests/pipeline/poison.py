"""A poison object for the pipeline's budget tests: a Basic Text SR with a very large content tree.

Valid DICOM that any sender could produce; reading it into a report and its facts costs far more
time and memory than a real report (the case that once grew a worker to gigabytes).
"""

from __future__ import annotations

from pathlib import Path

from pydicom.sequence import Sequence as DicomSequence

from tests.dicom import factories


def giant_sr(path: Path, items: int = 100_000, text_bytes: int = 2_500, **headers: str) -> Path:
    """Write an SR of ``items`` TEXT content items of about ``text_bytes`` each, and return ``path``."""
    ds = factories.basic_text_sr("Poison findings.", "BI-RADS 2. Benign.", **headers)
    findings = ds.ContentSequence[0]
    sentence = "Scattered benign calcifications are again seen in both breasts. "
    text = (sentence * (text_bytes // len(sentence) + 1))[:text_bytes]
    concept = factories.code("121071", "DCM", "Finding")
    findings.ContentSequence = DicomSequence([
        factories._sr_item("CONTAINS", "TEXT", concept, TextValue=text) for _ in range(items)
    ])
    return factories.write(ds, path)
