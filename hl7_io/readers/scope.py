"""Is a result about the breast? As for DICOM reports: it stays in scope unless what it names is
another part of the body and nothing names the breast. A laboratory interface should send breast
pathology only, but a glucose result or a colon biopsy must not open breast items."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from rules.documents import Section

_BREAST: Final = re.compile(r"breast|mamm|tomo|\bdbt\b|nipple|axill|areola", re.IGNORECASE)
_OTHER: Final = re.compile(
    r"\b(chest|thorax|lung|head|brain|neck|abdomen|pelvis|spine|knee|hip|shoulder|ankle|wrist|"
    r"hand|foot|cardiac|heart|liver|kidney|renal|thyroid|prostate|colon|rectum|sigmoid|stomach|"
    r"gastric|skin|cervix|uterus|endometri|ovary|bladder|glucose|hemoglobin|potassium|sodium)\b",
    re.IGNORECASE,
)


def result_scope(service: str, site: str, sections: Sequence[Section]) -> tuple[bool, str]:
    """(in scope, why): the reason never quotes the report."""
    named = " ".join([service, site])
    if _BREAST.search(named):
        return True, "service or specimen names the breast"
    if not any(s.text for s in sections):
        return False, "no report text"
    other = _OTHER.search(named)
    if other:
        return False, f"service or specimen names {other.group(1).lower()}"
    if _BREAST.search(" ".join(s.text for s in sections[:3])):
        return True, "the report names the breast"
    return True, "no sign of another body part"
