"""Coded concepts compared by (coding scheme, code value), never by meaning text."""

from __future__ import annotations

from dataclasses import dataclass, field

@dataclass(frozen=True)
class Code:
    """A coded concept. Equality and hashing use only the scheme and the value.

    Legacy SNOMED-RT (``SRT``) codes are translated to SNOMED CT at the DICOM edge, where pydicom's
    mapping lives; inside ``rules`` every SNOMED code is ``SCT``.
    """

    scheme: str
    value: str
    meaning: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"({self.value}, {self.scheme}, {self.meaning!r})"


def sct(value: str, meaning: str = "") -> Code:
    return Code("SCT", value, meaning)


def dcm(value: str, meaning: str = "") -> Code:
    return Code("DCM", value, meaning)


def ln(value: str, meaning: str = "") -> Code:
    return Code("LN", value, meaning)
