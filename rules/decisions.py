"""What people document, which the rules must honour over anything they infer.

A radiologist's concordance verdict, a decision that a biopsy does or does not sample a finding, and
the documented actions that close items (a surgical consultation, a referral...). The service layer
records these; the rules read them as facts with a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rules.facts import ConcordanceVerdict


@dataclass(frozen=True)
class ConcordanceDecision:
    """Radiology-pathology concordance documented by a person (docs/architecture.md, REST API, concordance).

    ``subject_key`` is a biopsy key, or a finding key (then it applies to the biopsies that sampled
    that finding). Either way it settles only the pathology the radiologist had when deciding: a
    result that arrives later (a second biopsy of the finding, a revised report) needs a verdict
    of its own.
    """

    subject_key: str
    verdict: ConcordanceVerdict
    decided_at: datetime
    note: str = ""
    on_file: frozenset[str] | None = None
    """The documents (UIDs) on file when the decision was made, when the caller knows them: report
    times need not say when a report reached us. None: those dated up to ``decided_at``."""

    def had_on_file(self, source_uid: str, at: datetime | None) -> bool:
        """Whether the document (dated ``at``) was on file when the decision was made."""
        if self.on_file is not None:
            return source_uid in self.on_file
        return at is None or at <= self.decided_at


@dataclass(frozen=True)
class CorrelationDecision:
    """A person's decision that a biopsy did (or did not) sample a finding; it overrides any inference."""

    biopsy_key: str
    finding_key: str
    corresponds: bool
    decided_at: datetime
    note: str = ""


class DocumentedAction(StrEnum):
    """Actions a coordinator or radiologist documents, each closing the item it names."""

    SURGICAL_CONSULTATION = "surgical-consultation"
    REFERRAL = "referral"
    SPECIMEN_RADIOGRAPH = "specimen-radiograph"
    PALPABLE_SITE_RESOLVED = "palpable-site-resolved"
    CALCIFICATIONS_UNDER_US_ACKNOWLEDGED = "calcifications-under-us-acknowledged"
    SURGICAL_BIOPSY = "surgical-biopsy"
    EXCISION_OR_REPEAT_BIOPSY = "excision-or-repeat-biopsy"
    PRIORS_RECEIVED = "priors-received"
    STUDY_PERFORMED = "study-performed"
    """A qualifying study (follow-up, ultrasound, magnification views) done elsewhere."""


@dataclass(frozen=True)
class Documented:
    """A documented action about one item (``item_key`` is the ItemDecision key)."""

    action: DocumentedAction
    item_key: str
    decided_at: datetime
    note: str = ""


Decision = ConcordanceDecision | CorrelationDecision | Documented
