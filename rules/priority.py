"""How urgent a finding is, from the clinical risk (docs/items.md, seeds 1 and 2).

Highest suspicion: a developing (new or increasing) asymmetry, 12.8% malignant at screening and
42.9% when biopsy is recommended; also architectural distortion (alone or with an asymmetry), an
asymmetry with calcifications, and palpability. For calcifications, the predictors of malignancy: extent over 15 mm, linear or segmental
distribution, fine linear (branching) morphology, a palpable mass. BI-RADS 5 is >= 95% malignant.
"""

from __future__ import annotations

from rules.case import Finding
from rules.facts import Birads, CalcificationDistribution, CalcificationMorphology, FindingType
from rules.items import Priority

#: Calcification extent above which malignancy is more likely (docs/items.md, seed 2).
CALCIFICATION_EXTENT_MM = 15.0

_LINEAR_MORPHOLOGY = frozenset(
    {CalcificationMorphology.FINE_LINEAR, CalcificationMorphology.FINE_LINEAR_BRANCHING}
)
_SUSPICIOUS_DISTRIBUTION = frozenset(
    {CalcificationDistribution.LINEAR, CalcificationDistribution.SEGMENTAL}
)


def finding_risk(
    finding: Finding, birads: Birads | None = None
) -> tuple[Priority | None, tuple[str, ...]]:
    """The priority the finding's own features call for (None when nothing raises it), and why."""
    urgent: list[str] = []
    high: list[str] = []
    if finding.type.is_asymmetry:
        if finding.developing:
            urgent.append("developing asymmetry (42.9% malignant when biopsy is recommended)")
        if finding.ever("associated_distortion"):
            urgent.append("asymmetry with associated architectural distortion")
        if finding.ever("associated_calcifications"):
            urgent.append("asymmetry with associated calcifications")
        if finding.ever("persists_on_spot_compression"):
            high.append("persists on spot compression")
    if FindingType.ARCHITECTURAL_DISTORTION in finding.types:
        urgent.append("architectural distortion")
    if finding.ever("palpable"):
        urgent.append("palpable")
    if FindingType.CALCIFICATIONS in finding.types:
        mentions = [m.value for m in finding.mentions]
        extents = [
            x
            for m in mentions
            for x in (m.extent_mm, m.size_mm)
            if x is not None and m.type is FindingType.CALCIFICATIONS
        ]
        if extents and max(extents) > CALCIFICATION_EXTENT_MM:
            urgent.append(f"calcifications extend over {CALCIFICATION_EXTENT_MM:g} mm")
        if any(m.distribution in _SUSPICIOUS_DISTRIBUTION for m in mentions):
            urgent.append("linear or segmental calcification distribution")
        if any(set(m.morphology) & _LINEAR_MORPHOLOGY for m in mentions):
            urgent.append("fine linear calcification morphology")
    assessed = [a.value.category for a in finding.assessments] + ([birads] if birads else [])
    if Birads.B5 in assessed:
        urgent.append("BI-RADS 5")
    elif Birads.B4C in assessed:
        high.append("BI-RADS 4C")
    if urgent:
        return Priority.URGENT, tuple(urgent + high)
    if high:
        return Priority.HIGH, tuple(high)
    return None, ()


def raise_priority(base: Priority, other: Priority | None) -> Priority:
    if other is None:
        return base
    return other if other.rank < base.rank else base
