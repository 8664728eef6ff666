"""Radiology findings: type, breast, location, size and descriptors, with negation and hedging.

A finding mention is kept when ConText neither negates it nor makes it hypothetical; a hedged one
('possible asymmetry') is kept as UNCERTAIN. Mentions of one finding in Findings and Impression are
merged (same type family, same breast, no conflicting location).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rules.anatomy import Laterality, Location
from rules.facts import (
    Birads,
    CalcificationDistribution,
    CalcificationMorphology,
    Certainty,
    Evidence,
    FindingMention,
    FindingType,
)
from rules.lexicon import any_match, first_key, pattern_list, patterns
from rules.reader.context import BACKGROUND_SECTIONS, ReportText
from rules.reader.pipeline import Mention
from rules.reader.locations import (
    clock_hits,
    depth_hits,
    extent_hits,
    location_near,
    nearest,
    nipple_hits,
    quadrant_hits,
    size_hits,
)

_NOT_A_FINDING_BEFORE = re.compile(r"(?:(?:skin|lymph node|cutaneous|dermal|sebaceous)\s*|\bnon-?\s?)$")
# Skin calcifications are a (benign) calcification finding; a skin mass or lesion is not.
_SKIN_ONLY = re.compile(r"(?:skin|cutaneous|dermal|sebaceous)\s*$")
# "mass with associated calcifications", "asymmetry with questionable distortion": a feature of the
# finding named before it in the sentence, not a finding of its own.
_ASSOCIATED = re.compile(
    r"(?:\bwith(?:out)?|\bassociated|\band associated|\bcontaining|\bincluding associated)"
    r"(?: \w+){0,4}\s*$"
)
_NOT_A_FINDING_AFTER = re.compile(r"^\s*(?:effect|marker|clip)")
_NOT_PALPABLE = re.compile(
    r"non-?palpable|not (?:be )?palpable|not felt|nonpalpable|no palpable"
    # near the lump is not the lump ("2 cm from where the patient feels the lump"), and a doubt
    # leaves open which finding it is ("may account for the palpable finding")
    r"|\b\d+(?:\.\d+)? ?(?:cm|mm) (?:away )?from (?:where|the (?:palpable|lump|site|area|bb|marker))"
    r"|\b(?:unclear|uncertain|unsure|whether|which of|may|might|possibl[ey]|questionabl[ey])\b|\?"
)
_NO_CORRELATE = re.compile(r"no (?:\w+ ){0,2}(?:sonographic|ultrasound) correlate|without (?:a )?sonographic correlate|not seen (?:on|at|with) (?:ultrasound|sonograph)")
_CORRELATE = re.compile(r"sonographic correlate|ultrasound correlate|correlat\w* (?:with|to) (?:the )?(?:ultrasound|sonographic)")

# More specific asymmetry types win when two mentions of one finding are merged.
_SPECIFICITY = {
    FindingType.ASYMMETRY: 0,
    FindingType.GLOBAL_ASYMMETRY: 1,
    FindingType.FOCAL_ASYMMETRY: 2,
    FindingType.DEVELOPING_ASYMMETRY: 3,
}


@dataclass
class _Draft:
    """A finding being assembled from one or more sentences."""

    type: FindingType
    laterality: Laterality | None
    evidence: Evidence
    sentence: int
    location: Location = Location()
    side_written: bool = True
    """False when the breast is only the report's default (a bilateral examination's "B")."""
    sentences: set[int] = field(default_factory=set)
    """Every sentence that mentions this finding (Findings and its restatement in Impression)."""
    size_mm: float | None = None
    extent_mm: float | None = None
    morphology: list[CalcificationMorphology] = field(default_factory=list)
    distribution: CalcificationDistribution | None = None
    palpable: bool = False
    tomo: bool = False
    spot: bool = False
    new: bool = False
    calcs: bool = False
    distortion: bool = False
    correlate: bool | None = None
    birads: Birads | None = None
    uncertain: bool = False

    def freeze(self) -> FindingMention:
        return FindingMention(
            type=self.type, laterality=self.laterality, evidence=self.evidence,
            location=self.location, size_mm=self.size_mm, extent_mm=self.extent_mm,
            morphology=tuple(self.morphology), distribution=self.distribution,
            palpable=self.palpable, best_seen_on_tomosynthesis=self.tomo,
            persists_on_spot_compression=self.spot, new_or_increasing=self.new,
            associated_calcifications=self.calcs, associated_distortion=self.distortion,
            sonographic_correlate=self.correlate, birads=self.birads,
            certainty=Certainty.UNCERTAIN if self.uncertain else Certainty.AFFIRMED,
        )


def _is_feature(text: str, head: Mention, m: Mention) -> bool:
    """``m`` is written as a feature of ``head``: 'mass with (associated) calcifications'."""
    between = text[head.end : m.start]
    if head.label == m.label or re.search(r"[;]|\.\s", between):
        return False
    if re.search(r"\bwith associated\s*$|\bassociated with\b[^,]*$", between):
        return True
    return bool(_ASSOCIATED.search(between)) and not re.search(r"\band\b", between)


def read_findings(report: ReportText) -> list[_Draft]:
    drafts: list[_Draft] = []
    previous: list[_Draft] = []
    associated: set[tuple[FindingType, Laterality | None]] = set()
    background: list[tuple[int, Mention]] = []
    for i, sentence in enumerate(report.sentences):
        if sentence.section in BACKGROUND_SECTIONS:
            previous = []
            background += [(i, m) for m in report.findings_in(i) if not m.hypothetical]
            continue
        text = sentence.text
        mentions = [
            m for m in report.findings_in(i)
            if not m.hypothetical
            and (not _NOT_A_FINDING_BEFORE.search(text[: m.start])
                 or m.label == FindingType.CALCIFICATIONS.value and _SKIN_ONLY.search(text[: m.start]))
            and not _NOT_A_FINDING_AFTER.match(text[m.end :])
        ]
        features = [m for k, m in enumerate(mentions) if k > 0 and _is_feature(text, mentions[k - 1], m)]
        for m in features:
            associated.add((FindingType(m.label), report.side_near(i, m.start)))
        described = {FindingType(m.label) for m in mentions}
        mentions = [m for m in mentions if m not in features]
        if not mentions:
            _carry_over(previous, text)
            continue
        spans = [(m.start, m.end) for m in mentions]
        current: list[_Draft] = []
        for m in mentions:
            anchor = (m.start, m.end)
            finding_type = FindingType(m.label)
            new = bool(any_match(pattern_list("terms.yaml", "new_or_increasing"), text))
            if new and finding_type in (FindingType.ASYMMETRY, FindingType.FOCAL_ASYMMETRY):
                finding_type = FindingType.DEVELOPING_ASYMMETRY  # BI-RADS: new or increasing
            size = nearest(size_hits(text), anchor, spans)
            extent = nearest(extent_hits(text), anchor, spans)
            draft = _Draft(
                type=finding_type,
                laterality=report.side_near(i, m.start),
                side_written=report.written_side_near(i, m.start) is not None,
                evidence=report.evidence(i),
                sentence=i,
                sentences={i},
                location=location_near(text, anchor, spans),
                size_mm=size.value if size else None,  # type: ignore[arg-type]
                extent_mm=extent.value if extent else None,  # type: ignore[arg-type]
                palpable=bool(any_match(pattern_list("terms.yaml", "palpable"), text))
                and not _NOT_PALPABLE.search(text),
                tomo=bool(any_match(pattern_list("terms.yaml", "best_seen_on_tomosynthesis"), text)),
                spot=bool(any_match(pattern_list("terms.yaml", "persists_on_spot_compression"), text)),
                new=new,
                uncertain=m.uncertain,
            )
            if _NO_CORRELATE.search(text):
                draft.correlate = False
            elif _CORRELATE.search(text):
                draft.correlate = True
            if finding_type is FindingType.CALCIFICATIONS:
                _describe_calcifications(draft, text)
            others = described - {finding_type, FindingType(m.label)}
            draft.calcs = FindingType.CALCIFICATIONS in others
            draft.distortion = FindingType.ARCHITECTURAL_DISTORTION in others
            current.append(draft)
        drafts.extend(current)
        previous = current
    # once a feature is written as belonging to a finding, its hedged restatements are that feature
    drafts = [d for d in drafts if not (d.uncertain and (d.type, d.laterality) in associated)]
    merged = _merge(drafts)
    _specify_from_background(report, merged, background)
    return merged


def _specify_from_background(report: ReportText, drafts: list[_Draft], background: list[tuple[int, Mention]]) -> None:
    """'the mammographic asymmetry' of an ultrasound report is the 'developing asymmetry at 3:00' its
    indication names: the indication gives the type and location the findings leave out. Background
    mentions never add findings of their own (the finding may have resolved)."""
    for i, m in background:
        finding_type = FindingType(m.label)
        side = report.side_near(i, m.start)
        text = report.sentences[i].text
        location = location_near(text, (m.start, m.end), [(m.start, m.end)])
        for d in drafts:
            if not (same_family(d.type, finding_type) and _SPECIFICITY.get(finding_type, 0) > _SPECIFICITY.get(d.type, 0)):
                continue
            if side is not None and d.laterality is not None and side is not d.laterality:
                continue
            if not compatible_location(d.location, location):
                continue
            d.type = finding_type
            if d.location.clock is None and location.clock is not None:
                d.location = replace(d.location, clock=location.clock)


def _describe_calcifications(draft: _Draft, text: str) -> None:
    seen: list[CalcificationMorphology] = []
    for value, regexes in patterns("terms.yaml", "morphology").items():
        if any(r.search(text) for r in regexes):
            morph = CalcificationMorphology(value)
            # "fine pleomorphic" is not also "pleomorphic"; "fine linear branching" not "fine linear"
            if any(s.value.endswith(value) or s.value.startswith(value) for s in seen):
                continue
            seen.append(morph)
    draft.morphology = seen
    distribution = first_key(patterns("terms.yaml", "distribution"), text)
    draft.distribution = CalcificationDistribution(distribution) if distribution else None


def _carry_over(previous: list[_Draft], text: str) -> None:
    """'It measures 8 mm and lies at 2 o'clock': a sentence without a finding term describes the
    finding of the sentence before, when only one finding was there."""
    if len(previous) != 1:
        return
    draft = previous[0]
    loc = draft.location
    clock = clock_hits(text)
    quadrant = quadrant_hits(text)
    depth = depth_hits(text)
    nipple = nipple_hits(text)
    draft.location = Location(
        clock=loc.clock if loc.clock is not None else (clock[0].value if clock else None),  # type: ignore[arg-type]
        quadrant=loc.quadrant or (quadrant[0].value if quadrant else None),  # type: ignore[arg-type]
        depth=loc.depth or (depth[0].value if depth else None),  # type: ignore[arg-type]
        nipple_distance_mm=loc.nipple_distance_mm if loc.nipple_distance_mm is not None
        else (nipple[0].value if nipple else None),  # type: ignore[arg-type]
    )
    if draft.size_mm is None:
        sizes = size_hits(text)
        draft.size_mm = sizes[0].value if sizes else None  # type: ignore[assignment]
    if any_match(pattern_list("terms.yaml", "persists_on_spot_compression"), text):
        draft.spot = True
    if any_match(pattern_list("terms.yaml", "best_seen_on_tomosynthesis"), text):
        draft.tomo = True
    if _NO_CORRELATE.search(text):
        draft.correlate = False


def same_family(a: FindingType, b: FindingType) -> bool:
    return a is b or (a.is_asymmetry and b.is_asymmetry)


def compatible_location(a: Location, b: Location) -> bool:
    if a.clock is not None and b.clock is not None and abs(a.clock - b.clock) > 0.5:
        return False
    if a.quadrant is not None and b.quadrant is not None and a.quadrant is not b.quadrant:
        return a.clock is not None and a.clock == b.clock
    return True


def _distinct_calcifications(a: _Draft, b: _Draft) -> bool:
    """Vascular and milk-of-calcium calcifications in one report are two findings."""
    return bool(a.morphology and b.morphology and not set(a.morphology) & set(b.morphology))


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    merged: list[_Draft] = []
    for d in drafts:
        candidates = [
            m for m in merged
            if same_family(m.type, d.type) and compatible_location(m.location, d.location)
            and not _distinct_calcifications(m, d)
        ]
        target = next(
            (m for m in candidates
             if m.laterality is d.laterality or m.laterality is None or d.laterality is None),
            None,
        )
        if target is None and not d.side_written:
            # "Suspicious mass. BI-RADS 4B." in a bilateral report restates the one mass described
            sides = {m.laterality for m in candidates}
            target = candidates[0] if len(candidates) == 1 or len(sides) == 1 and candidates else None
        if target is None and d.laterality is Laterality.BOTH:
            sides = {m.laterality for m in candidates}
            if {Laterality.LEFT, Laterality.RIGHT} <= sides:
                continue  # "bilateral masses" summing up the right and the left one
            same = [m for m in candidates if m.morphology and m.morphology == d.morphology]
            if len(same) == 1:
                target = same[0]  # "left ... calcifications, bilateral and symmetric" then "bilateral"
                target.laterality = Laterality.BOTH
        if target is None:
            merged.append(d)
            continue
        target.sentences |= d.sentences
        if _SPECIFICITY.get(d.type, 0) > _SPECIFICITY.get(target.type, 0):
            target.type = d.type
        target.laterality = target.laterality or d.laterality
        a, b = target.location, d.location
        target.location = Location(
            clock=a.clock if a.clock is not None else b.clock,
            quadrant=a.quadrant or b.quadrant,
            depth=a.depth or b.depth,
            nipple_distance_mm=a.nipple_distance_mm if a.nipple_distance_mm is not None else b.nipple_distance_mm,
        )
        target.size_mm = target.size_mm if target.size_mm is not None else d.size_mm
        target.extent_mm = target.extent_mm if target.extent_mm is not None else d.extent_mm
        target.morphology += [x for x in d.morphology if x not in target.morphology]
        target.distribution = target.distribution or d.distribution
        for flag in ("palpable", "tomo", "spot", "new", "calcs", "distortion"):
            setattr(target, flag, getattr(target, flag) or getattr(d, flag))
        if target.correlate is None:
            target.correlate = d.correlate
        target.uncertain = target.uncertain and d.uncertain
    return merged


def freeze_all(drafts: list[_Draft]) -> tuple[FindingMention, ...]:
    return tuple(d.freeze() for d in drafts)


__all__ = ["read_findings", "freeze_all", "same_family", "compatible_location", "replace"]
