"""The eight example cases as the facts a careful reader would extract, built by hand.

Each function returns the events in time order: (day, ReportFacts or ImageRecord). The sentences are
the reports' own, so a failing test points at the sentence concerned.
"""

from __future__ import annotations

from collections.abc import Callable

from rules.case import Case
from rules.documents import ImageRecord
from rules.facts import CalcificationMorphology, Composition, PalpableComplaint, ReportFacts
from tests.rules.factories import (
    DAY0,
    B,
    Birads,
    ConcordanceVerdict,
    Depth,
    FindingType,
    Guidance,
    L,
    Lesion,
    Modality,
    PathologyCategory,
    Quadrant,
    R,
    RecommendationKind,
    Relation,
    SpecimenRadiograph,
    View,
    ViewModifier,
    at,
    day,
    image,
    pathology,
    procedure,
    radiology,
)

Event = tuple[float, ReportFacts | ImageRecord]


def pub_0001() -> list[Event]:
    scr = radiology("2.25.1001", -4)
    scr.composition = Composition.A
    scr.assess("ASSESSMENT: BI-RADS 1 - Negative.", Birads.B1)
    scr.recommend(
        "RECOMMENDATION: Screening mammogram in 1 year.",
        RecommendationKind.ANNUAL_SCREENING,
        interval_months=12,
        modality="mammogram",
    )
    return [(-4, image(-4, Modality.MG, B, view=View.CC)), (-4, scr.facts())]


def pub_0002() -> list[Event]:
    dx = radiology("2.25.2001", -36)
    dx.finding(
        "The screening-detected focal asymmetry is still seen on spot compressed views at 7 o'clock, "
        "mid depth, roughly 7 cm from the nipple.",
        FindingType.FOCAL_ASYMMETRY,
        R,
        at(7, depth=Depth.MIDDLE, nipple_cm=7),
        persists_on_spot_compression=True,
    )
    dx.finding(
        "A 5 mm hypoechoic, slightly irregular lesion is present at 4 o'clock, 3 cm from the nipple.",
        FindingType.MASS,
        R,
        at(4, nipple_cm=3),
        size_mm=5,
    )
    dx.assess("ASSESSMENT: BI-RADS 4A.", Birads.B4A)
    dx.recommend(
        "RECOMMENDATION: Sample the 4 o'clock lesion under sonographic guidance and check the clip "
        "position against the asymmetry on post-procedure films.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.ULTRASOUND,
        target_type=FindingType.MASS,
        target_location=at(4),
    )
    bx = procedure("2.25.2002", -28)
    bx.biopsy(
        "Sonographically guided 12-gauge core sampling of the right 4 o'clock lesion; marker clip left "
        "at the site.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(4),
        needle_gauge=12,
        clip_placed=True,
    )
    bx.corresponds(
        "Post-procedure films: the clip is remote from the mammographic asymmetry (about 4 cm "
        "medial).",
        Relation.DOES_NOT_CORRESPOND,
        R,
        FindingType.ASYMMETRY,
    )
    bx.recommend(
        "Stereotactic sampling of the 7 o'clock asymmetry is advised.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.STEREOTACTIC,
        target_type=FindingType.ASYMMETRY,
        target_location=at(7),
    )
    path = pathology("2.25.2003", -25)
    path.pathology(
        "Benign breast parenchyma with pseudoangiomatous stromal hyperplasia (PASH). No atypia.",
        PathologyCategory.BENIGN,
        R,
        at(4),
        [Lesion.PASH],
        guidance=Guidance.ULTRASOUND,
    )
    add = procedure("2.25.2004", -24, addendum_to="2.25.2002")
    add.concordance(
        "PASH is an acceptable, concordant explanation for the small 4 o'clock lesion.",
        ConcordanceVerdict.CONCORDANT_BENIGN,
        R,
        at(4),
    )
    add.corresponds(
        "It does not address the 7 o'clock asymmetry; stereotactic sampling remains advised.",
        Relation.DOES_NOT_CORRESPOND,
        R,
        FindingType.ASYMMETRY,
        at(7),
    )
    add.recommend(
        "It does not address the 7 o'clock asymmetry; stereotactic sampling remains advised.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.STEREOTACTIC,
    )
    return [
        (-36, image(-36, Modality.MG, R, view=View.CC, modifiers=[ViewModifier.SPOT_COMPRESSION])),
        (-36, image(-36, Modality.US, R)),
        (-36, dx.facts()),
        (-28, image(-28, Modality.US, R)),
        (-28, image(-28, Modality.MG, R, view=View.CC)),
        (-28, bx.facts()),
        (-25, path.facts()),
        (-24, add.facts()),
    ]


