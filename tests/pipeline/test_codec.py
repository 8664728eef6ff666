"""Facts survive the trip to the database and back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.documents import ImageRecord, Modality, View, ViewModifier
from rules.facts import (
    Birads, CalcificationMorphology, Correspondence, Evidence, FindingMention, FindingType,
    PathologyCategory, PathologySpecimen, Lesion, ProcedureFacts, Guidance, Relation, ReportFacts,
    ReportKind, SpecimenRadiograph,
)
from worklist.cases.codec import decode, to_json


def test_report_facts_round_trip() -> None:
    evidence = Evidence("1.2.3", "A 4 mm cluster of amorphous calcifications at 3 o'clock.")
    facts = ReportFacts(
        source_uid="1.2.3",
        kind=ReportKind.RADIOLOGY,
        observed_at=datetime(2026, 10, 1, 9, 30, tzinfo=UTC),
        predecessor_uids=("1.2.2",),
        findings=(
            FindingMention(
                type=FindingType.CALCIFICATIONS, laterality=Laterality.LEFT, evidence=evidence,
                location=Location(clock=3.5, quadrant=Quadrant.UPPER_OUTER, depth=Depth.MIDDLE,
                                  nipple_distance_mm=60),
                size_mm=4, morphology=(CalcificationMorphology.AMORPHOUS,), birads=Birads.B4A,
            ),
        ),
        procedures=(ProcedureFacts(laterality=Laterality.LEFT, evidence=evidence,
                                   guidance=Guidance.STEREOTACTIC, clip_placed=True,
                                   specimen_radiograph=SpecimenRadiograph.CALCIFICATIONS_PRESENT),),
        correspondences=(Correspondence(Relation.DOES_NOT_CORRESPOND, Laterality.RIGHT, evidence,
                                        finding_type=FindingType.FOCAL_ASYMMETRY),),
        pathology=(PathologySpecimen(PathologyCategory.HIGH_RISK, Laterality.LEFT, evidence,
                                     lesions=(Lesion.FEA,), calcifications=True),),
    )
    encoded = to_json(facts)
    assert encoded["findings"][0]["location"]["clock"] == 3.5
    assert decode(ReportFacts, encoded) == facts


def test_image_record_round_trip_and_missing_fields_take_defaults() -> None:
    image = ImageRecord(
        sop_instance_uid="9.8", study_uid="9", acquired_at=None, modality=Modality.MG,
        laterality=Laterality.RIGHT, view=View.CC,
        modifiers=frozenset({ViewModifier.MAGNIFICATION, ViewModifier.SPOT_COMPRESSION}),
    )
    assert decode(ImageRecord, to_json(image)) == image
    minimal = {"sop_instance_uid": "9.9", "study_uid": "9", "acquired_at": None,
               "modality": "US", "laterality": "L"}
    decoded = decode(ImageRecord, minimal)
    assert decoded.modifiers == frozenset() and decoded.specimen is False
