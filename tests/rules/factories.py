"""Small builders so scenario tests read like the clinical story they tell.

Dates are days relative to 2026-11-21 (the examples' day 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.case import Case
from rules.decisions import Decision
from rules.documents import ImageRecord, Modality, View, ViewModifier
from rules.facts import (
    Assessment,
    Birads,
    ConcordanceStatement,
    ConcordanceVerdict,
    Correspondence,
    Evidence,
    FindingMention,
    FindingType,
    Guidance,
    Lesion,
    PathologyCategory,
    PathologySpecimen,
    ProcedureFacts,
    Recommendation,
    RecommendationKind,
    Relation,
    ReportFacts,
    ReportKind,
    SpecimenRadiograph,
)

NOWHERE = Location()
DAY0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
L, R, B = Laterality.LEFT, Laterality.RIGHT, Laterality.BOTH


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def at(
    clock: float | None = None,
    quadrant: Quadrant | None = None,
    depth: Depth | None = None,
    nipple_cm: float | None = None,
) -> Location:
    return Location(clock, quadrant, depth, nipple_cm * 10 if nipple_cm is not None else None)


@dataclass
class Doc:
    """One report being written: sentences become Evidence with this document's UID."""

    uid: str
    kind: ReportKind
    when: float
    predecessors: tuple[str, ...] = ()
    parts: dict[str, list[object]] = field(default_factory=dict)
    composition: object = None

    def ev(self, text: str) -> Evidence:
        return Evidence(self.uid, text)

    def add(self, what: str, item: object) -> Doc:
        self.parts.setdefault(what, []).append(item)
        return self

    def finding(
        self,
        text: str,
        type: FindingType,
        side: Laterality | None,
        where: Location = NOWHERE,
        **kw: object,
    ) -> Doc:
        return self.add("findings", FindingMention(type, side, self.ev(text), where, **kw))  # type: ignore[arg-type]

    def assess(
        self,
        text: str,
        category: Birads,
        side: Laterality | None = None,
        type: FindingType | None = None,
        where: Location = NOWHERE,
    ) -> Doc:
        return self.add("assessments", Assessment(category, side, self.ev(text), type, where))

    def recommend(
        self, text: str, kind: RecommendationKind, side: Laterality | None = None, **kw: object
    ) -> Doc:
        return self.add("recommendations", Recommendation(kind, side, self.ev(text), **kw))  # type: ignore[arg-type]

    def biopsy(
        self,
        text: str,
        side: Laterality | None,
        guidance: Guidance | None,
        target: FindingType | None = None,
        where: Location = NOWHERE,
        **kw: object,
    ) -> Doc:
        return self.add(
            "procedures", ProcedureFacts(side, self.ev(text), guidance, target, where, **kw)
        )  # type: ignore[arg-type]

    def corresponds(
        self,
        text: str,
        relation: Relation,
        side: Laterality | None,
        type: FindingType | None = None,
        where: Location = NOWHERE,
    ) -> Doc:
        return self.add(
            "correspondences", Correspondence(relation, side, self.ev(text), type, where)
        )

    def pathology(
        self,
        text: str,
        category: PathologyCategory,
        side: Laterality | None,
        where: Location = NOWHERE,
        lesions: Iterable[Lesion] = (),
        **kw: object,
    ) -> Doc:
        return self.add(
            "pathology",
            PathologySpecimen(category, side, self.ev(text), where, text, tuple(lesions), **kw),  # type: ignore[arg-type]
        )

    def concordance(
        self,
        text: str,
        verdict: ConcordanceVerdict,
        side: Laterality | None,
        where: Location = NOWHERE,
    ) -> Doc:
        return self.add("concordance", ConcordanceStatement(verdict, side, self.ev(text), where))

    def facts(self) -> ReportFacts:
        return ReportFacts(
            source_uid=self.uid,
            kind=self.kind,
            observed_at=day(self.when),
            predecessor_uids=self.predecessors,
            composition=self.composition,  # type: ignore[arg-type]
            **{k: tuple(v) for k, v in self.parts.items()},  # type: ignore[arg-type]
        )


def radiology(uid: str, when: float, **kw: object) -> Doc:
    return Doc(uid, ReportKind.RADIOLOGY, when, **kw)  # type: ignore[arg-type]


def procedure(uid: str, when: float, addendum_to: str | None = None) -> Doc:
    return Doc(uid, ReportKind.PROCEDURE, when, (addendum_to,) if addendum_to else ())


def pathology(uid: str, when: float) -> Doc:
    return Doc(uid, ReportKind.PATHOLOGY, when)


_counter = iter(range(1, 10**9))


def image(
    when: float,
    modality: Modality,
    side: Laterality | None,
    *,
    view: View | None = None,
    modifiers: Iterable[ViewModifier] = (),
    specimen: bool = False,
    outside_prior: bool = False,
    institution: str = "",
    uid: str | None = None,
) -> ImageRecord:
    return ImageRecord(
        sop_instance_uid=uid or f"1.2.826.0.1.99.{next(_counter)}",
        study_uid=f"1.2.826.0.1.98.{int(when * 10) % 100000}",
        acquired_at=day(when),
        modality=modality,
        laterality=side,
        view=view,
        modifiers=frozenset(modifiers),
        specimen=specimen,
        outside_prior=outside_prior,
        institution=institution,
    )


def case(
    docs: Iterable[Doc | ReportFacts],
    images: Iterable[ImageRecord] = (),
    decisions: Iterable[Decision] = (),
) -> Case:
    reports = tuple(d.facts() if isinstance(d, Doc) else d for d in docs)
    return Case(reports, tuple(images), tuple(decisions))


__all__ = [
    "B",
    "DAY0",
    "L",
    "R",
    "Birads",
    "ConcordanceVerdict",
    "Depth",
    "Doc",
    "FindingType",
    "Guidance",
    "Lesion",
    "Modality",
    "PathologyCategory",
    "Quadrant",
    "RecommendationKind",
    "Relation",
    "SpecimenRadiograph",
    "View",
    "ViewModifier",
    "at",
    "case",
    "day",
    "image",
    "pathology",
    "procedure",
    "radiology",
]