def pub_0003() -> list[Event]:
    scr = radiology("2.25.3001", -52)
    scr.composition = Composition.B
    scr.finding(
        "LEFT: faint calcifications, outer breast, not seen before.",
        FindingType.CALCIFICATIONS,
        L,
        at(quadrant=Quadrant.OUTER),
        new_or_increasing=True,
    )
    scr.assess("BI-RADS 0 - call back for magnified views of the left breast.", Birads.B0, L)
    scr.recommend(
        "BI-RADS 0 - call back for magnified views of the left breast.",
        RecommendationKind.MAGNIFICATION_VIEWS,
        L,
    )
    dx = radiology("2.25.3002", -44)
    dx.finding(
        "Magnified CC and lateral views show a 4 mm cluster of amorphous calcifications at 3 o'clock, "
        "mid depth, 6 cm behind the nipple.",
        FindingType.CALCIFICATIONS,
        L,
        at(3, depth=Depth.MIDDLE, nipple_cm=6),
        size_mm=4,
        morphology=(CalcificationMorphology.AMORPHOUS,),
    )
    dx.assess("BI-RADS 4A.", Birads.B4A)
    dx.recommend(
        "Stereotactic sampling.", RecommendationKind.BIOPSY, guidance=Guidance.STEREOTACTIC
    )
    stx = procedure("2.25.3003", -35)
    stx.biopsy(
        "Stereotactically guided vacuum sampling, left 3 o'clock calcifications; 10-gauge, 9 samples; "
        "marker deployed.",
        L,
        Guidance.STEREOTACTIC,
        FindingType.CALCIFICATIONS,
        at(3),
        needle_gauge=10,
        cores=9,
        vacuum_assisted=True,
        clip_placed=True,
        specimen_radiograph=SpecimenRadiograph.CALCIFICATIONS_PRESENT,
    )
    path = pathology("2.25.3004", -31)
    path.pathology(
        "Left breast, 3 o'clock, stereotactic vacuum cores - flat epithelial atypia with associated "
        "luminal calcifications. No ADH or carcinoma.",
        PathologyCategory.HIGH_RISK,
        L,
        at(3),
        [Lesion.FEA],
        calcifications=True,
        guidance=Guidance.STEREOTACTIC,
    )
    add = procedure("2.25.3005", -30, addendum_to="2.25.3003")
    add.concordance(
        "Rad/path concordant (FEA with the targeted calcifications).",
        ConcordanceVerdict.HIGH_RISK,
        L,
    )
    add.recommend(
        "A surgical opinion regarding excision is recommended.",
        RecommendationKind.SURGICAL_CONSULTATION,
        L,
    )
    return [
        (-52, image(-52, Modality.DBT, B, view=View.CC)),
        (-52, scr.facts()),
        (-44, image(-44, Modality.MG, L, view=View.CC, modifiers=[ViewModifier.MAGNIFICATION])),
        (-44, dx.facts()),
        (-35, image(-35, Modality.MG, L, view=View.CC)),
        (-35, image(-35, Modality.MG, L, specimen=True)),
        (-35, stx.facts()),
        (-31, path.facts()),
        (-30, add.facts()),
    ]


