"""Code sequence items to ``rules.codes.Code``, with legacy SNOMED-RT translated to SNOMED CT."""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset
from pydicom.sr._snomed_dict import mapping as _snomed_mapping

from rules.codes import Code

_SRT_TO_SCT: dict[str, str] = _snomed_mapping["SRT"]
# "99SDM" is the SNOMED-DICOM microglossary, the ancestor of SRT (PS3.16 Section 8).
_LEGACY_SNOMED = frozenset({"SRT", "SNM3", "99SDM"})


def normalise(scheme: str, value: str, meaning: str = "") -> Code:
    """A ``Code`` with SNOMED-RT values mapped to SNOMED CT where the standard gives a mapping."""
    scheme = scheme.strip()
    value = value.strip()
    if scheme in _LEGACY_SNOMED and value in _SRT_TO_SCT:
        return Code("SCT", _SRT_TO_SCT[value], meaning)
    return Code(scheme, value, meaning)


def code_of(item: Dataset) -> Code | None:
    """The code in one code sequence item (Basic Code Sequence Macro, PS3.3 Table 8.8-1)."""
    scheme = str(item.get("CodingSchemeDesignator", "") or "")
    value = str(
        item.get("CodeValue", "") or item.get("LongCodeValue", "") or item.get("URNCodeValue", "")
        or ""
    )
    if not scheme or not value:
        return None
    return normalise(scheme, value, str(item.get("CodeMeaning", "") or ""))


def first_code(dataset: Dataset, keyword: str) -> Code | None:
    sequence = dataset.get(keyword)
    if not sequence:
        return None
    return code_of(sequence[0])


def all_codes(dataset: Dataset, keyword: str) -> tuple[Code, ...]:
    sequence: Iterable[Dataset] = dataset.get(keyword) or ()
    return tuple(code for code in (code_of(item) for item in sequence) if code is not None)
