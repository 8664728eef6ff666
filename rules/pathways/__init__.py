"""The pathway rules: one small function per open-item kind, each citing its clinical source.

Every rule reads the assembled case and yields the items its condition calls for, open or with the
evidence that closes them. ``RULES`` lists them in the order of the docs/items.md table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rules.items import ItemDecision
from rules.pathways.base import Context
from rules.pathways.biopsy import (
    calcifications_biopsied_under_us,
    concordance_pending,
    correlation_review,
    discordant_pathology,
    pathology_pending,
    specimen_radiograph_missing,
    surgical_biopsy_referral,
)
from rules.pathways.findings import (
    magnification_views_pending,
    palpable_correlation,
    unsampled_finding,
)
from rules.pathways.imaging import follow_up_due, priors_pending, supplemental_ultrasound_pending
from rules.pathways.pathology import high_risk_lesion, malignancy_referral

Rule = Callable[[Context], Iterator[ItemDecision]]

RULES: tuple[Rule, ...] = (
    unsampled_finding,
    correlation_review,
    pathology_pending,
    concordance_pending,
    discordant_pathology,
    high_risk_lesion,
    malignancy_referral,
    magnification_views_pending,
    calcifications_biopsied_under_us,
    specimen_radiograph_missing,
    priors_pending,
    supplemental_ultrasound_pending,
    follow_up_due,
    surgical_biopsy_referral,
    palpable_correlation,
)

__all__ = ["RULES", "Context", "Rule"]