def pub_0004() -> list[Event]:
    scr = radiology("2.25.4001", -40)
    scr.composition = Composition.D
    scr.assess("BI-RADS 1.", Birads.B1)
    scr.recommend("Annual mammogram.", RecommendationKind.ANNUAL_SCREENING, interval_months=12)
    scr.recommend(
        "Mammographic sensitivity is reduced in extremely dense tissue; supplemental whole-breast "
        "sonography is advised.",
        RecommendationKind.SUPPLEMENTAL_ULTRASOUND,
    )
    us = radiology("2.25.4002", -26)
    us.finding(
        "Right breast, 10 o'clock, 5 cm from the nipple: 8 mm irregular, non-parallel hypoechoic mass "
        "with an angular margin.",
        FindingType.MASS,
        R,
        at(10, nipple_cm=5),
        size_mm=8,
    )
    us.assess("BI-RADS 4C, right 10 o'clock.", Birads.B4C, R, where=at(10))
    us.recommend(
        "Sonographically guided core sampling.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.ULTRASOUND,
    )
    bx = procedure("2.25.4003", -21)
    bx.biopsy(
        "Right 10 o'clock, 5 cm from nipple - sonographically guided 14-gauge core sampling (5 samples).",
        R,
        Guidance.ULTRASOUND,
        None,
        at(10, nipple_cm=5),
        needle_gauge=14,
        cores=5,
    )
    bx.corresponds(
        "Target is the 8 mm mass reported on the screening sonogram.",
        Relation.CORRESPONDS,
        R,
        FindingType.MASS,
    )
    path = pathology("2.25.4004", -18)
    path.pathology(
        "Right breast 10 o'clock, needle cores - invasive breast carcinoma of no special type, "
        "grade 3.",
        PathologyCategory.MALIGNANT,
        R,
        at(10),
        [Lesion.INVASIVE_CARCINOMA],
        grade=3,
    )
    return [
        (-40, image(-40, Modality.MG, B)),
        (-40, scr.facts()),
        (-26, image(-26, Modality.US, B)),
        (-26, us.facts()),
        (-21, image(-21, Modality.US, R)),
        (-21, bx.facts()),
        (-18, path.facts()),
    ]


def pub_0005() -> list[Event]:
    dx = radiology("2.25.5001", -8)
    dx.composition = Composition.C
    dx.finding(
        "Mass, left, 8 o'clock, LIQ, anterior, 35 mm from nipple, 10 mm",
        FindingType.MASS,
        L,
        at(8, Quadrant.LOWER_INNER, Depth.ANTERIOR, 3.5),
        size_mm=10,
        birads=Birads.B4A,
        sonographic_correlate=True,
    )
    dx.assess("Overall assessment left: BI-RADS 4A", Birads.B4A, L)
    dx.recommend(
        "Core biopsy",
        RecommendationKind.BIOPSY,
        L,
        target_type=FindingType.MASS,
        target_location=at(8),
    )
    return [
        (-8, image(-8, Modality.MG, L, modifiers=[ViewModifier.SPOT_COMPRESSION])),
        (-8, image(-8, Modality.US, L)),
        (-8, dx.facts()),
    ]


def pub_0006() -> list[Event]:
    dx = radiology("2.25.6001", -30)
    dx.finding(
        "Tomosynthesis: a 12 mm area of architectural distortion in the right upper inner breast, "
        "1 o'clock, posterior third.",
        FindingType.ARCHITECTURAL_DISTORTION,
        R,
        at(1, Quadrant.UPPER_INNER, Depth.POSTERIOR),
        size_mm=12,
        best_seen_on_tomosynthesis=True,
        sonographic_correlate=False,
    )
    dx.assess("BI-RADS 4B.", Birads.B4B)
    dx.recommend(
        "Tomosynthesis-guided vacuum sampling is advised.",
        RecommendationKind.BIOPSY,
        guidance=Guidance.TOMOSYNTHESIS,
    )
    bx = procedure("2.25.6002", -20)
    bx.biopsy(
        "Tomosynthesis-guided vacuum-assisted sampling of the right 1 o'clock distortion; 9-gauge, "
        "10 samples; marker placed at the target.",
        R,
        Guidance.TOMOSYNTHESIS,
        FindingType.ARCHITECTURAL_DISTORTION,
        at(1),
        clip_placed=True,
    )
    path = pathology("2.25.6003", -17)
    path.pathology(
        "Right breast 1 o'clock, vacuum cores - radial scar (complex sclerosing lesion). No atypia "
        "or malignancy seen.",
        PathologyCategory.HIGH_RISK,
        R,
        at(1),
        [Lesion.RADIAL_SCAR],
    )
    add = procedure("2.25.6004", -16, addendum_to="2.25.6002")
    add.concordance(
        "Radial scar is concordant with the tomosynthesis distortion.",
        ConcordanceVerdict.CONCORDANT,
        R,
    )
    add.recommend(
        "Surgical discussion of excision is recommended.",
        RecommendationKind.SURGICAL_CONSULTATION,
        R,
    )
    return [
        (-30, image(-30, Modality.DBT, R)),
        (-30, image(-30, Modality.US, R)),
        (-30, dx.facts()),
        (-20, image(-20, Modality.DBT, R)),
        (-20, bx.facts()),
        (-17, path.facts()),
        (-16, add.facts()),
    ]


