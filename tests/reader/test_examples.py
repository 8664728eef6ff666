"""Every report of the worked example cases gives the facts its story implies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.anatomy import Depth, Laterality, Quadrant
from rules.documents import ReportDocument, Section
from rules.facts import (
    Birads,
    Composition,
    ConcordanceVerdict,
    FindingType,
    Guidance,
    Lesion,
    PathologyCategory,
    RecommendationKind,
    Relation,
    ReportFacts,
    ReportKind,
    SpecimenRadiograph,
)
from rules.reader import read_report

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "examples"
pytestmark = pytest.mark.skipif(not (EXAMPLES / "cases").is_dir(), reason="example cases not present beside the repository")
R, L, B = Laterality.RIGHT, Laterality.LEFT, Laterality.BOTH
TITLES = {"mammo-screening": "SCREENING MAMMOGRAM", "mammo-diagnostic": "DIAGNOSTIC MAMMOGRAM",
          "us-breast": "BREAST ULTRASOUND", "procedure": "PROCEDURE", "pathology": "PATHOLOGY",
          "radpath": "RAD-PATH CORRELATION"}


def reports(case: str) -> list[ReportFacts]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "cases" / f"{case}.yaml").read_text())
    out = []
    for n, event in enumerate(data["events"]):
        if event["kind"] != "report" or "sections" not in event:
            continue
        doc = ReportDocument(
            uid=f"{case}-{n}",
            title_text=TITLES.get(event.get("title", ""), ""),
            study_description=event.get("study_description", ""),
            predecessor_uids=(event["addendum_to"],) if event.get("addendum_to") else (),
            sections=tuple(Section(h, t) for h, t in event["sections"].items()),
        )
        out.append(read_report(doc))
    return out


def test_pub_0001_negative_screen_annual_follow_up() -> None:
    (screen,) = reports("PUB-0001")
    assert screen.findings == () and screen.composition is Composition.A
    assert [(a.category, a.laterality) for a in screen.assessments] == [(Birads.B1, B)]
    assert [(r.kind, r.laterality) for r in screen.recommendations] == [(RecommendationKind.ANNUAL_SCREENING, B)]


def test_pub_0002_asymmetry_left_unsampled() -> None:
    dx, bx, path, addendum = reports("PUB-0002")
    asym = next(f for f in dx.findings if f.type.is_asymmetry)
    assert asym.type is FindingType.FOCAL_ASYMMETRY and asym.laterality is R
    assert asym.location.clock == 7 and asym.location.depth is Depth.MIDDLE and asym.persists_on_spot_compression
    mass = next(f for f in dx.findings if f.type is FindingType.MASS)
    assert mass.location.clock == 4 and mass.size_mm == 5
    assert bx.kind is ReportKind.PROCEDURE
    (p,) = bx.procedures
    assert (p.guidance, p.laterality, p.clip_placed) == (Guidance.ULTRASOUND, R, True)
    assert any(c.relation is Relation.DOES_NOT_CORRESPOND and c.finding_type is FindingType.ASYMMETRY
               for c in bx.correspondences)
    assert not any(c.relation is Relation.CORRESPONDS for c in bx.correspondences)
    assert (RecommendationKind.BIOPSY, R, Guidance.STEREOTACTIC) in {
        (r.kind, r.laterality, r.guidance) for r in bx.recommendations}
    assert path.kind is ReportKind.PATHOLOGY
    (spec,) = path.pathology
    assert (spec.category, spec.laterality, spec.location.clock) == (PathologyCategory.BENIGN, R, 4)
    # every named diagnosis is listed, the benign parenchyma too (corpus labelling convention)
    assert set(spec.lesions) == {Lesion.BENIGN_PARENCHYMA, Lesion.PASH}
    assert addendum.predecessor_uids == ("bx",)
    assert [c.verdict for c in addendum.concordance] == [ConcordanceVerdict.CONCORDANT]


def test_pub_0003_calcifications_fea() -> None:
    screen, dx, stx, path, addendum = reports("PUB-0003")
    assert screen.composition is Composition.B
    assert {(f.type, f.laterality) for f in screen.findings} == {(FindingType.CALCIFICATIONS, L)}
    assert (RecommendationKind.MAGNIFICATION_VIEWS, L) in {(r.kind, r.laterality) for r in screen.recommendations}
    (calcs,) = dx.findings
    assert calcs.location.clock == 3 and calcs.size_mm == 4 and calcs.birads is Birads.B4A
    (p,) = stx.procedures
    assert p.guidance is Guidance.STEREOTACTIC and p.specimen_radiograph is SpecimenRadiograph.CALCIFICATIONS_PRESENT
    (spec,) = path.pathology
    assert spec.category is PathologyCategory.HIGH_RISK and spec.lesions == (Lesion.FEA,) and spec.calcifications
    assert [c.verdict for c in addendum.concordance] == [ConcordanceVerdict.CONCORDANT]
    assert RecommendationKind.SURGICAL_CONSULTATION in {r.kind for r in addendum.recommendations}


def test_pub_0004_dense_breasts_supplemental_ultrasound() -> None:
    screen, us, bx, path = reports("PUB-0004")
    assert screen.composition is Composition.D and screen.findings == ()
    kinds = {(r.kind, r.laterality) for r in screen.recommendations}
    assert {(RecommendationKind.ANNUAL_SCREENING, B), (RecommendationKind.SUPPLEMENTAL_ULTRASOUND, B)} <= kinds
    (mass,) = us.findings
    assert (mass.type, mass.laterality, mass.location.clock, mass.size_mm) == (FindingType.MASS, R, 10, 8)
    assert [c.relation for c in bx.correspondences] == [Relation.CORRESPONDS]
    (spec,) = path.pathology
    assert spec.category is PathologyCategory.MALIGNANT and spec.grade == 3
    assert spec.lesions == (Lesion.INVASIVE_CARCINOMA,)


def test_pub_0006_distortion_radial_scar() -> None:
    dx, bx, path, addendum = reports("PUB-0006")
    (d,) = dx.findings
    assert d.type is FindingType.ARCHITECTURAL_DISTORTION and d.location.quadrant is Quadrant.UPPER_INNER
    assert d.location.depth is Depth.POSTERIOR and d.size_mm == 12
    (p,) = bx.procedures
    assert p.guidance is Guidance.TOMOSYNTHESIS and p.target_type is FindingType.ARCHITECTURAL_DISTORTION
    (spec,) = path.pathology
    assert spec.category is PathologyCategory.HIGH_RISK and spec.lesions == (Lesion.RADIAL_SCAR,)
    assert [c.verdict for c in addendum.concordance] == [ConcordanceVerdict.CONCORDANT]


def test_pub_0007_palpable_mass_explained() -> None:
    us, bx, path, addendum = reports("PUB-0007")
    (complaint,) = us.palpable
    assert complaint.laterality is R and complaint.location.clock == 11 and complaint.explained is True
    (mass,) = us.findings
    assert mass.palpable and mass.size_mm == 17
    (spec,) = path.pathology
    assert spec.lesions == (Lesion.FIBROADENOMA,)
    assert [c.verdict for c in addendum.concordance] == [ConcordanceVerdict.CONCORDANT_BENIGN]
    (rec,) = addendum.recommendations
    assert (rec.kind, rec.laterality, rec.interval_months) == (RecommendationKind.SHORT_INTERVAL_FOLLOW_UP, R, 6)


def test_pub_0008_no_specimen_radiograph() -> None:
    dx, stx = reports("PUB-0008")
    (calcs,) = dx.findings
    assert calcs.location.depth is Depth.POSTERIOR and calcs.location.clock == 9
    (p,) = stx.procedures
    assert p.specimen_radiograph is SpecimenRadiograph.NOT_PERFORMED and p.guidance is Guidance.STEREOTACTIC
    assert stx.not_feasible == ()


def test_pub_0005_coded_tid_4200() -> None:
    pydicom = pytest.importorskip("pydicom")
    from tests.reader.sr_tree import to_document

    path = EXAMPLES / "dicom" / "PUB-0005" / "003-01-SR-ENHANCED.dcm"
    facts = read_report(to_document(pydicom.dcmread(path)))
    assert facts.kind is ReportKind.RADIOLOGY and facts.composition is Composition.C
    (mass,) = facts.findings
    assert (mass.type, mass.laterality, mass.birads) == (FindingType.MASS, L, Birads.B4A)
    assert mass.location.clock == 8 and mass.location.quadrant is Quadrant.LOWER_INNER
    assert mass.location.depth is Depth.ANTERIOR and mass.location.nipple_distance_mm == 35
    assert mass.size_mm == 10 and mass.sonographic_correlate is True
    assert [(a.category, a.laterality) for a in facts.assessments] == [(Birads.B4A, L)]
    assert [(r.kind, r.laterality) for r in facts.recommendations] == [(RecommendationKind.BIOPSY, L)]
