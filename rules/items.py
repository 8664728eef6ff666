"""What the pathway rules hand to the service: open items and items whose closing condition is met.

The kinds are the table of ``docs/items.md``; their clinical grounds are there too, and in each
rule's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from rules.anatomy import Laterality, Location
from rules.facts import Evidence, FindingType


class ItemKind(StrEnum):
    """The open-item kinds of the docs/items.md table, in its order."""

    UNSAMPLED_FINDING = "unsampled-finding"
    """A finding recommended for biopsy (or BI-RADS 4/5) with no corresponding biopsy (MQSA 900.12(f))."""
    CORRELATION_REVIEW = "correlation-review"
    """A biopsy whose correspondence to a finding the reports do not settle."""
    PATHOLOGY_PENDING = "pathology-pending"
    CONCORDANCE_PENDING = "concordance-pending"
    """Radiology-pathology concordance must be documented before the loop closes."""
    DISCORDANT_PATHOLOGY = "discordant-pathology"
    """Discordant benign results go to excision or re-biopsy, never routine follow-up."""
    HIGH_RISK_LESION = "high-risk-lesion"
    MALIGNANCY_REFERRAL = "malignancy-referral"
    MAGNIFICATION_VIEWS_PENDING = "magnification-views-pending"
    CALCIFICATIONS_BIOPSIED_UNDER_US = "calcifications-biopsied-under-us"
    SPECIMEN_RADIOGRAPH_MISSING = "specimen-radiograph-missing"
    PRIORS_PENDING = "priors-pending"
    SUPPLEMENTAL_ULTRASOUND_PENDING = "supplemental-ultrasound-pending"
    FOLLOW_UP_DUE = "follow-up-due"
    SURGICAL_BIOPSY_REFERRAL = "surgical-biopsy-referral"
    PALPABLE_CORRELATION = "palpable-correlation"
    CONFLICT_REVIEW = "conflict-review"
    """Opened by the pipeline, not by a rule: an object that conflicts with what is on file (a
    changed version under the same SOP Instance UID, a study under a second Patient ID) waits
    for a person to choose what stands. The rules never see the held object."""


class Priority(StrEnum):
    """How soon a coordinator must act, from the clinical risk (docs/items.md)."""

    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """0 is the most urgent."""
        return _RANK[self]


_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.ROUTINE: 2}


class ItemDecision(NamedTuple):
    """One item the facts call for, open (``closing_evidence`` empty) or satisfied.

    Immutable, like every record the rules hand out; a named tuple because an evaluation builds
    one per item and a frozen dataclass costs several times more to build.
    """

    key: str
    """Stable: ``{kind}:{subject}``, the subject being a finding, biopsy or recommendation key."""
    kind: ItemKind
    laterality: Laterality | None
    finding_type: FindingType | None
    location: Location
    finding_key: str | None
    priority: Priority
    priority_reasons: tuple[str, ...]
    opened_at: datetime
    due_at: datetime
    next_step: str
    evidence: tuple[Evidence, ...]
    closes_when: str
    closing_evidence: tuple[Evidence, ...] = ()

    @property
    def is_open(self) -> bool:
        return not self.closing_evidence


@dataclass(frozen=True)
class Evaluation:
    """The items that should be open now, and those raised at some point whose condition is met."""

    open: tuple[ItemDecision, ...]
    satisfied: tuple[ItemDecision, ...]

    def open_kinds(self) -> set[ItemKind]:
        return {item.kind for item in self.open}