def pub_0007() -> list[Event]:
    us = radiology("2.25.7001", -22)
    us.add(
        "palpable",
        PalpableComplaint(R, us.ev("Lump felt by the patient at right 11 o'clock."), at(11)),
    )
    us.finding(
        "Directly beneath the lump (right 11 o'clock, 4 cm from the nipple) is a 17 mm oval, "
        "circumscribed, solid mass - this is the palpable abnormality.",
        FindingType.MASS,
        R,
        at(11, nipple_cm=4),
        size_mm=17,
        palpable=True,
    )
    us.assess("BI-RADS 4A given size and patient preference for tissue diagnosis.", Birads.B4A)
    us.recommend(
        "Sonographic core sampling.", RecommendationKind.BIOPSY, guidance=Guidance.ULTRASOUND
    )
    bx = procedure("2.25.7002", -15)
    bx.biopsy(
        "Right 11 o'clock solid mass (the palpable lump) - sonographically guided 14-gauge cores x 4; "
        "marker placed.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(11),
        cores=4,
    )
    path = pathology("2.25.7003", -12)
    path.pathology(
        "Right breast, 11 o'clock, cores - fibroadenoma.",
        PathologyCategory.BENIGN,
        R,
        at(11),
        [Lesion.FIBROADENOMA],
    )
    add = procedure("2.25.7004", -11, addendum_to="2.25.7002")
    add.concordance(
        "Fibroadenoma fits the imaging (concordant, benign).",
        ConcordanceVerdict.CONCORDANT_BENIGN,
        R,
    )
    add.recommend(
        "Sonographic check of the right breast in 6 months.",
        RecommendationKind.SHORT_INTERVAL_FOLLOW_UP,
        R,
        interval_months=6,
        modality="ultrasound",
    )
    return [
        (-22, image(-22, Modality.US, R)),
        (-22, us.facts()),
        (-15, image(-15, Modality.US, R)),
        (-15, bx.facts()),
        (-12, path.facts()),
        (-11, add.facts()),
    ]


def pub_0008() -> list[Event]:
    dx = radiology("2.25.8001", -27)
    dx.finding(
        "Spot-magnified views - 5 mm cluster of punctate and amorphous calcifications, right 9 o'clock, "
        "posterior third.",
        FindingType.CALCIFICATIONS,
        R,
        at(9, depth=Depth.POSTERIOR),
        size_mm=5,
        morphology=(CalcificationMorphology.PUNCTATE, CalcificationMorphology.AMORPHOUS),
    )
    dx.assess("BI-RADS 4A.", Birads.B4A)
    dx.recommend(
        "Stereotactic sampling advised.", RecommendationKind.BIOPSY, guidance=Guidance.STEREOTACTIC
    )
    stx = procedure("2.25.8002", -18)
    stx.biopsy(
        "Right 9 o'clock calcifications - stereotactic vacuum sampling, 9-gauge x 8; marker deployed.",
        R,
        Guidance.STEREOTACTIC,
        FindingType.CALCIFICATIONS,
        at(9),
        cores=8,
        specimen_radiograph=SpecimenRadiograph.NOT_PERFORMED,
    )
    return [
        (
            -27,
            image(
                -27,
                Modality.MG,
                R,
                modifiers=[ViewModifier.SPOT_COMPRESSION, ViewModifier.MAGNIFICATION],
            ),
        ),
        (-27, dx.facts()),
        (-18, image(-18, Modality.MG, R)),
        (-18, stx.facts()),
    ]


EXAMPLES: dict[str, Callable[[], list[Event]]] = {
    "PUB-0001": pub_0001,
    "PUB-0002": pub_0002,
    "PUB-0003": pub_0003,
    "PUB-0004": pub_0004,
    "PUB-0005": pub_0005,
    "PUB-0006": pub_0006,
    "PUB-0007": pub_0007,
    "PUB-0008": pub_0008,
}


def to_case(events: list[Event]) -> Case:
    return Case(
        reports=tuple(e for _, e in events if isinstance(e, ReportFacts)),
        images=tuple(e for _, e in events if isinstance(e, ImageRecord)),
    )


def steps(events: list[Event]):  # type: ignore[no-untyped-def]
    """(now, case so far) after each event, in time order, then the final state at day 0."""
    out = []
    for n in range(1, len(events) + 1):
        out.append((day(events[n - 1][0]), to_case(events[:n])))
    out.append((DAY0, to_case(events)))
    return out
