"""TID 4200 Breast Imaging Report: coded findings, assessments and recommendations.

Codes are looked up in the lexicon's code tables (codes.tsv) by (scheme, value), never by meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.codes import Code
from rules.documents import ContentItem, ValueType
from rules.facts import (
    Assessment,
    Birads,
    CalcificationDistribution,
    CalcificationMorphology,
    Composition,
    Evidence,
    FindingMention,
    FindingType,
    Recommendation,
    RecommendationKind,
)
from rules.lexicon import code_table


@dataclass
class CodedFacts:
    composition: Composition | None = None
    laterality: Laterality | None = None
    findings: list[FindingMention] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)


def _role(item: ContentItem) -> str | None:
    return code_table("concept").get(item.concept) if item.concept is not None else None


def _lookup(table: str, code: Code | None) -> str | None:
    return code_table(table).get(code) if code is not None else None


def _describe(item: ContentItem) -> str:
    concept = item.concept.meaning if item.concept else ""
    value = item.code.meaning if item.code else (item.text or "")
    return f"{concept}: {value}".strip(": ")


def _laterality_of(item: ContentItem) -> Laterality | None:
    for child in item.children:
        if _role(child) == "laterality":
            value = _lookup("laterality", child.code)
            if value:
                return Laterality(value)
    return None


def read_coded(root: ContentItem, uid: str) -> CodedFacts:
    facts = CodedFacts()
    for item in root.walk():
        role = _role(item)
        if role == "procedure" and facts.laterality is None:
            facts.laterality = _laterality_of(item)
        elif role == "composition" and item.value_type is ValueType.CODE:
            value = _lookup("composition", item.code)
            if value:
                facts.composition = Composition(value)
    for item in root.walk():
        role = _role(item)
        if role == "finding" and item.value_type is ValueType.CODE:
            _read_finding(item, uid, facts)
        elif role == "overall":
            for child in item.children:
                if _role(child) == "assessment":
                    _read_assessment(child, uid, facts, None, Location())
    return facts


def _read_finding(item: ContentItem, uid: str, facts: CodedFacts) -> None:
    value = _lookup("finding", item.code)
    if value is None:
        return
    evidence = Evidence(uid, _describe(item))
    side = _laterality_of(item) or facts.laterality
    clock = quadrant = depth = nipple = size = None
    morphology: list[CalcificationMorphology] = []
    distribution = None
    correlate = None
    assessment_items: list[ContentItem] = []
    recommendation_items: list[ContentItem] = []
    for child in item.children:
        role = _role(child)
        if role == "clock":
            hour = _lookup("clock", child.code)
            region = _lookup("region", child.code)
            if hour:
                clock = float(hour)
            elif region:
                quadrant = Quadrant(region)
        elif role == "quadrant" and _lookup("quadrant", child.code):
            quadrant = Quadrant(_lookup("quadrant", child.code))
        elif role == "depth" and _lookup("depth", child.code):
            depth = Depth(_lookup("depth", child.code))
        elif role == "nipple-distance" and child.number is not None:
            nipple = _to_mm(child)
        elif role == "size" and child.number is not None:
            size = _to_mm(child)
        elif role == "calcification-type" and _lookup("morphology", child.code):
            morphology.append(CalcificationMorphology(_lookup("morphology", child.code)))
        elif role == "calcification-distribution" and _lookup("distribution", child.code):
            distribution = CalcificationDistribution(_lookup("distribution", child.code))
        elif role == "correlation" and _lookup("correlation", child.code) == "ultrasound":
            correlate = True
        elif role == "assessment":
            assessment_items.append(child)
        elif role == "recommendation":
            recommendation_items.append(child)
    location = Location(clock=clock, quadrant=quadrant, depth=depth, nipple_distance_mm=nipple)
    finding_type = FindingType(value)
    birads = None
    for a in assessment_items:
        category = _lookup("assessment", a.code)
        if category:
            birads = Birads(category)
            _read_assessment(a, uid, facts, finding_type, location, side)
    for r in recommendation_items:
        _add_recommendation(r, uid, facts, side, finding_type, location)
    facts.findings.append(
        FindingMention(
            type=finding_type, laterality=side, evidence=evidence, location=location, size_mm=size,
            morphology=tuple(morphology), distribution=distribution, sonographic_correlate=correlate,
            birads=birads,
        )
    )


def _to_mm(item: ContentItem) -> float:
    assert item.number is not None
    unit = item.unit.value if item.unit is not None else "mm"
    return item.number * 10 if unit == "cm" else item.number


def _read_assessment(item: ContentItem, uid: str, facts: CodedFacts, finding_type: FindingType | None,
                     location: Location, side: Laterality | None = None) -> None:
    category = _lookup("assessment", item.code)
    if category is None:
        return
    side = side or _laterality_of(item) or facts.laterality
    if not any(a.category.value == category and a.laterality is side for a in facts.assessments):
        facts.assessments.append(
            Assessment(Birads(category), side, Evidence(uid, _describe(item)), finding_type, location)
        )
    for child in item.children:
        if _role(child) == "recommendation":
            _add_recommendation(child, uid, facts, side, finding_type, location)


def _add_recommendation(item: ContentItem, uid: str, facts: CodedFacts, side: Laterality | None,
                        target: FindingType | None, location: Location) -> None:
    kind = _lookup("recommendation", item.code)
    if kind is None:
        return
    rec_kind = RecommendationKind(kind)
    if any(r.kind is rec_kind and r.laterality is side for r in facts.recommendations):
        return
    interval = 6 if rec_kind is RecommendationKind.SHORT_INTERVAL_FOLLOW_UP else (
        12 if rec_kind is RecommendationKind.ANNUAL_SCREENING else None)
    for child in item.children:
        if _role(child) == "interval" and child.number is not None:
            interval = int(child.number)
    facts.recommendations.append(
        Recommendation(rec_kind, side, Evidence(uid, _describe(item)), interval_months=interval,
                       target_type=target, target_location=location)
    )
