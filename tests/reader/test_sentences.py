"""The reader on its own varied sentences: negation, hedging, typos, abbreviations, several
findings, bilateral reports, procedures, pathology and concordance."""

from __future__ import annotations

from rules.anatomy import Depth, Laterality, Quadrant
from rules.facts import (
    Birads,
    Certainty,
    Composition,
    ConcordanceVerdict,
    FindingType,
    Guidance,
    Lesion,
    PathologyCategory,
    RecommendationKind,
    Relation,
    ReportKind,
    SpecimenRadiograph,
)
from rules.documents import ReportDocument, Section
from rules.reader import read_report, read_text

R, L, B = Laterality.RIGHT, Laterality.LEFT, Laterality.BOTH


def types(facts):  # type: ignore[no-untyped-def]
    return {(f.type, f.laterality) for f in facts.findings}


def test_negated_calcifications_are_not_a_finding() -> None:
    facts = read_text("Findings: Left breast: no suspicious calcifications, masses or distortion.", title="MG LT")
    assert facts.findings == ()


def test_resolved_and_summation_findings_are_dropped() -> None:
    facts = read_text(
        "Findings: The previously noted right asymmetry has resolved. "
        "The left asymmetry disperses on spot compression, consistent with summation artifact."
    )
    assert facts.findings == ()


def test_hedged_finding_is_uncertain() -> None:
    facts = read_text("Findings: Possible asymmetry in the right upper outer quadrant, posterior depth.")
    (f,) = facts.findings
    assert f.certainty is Certainty.UNCERTAIN
    assert (f.type, f.laterality) == (FindingType.ASYMMETRY, R)
    assert f.location.quadrant is Quadrant.UPPER_OUTER and f.location.depth is Depth.POSTERIOR


def test_typos_and_abbreviations() -> None:
    facts = read_text(
        "Findings: Lt breast: grouped amorphous calcifcations in the UOQ, 4 cm FN, spanning 6 mm. "
        "Rt breast: focal assymetry at 10:30, mid depth."
    )
    found = {f.type: f for f in facts.findings}
    calcs = found[FindingType.CALCIFICATIONS]
    assert calcs.laterality is L and calcs.location.quadrant is Quadrant.UPPER_OUTER
    assert calcs.location.nipple_distance_mm == 40
    assert calcs.distribution is not None and calcs.distribution.value == "grouped"
    assert [m.value for m in calcs.morphology] == ["amorphous"]
    asym = found[FindingType.FOCAL_ASYMMETRY]
    assert asym.laterality is R and asym.location.clock == 10.5 and asym.location.depth is Depth.MIDDLE


def test_several_findings_in_one_sentence_keep_their_own_location() -> None:
    facts = read_text(
        "Findings: In the right breast there is a 7 mm mass at 2 o'clock and a 12 mm area of "
        "architectural distortion at 9 o'clock."
    )
    found = {f.type: f for f in facts.findings}
    assert found[FindingType.MASS].location.clock == 2 and found[FindingType.MASS].size_mm == 7
    distortion = found[FindingType.ARCHITECTURAL_DISTORTION]
    assert distortion.location.clock == 9 and distortion.size_mm == 12 and distortion.laterality is R


def test_developing_asymmetry_and_bilateral_assessment() -> None:
    facts = read_text(
        "Findings: Breast density: C. There is a new focal asymmetry in the left breast at 3 o'clock, "
        "best seen on tomosynthesis.\nImpression: BI-RADS 0. Left diagnostic mammogram and ultrasound are recommended."
    )
    (f,) = facts.findings
    assert f.type is FindingType.DEVELOPING_ASYMMETRY and f.best_seen_on_tomosynthesis
    assert facts.composition is Composition.C
    assert {(a.category, a.laterality) for a in facts.assessments} == {(Birads.B0, B)}
    kinds = {(r.kind, r.laterality) for r in facts.recommendations}
    assert (RecommendationKind.ULTRASOUND, L) in kinds


def test_birads_forms() -> None:
    for text, want in [("BI-RADS: 4B", Birads.B4B), ("BR4", Birads.B4), ("BIRADS category 5", Birads.B5),
                       ("BI-RADS 4c - moderate suspicion", Birads.B4C)]:
        facts = read_text(f"Impression: Right breast mass. {text}.")
        assert [a.category for a in facts.assessments] == [want], text


def test_annual_and_short_interval_recommendations() -> None:
    facts = read_text(
        "Impression: BI-RADS 3. Probably benign left breast mass. Follow-up left ultrasound in 6 months "
        "and annual screening mammogram thereafter."
    )
    recs = {r.kind: r for r in facts.recommendations}
    assert recs[RecommendationKind.SHORT_INTERVAL_FOLLOW_UP].interval_months == 6
    assert recs[RecommendationKind.SHORT_INTERVAL_FOLLOW_UP].laterality is L
    assert RecommendationKind.ANNUAL_SCREENING in recs


def test_supplemental_ultrasound_for_dense_tissue() -> None:
    facts = read_text(
        "Findings: The breasts are extremely dense. No suspicious findings.\n"
        "Impression: BI-RADS 1. Supplemental screening ultrasound could be considered given dense tissue."
    )
    assert facts.composition is Composition.D
    assert [(r.kind, r.laterality) for r in facts.recommendations] == [(RecommendationKind.SUPPLEMENTAL_ULTRASOUND, B)]


def test_procedure_with_non_corresponding_mass() -> None:
    facts = read_text(
        "Procedure: Ultrasound-guided 14 gauge core biopsy of the left 2 o'clock mass, 5 cores. "
        "A clip was placed.\nFindings: Post-clip mammogram shows the clip in place. "
        "The biopsied mass does not correspond to the mammographic asymmetry, which remains unsampled.",
        title="US BX LT",
    )
    assert facts.kind is ReportKind.PROCEDURE
    (p,) = facts.procedures
    assert (p.guidance, p.laterality, p.target_type) == (Guidance.ULTRASOUND, L, FindingType.MASS)
    assert p.needle_gauge == 14 and p.cores == 5 and p.clip_placed and p.post_clip_mammogram
    assert [(c.relation, c.finding_type) for c in facts.correspondences] == [
        (Relation.DOES_NOT_CORRESPOND, FindingType.ASYMMETRY)
    ]


def test_no_sonographic_correlate_is_does_not_correspond() -> None:
    facts = read_text("Findings: No sonographic correlate was identified for the right breast calcifications.",
                      title="US BREAST RT")
    (c,) = facts.correspondences
    assert c.relation is Relation.DOES_NOT_CORRESPOND and c.finding_type is FindingType.CALCIFICATIONS
    assert c.laterality is R


def test_stereotactic_not_feasible_and_specimen_radiograph() -> None:
    facts = read_text(
        "Findings: Stereotactic biopsy was not feasible because the breast compressed to 2 cm.",
        title="STEREO BX RT",
    )
    (n,) = facts.not_feasible
    assert n.guidance is Guidance.STEREOTACTIC and n.laterality is R and "2 cm" in n.reason
    done = read_text(
        "Procedure: Stereotactic vacuum-assisted biopsy of right breast calcifications, 9 gauge x 12. "
        "Specimen radiograph confirms calcifications in the cores. Clip deployed."
    )
    (p,) = done.procedures
    assert p.specimen_radiograph is SpecimenRadiograph.CALCIFICATIONS_PRESENT and p.vacuum_assisted


def test_pathology_specimens_and_negated_diagnoses() -> None:
    facts = read_text(
        "Final Diagnosis: A. Left breast, 3 o'clock, core biopsy: atypical ductal hyperplasia with "
        "calcifications. B. Right breast, 10 o'clock, core biopsy: fibroadenoma. No atypia or carcinoma.",
        title="SURGICAL PATHOLOGY",
    )
    assert facts.kind is ReportKind.PATHOLOGY
    by_side = {p.laterality: p for p in facts.pathology}
    assert by_side[L].category is PathologyCategory.HIGH_RISK and by_side[L].lesions == (Lesion.ADH,)
    assert by_side[L].calcifications is True
    assert by_side[R].category is PathologyCategory.BENIGN and by_side[R].lesions == (Lesion.FIBROADENOMA,)


def test_worst_category_wins_and_grade() -> None:
    facts = read_text("Diagnosis: Right breast 12 o'clock: invasive ductal carcinoma, grade 2, with DCIS and ADH.",
                      title="PATHOLOGY")
    (p,) = facts.pathology
    assert p.category is PathologyCategory.MALIGNANT and p.grade == 2
    assert set(p.lesions) == {Lesion.IDC, Lesion.DCIS, Lesion.ADH}


def test_concordance_statements() -> None:
    def verdicts(text: str) -> list[ConcordanceVerdict]:
        return [c.verdict for c in read_text(text).concordance]

    assert verdicts("Addendum: Rad/path concordant.") == [ConcordanceVerdict.CONCORDANT]
    assert verdicts("Addendum: Results are concordant, benign.") == [ConcordanceVerdict.CONCORDANT_BENIGN]
    assert verdicts("Addendum: The benign result is discordant with the spiculated mass.") == [
        ConcordanceVerdict.DISCORDANT
    ]


def test_palpable_lump_explained() -> None:
    facts = read_text(
        "History: Palpable lump in the left breast at 2 o'clock.\n"
        "Findings: At the site of the palpable lump there is a 9 mm oval mass at left 2 o'clock."
    )
    (complaint,) = facts.palpable
    assert complaint.laterality is L and complaint.location.clock == 2 and complaint.explained is True
    assert facts.findings[0].palpable


# --- correspondence: hedges, clinical objects, clip position, generic objects ------------------

def test_hedged_correspondence_is_not_a_statement() -> None:
    for sentence in ("The sampled nodule might not correspond to the mammographic distortion.",
                     "This mass is likely the sonographic correlate of the calcifications.",
                     "The mass possibly corresponds to the asymmetry."):
        facts = read_text(f"Findings: {sentence}", title="US CORE BX LT")
        assert facts.correspondences == (), sentence


def test_doubt_said_outright_is_an_uncertain_statement() -> None:
    for sentence, about in (
        ("It is unclear whether the biopsied mass corresponds to the asymmetry.",
         FindingType.ASYMMETRY),
        ("It is indeterminate whether the sonographic lesion represents the mammographic "
         "distortion.", FindingType.ARCHITECTURAL_DISTORTION),
        ("It cannot be determined if the sampled mass is the sonographic correlate of the "
         "calcifications.", FindingType.CALCIFICATIONS),
        ("The biopsied mass may or may not correspond to the focal asymmetry.",
         FindingType.FOCAL_ASYMMETRY),
    ):
        facts = read_text(f"Findings: {sentence}", title="US CORE BX LT")
        assert [(c.relation, c.finding_type) for c in facts.correspondences] == [
            (Relation.UNCERTAIN, about)], sentence


def test_doubt_about_a_finding_is_not_doubt_about_the_correspondence() -> None:
    facts = read_text("Findings: Indeterminate grouped calcifications at left 3 o'clock were "
                      "targeted. The clip is within the calcifications.", title="STEREO BX LT")
    assert [c.relation for c in facts.correspondences] == [Relation.CORRESPONDS]


def test_doubt_about_a_palpable_lump_is_no_finding_statement() -> None:
    facts = read_text("Findings: It is unclear whether the mass corresponds to the palpable lump.",
                      title="US LT")
    assert facts.correspondences == ()


def test_correspondence_to_a_lump_is_not_a_finding_correspondence() -> None:
    facts = read_text("Findings: Left breast 10 o'clock: 9 mm oval mass corresponding to the patient's palpable "
                      "lump.", title="US LT")
    assert facts.correspondences == ()


def test_clip_position_and_generic_object_give_the_named_finding() -> None:
    facts = read_text(
        "Procedure: US-guided 14 gauge core biopsy of the left 5 o'clock mass. Clip placed.\n"
        "Post-procedure mammogram: The marker projects over the developing asymmetry. "
        "The biopsied mass is concordant with the mammographic finding.",
        title="US BX LT",
    )
    assert [(c.relation, c.finding_type, c.laterality) for c in facts.correspondences] == [
        (Relation.CORRESPONDS, FindingType.DEVELOPING_ASYMMETRY, L)]


def test_unsampled_and_unrelated_statements_merge_into_the_specific_finding() -> None:
    facts = read_text(
        "Procedure: Ultrasound-guided biopsy of the right 1 o'clock nodule, 4 cores, clip placed.\n"
        "Impression: The nodule is unrelated to the right focal asymmetry at 8 o'clock. "
        "The asymmetry was not sampled.",
        title="US BX RT",
    )
    assert [(c.relation, c.finding_type) for c in facts.correspondences] == [
        (Relation.DOES_NOT_CORRESPOND, FindingType.FOCAL_ASYMMETRY)]


def test_no_correlate_for_a_finding_with_a_hedged_feature() -> None:
    facts = read_text("Impression: Right focal asymmetry with possible distortion and no ultrasound correlate. "
                      "BI-RADS 4B.", title="MG US RT")
    assert [(c.relation, c.finding_type) for c in facts.correspondences] == [
        (Relation.DOES_NOT_CORRESPOND, FindingType.FOCAL_ASYMMETRY)]


# --- findings: features, non-mass, bilateral summaries, density caveat -------------------------

def test_associated_feature_is_not_a_second_finding() -> None:
    facts = read_text("Findings: Right 2 o'clock: irregular mass measuring 2.1 cm with associated "
                      "pleomorphic calcifications.\nImpression: Right mass with calcifications. BI-RADS 5.")
    assert types(facts) == {(FindingType.MASS, R)}
    assert facts.findings[0].associated_calcifications and facts.findings[0].birads is Birads.B5


def test_non_mass_enhancement_is_not_a_mass() -> None:
    facts = read_text("Findings: Left breast: 2 cm of linear non-mass enhancement at 6 o'clock.", title="MRI LT")
    assert FindingType.MASS not in {f.type for f in facts.findings}


def test_bilateral_summary_does_not_add_a_third_finding() -> None:
    facts = read_text(
        "Findings: Right breast: 8 mm oval mass at 11 o'clock. Left breast: 6 mm oval mass at 4 o'clock.\n"
        "Impression: Bilateral probably benign masses. BI-RADS 3.", title="US BILATERAL")
    assert sorted((f.type.value, f.laterality.value) for f in facts.findings) == [("mass", "L"), ("mass", "R")]


def test_distinct_benign_calcifications_stay_distinct() -> None:
    facts = read_text("Findings: Vascular calcifications in both breasts. Milk of calcium in the right breast.",
                      title="SCREENING MAMMOGRAM")
    assert types(facts) == {(FindingType.CALCIFICATIONS, B), (FindingType.CALCIFICATIONS, R)}


def test_density_caveat_and_non_persisting_asymmetry_are_not_findings() -> None:
    facts = read_text("Findings: Extremely dense tissue, which can obscure masses. The left asymmetry does not "
                      "persist on spot views.")
    assert facts.findings == ()


def test_skin_calcifications_are_a_finding() -> None:
    facts = read_text("Findings: Dermal calcifications in the left breast, benign.", title="MG LT")
    assert types(facts) == {(FindingType.CALCIFICATIONS, L)}


def test_indication_specifies_a_generic_asymmetry() -> None:
    facts = read_text("Indication: Right developing asymmetry at 10 o'clock.\n"
                      "Findings: No sonographic abnormality. The mammographic asymmetry remains unexplained.",
                      title="US RT")
    assert types(facts) == {(FindingType.DEVELOPING_ASYMMETRY, R)}


def test_category_in_next_sentence_ties_to_the_finding_named_before() -> None:
    facts = read_text("Impression: 1. Left 3 o'clock irregular mass. BI-RADS 4C.\n"
                      "2. Right breast benign calcifications.", title="MG BILATERAL")
    mass = next(f for f in facts.findings if f.type is FindingType.MASS)
    assert mass.birads is Birads.B4C


def test_category_side_ignores_a_side_in_the_recommendation_after_it() -> None:
    facts = read_text("Findings: Right breast 12 o'clock new mass.\n"
                      "Impression: BI-RADS 0 - incomplete; recommend right diagnostic mammogram.",
                      title="SCREENING MAMMO BILATERAL")
    assert [(a.category, a.laterality) for a in facts.assessments] == [(Birads.B0, B)]


# --- pathology: earlier diagnoses, bare 'benign', hedged diagnoses, notes ----------------------

def test_earlier_diagnosis_in_the_specimen_line_is_not_a_second_specimen() -> None:
    facts = read_text(
        "Specimen: Right breast, 9 o'clock, wire-localized excision (previous core: ALH).\n"
        "Final Diagnosis: Right breast, excision: atypical lobular hyperplasia and invasive lobular carcinoma.",
        title="SURGICAL PATHOLOGY")
    (p,) = facts.pathology
    assert p.category is PathologyCategory.MALIGNANT and p.laterality is R
    assert set(p.lesions) == {Lesion.ALH, Lesion.ILC}


def test_diagnosis_that_cannot_be_excluded_does_not_count() -> None:
    facts = read_text("Final Diagnosis: Left breast, 2 o'clock, core: fibroepithelial lesion, favor fibroadenoma. "
                      "A phyllodes tumour cannot be completely excluded.", title="PATHOLOGY")
    (p,) = facts.pathology
    assert p.category is PathologyCategory.BENIGN and p.lesions == (Lesion.FIBROADENOMA,)


def test_other_benign_entities_and_bare_benign() -> None:
    facts = read_text("Diagnosis: Right breast core biopsy: benign breast tissue with usual ductal hyperplasia "
                      "and duct ectasia. This is a benign result.", title="PATHOLOGY")
    (p,) = facts.pathology
    assert set(p.lesions) == {Lesion.BENIGN_PARENCHYMA, Lesion.OTHER_BENIGN}


def test_correlation_note_addendum_states_the_result_and_its_kind() -> None:
    doc = ReportDocument(uid="a", title_text="ADDENDUM",
                         sections=(Section("Addendum", "Pathology from the left 6 o'clock stereotactic biopsy: "
                                           "flat epithelial atypia. Rad-path concordant, high-risk lesion. "
                                           "Surgical consultation is recommended."),),
                         predecessor_uids=("bx",))
    facts = read_report(doc)
    assert facts.kind is ReportKind.RADPATH
    (p,) = facts.pathology
    assert (p.category, p.laterality, p.lesions) == (PathologyCategory.HIGH_RISK, L, (Lesion.FEA,))


def test_pathologist_core_biopsy_report_is_pathology() -> None:
    facts = read_text("Specimen: Left breast, 1 o'clock, ultrasound-guided core biopsy, 4 cores.\n"
                      "Final Diagnosis: Invasive ductal carcinoma, grade 3.", title="BREAST CORE BIOPSY REPORT")
    assert facts.kind is ReportKind.PATHOLOGY


def test_three_safety_sentences() -> None:
    assert read_text("Findings: No suspicious calcifications.", title="MG RT").findings == ()
    (c,) = read_text("Findings: At the site of the left calcifications no sonographic correlate was identified.",
                     title="US LT").correspondences
    assert (c.relation, c.finding_type, c.laterality) == (Relation.DOES_NOT_CORRESPOND, FindingType.CALCIFICATIONS, L)
    (c,) = read_text("Findings: The biopsied mass does not correspond to the mammographic asymmetry.",
                     title="US BX RT").correspondences
    assert (c.relation, c.finding_type, c.laterality) == (Relation.DOES_NOT_CORRESPOND, FindingType.ASYMMETRY, R)


# --- procedures and recommendations ------------------------------------------------------------

def test_procedure_target_from_the_line_before_and_node_kept_apart() -> None:
    facts = read_text(
        "Procedure: 1. Left breast 5 o'clock irregular mass. Ultrasound-guided 14 gauge biopsy, 4 cores. Clip placed.\n"
        "2. Left axillary lymph node: ultrasound-guided 14 gauge biopsy, 2 cores.", title="US BX LT")
    targets = sorted((p.target_type.value if p.target_type else "") for p in facts.procedures)
    assert targets == ["", "mass"]


def test_procedure_target_from_the_indication() -> None:
    facts = read_text("Indication: Left breast grouped amorphous calcifications.\n"
                      "Procedure: The target was localized. 9 gauge vacuum-assisted biopsy, 12 cores. Clip placed.",
                      title="STEREO BX LT")
    (p,) = facts.procedures
    assert p.target_type is FindingType.CALCIFICATIONS


def test_aspiration_is_no_procedure_and_a_cancelled_visit_an_attempt_only() -> None:
    aspirated = read_text("Procedure: Under ultrasound guidance a 20 gauge needle drained the cyst. "
                          "No biopsy was performed.", title="US ASPIRATION RT")
    assert aspirated.procedures == ()
    cancelled = read_text("Findings: The lesion could not be visualized on the stereotactic unit; the biopsy "
                          "device could not be positioned. Stereotactic biopsy not feasible.",
                          title="STEREO BX RT")
    (attempt,) = cancelled.procedures
    assert not attempt.performed and attempt.guidance is Guidance.STEREOTACTIC and attempt.laterality is Laterality.RIGHT
    assert len(cancelled.not_feasible) == 1
    assert all(r.kind is not RecommendationKind.BIOPSY for r in cancelled.recommendations)


def test_consultation_for_excision_and_outside_priors() -> None:
    facts = read_text("Impression: Recommend referral to a breast surgeon for wire-localized excision of the right "
                      "calcifications. Please forward outside mammograms for comparison.")
    kinds = {(r.kind, r.laterality) for r in facts.recommendations}
    assert (RecommendationKind.SURGICAL_CONSULTATION, R) in kinds and (RecommendationKind.SURGICAL_EXCISION, R) in kinds
    assert (RecommendationKind.OUTSIDE_PRIORS, None) in kinds


def test_a_generic_report_title_leaves_the_kind_to_the_study_description() -> None:
    text = "Ultrasound-guided biopsy of the left 2 o'clock mass with a 14 gauge needle, 5 cores. Clip placed."
    for title in ("Diagnostic Imaging Report", "Imaging report"):
        document = ReportDocument("u.1", title_text=title, study_description="US BIOPSY LEFT",
                                  sections=(Section("", text),))
        assert read_report(document).kind is ReportKind.PROCEDURE, title
    screening = ReportDocument("u.2", title_text="Diagnostic Imaging Report", study_description="MAMMO SCRN BIL",
                               sections=(Section("Impression", "Negative. BI-RADS 1."),))
    assert read_report(screening).kind is ReportKind.RADIOLOGY


def test_a_left_breast_heading_gives_its_sentences_their_breast() -> None:
    facts = read_text(
        "Findings:\nRight breast: No suspicious mass or calcifications.\n"
        "Left breast: There is a 9 mm irregular mass at 3 o'clock, 4 cm from the nipple.\n"
        "Impression: Suspicious mass. BI-RADS 4B. Ultrasound-guided biopsy recommended.",
        title="MAMMO DIAG BILAT",
    )
    assert [(f.type, f.laterality, f.birads) for f in facts.findings] == [
        (FindingType.MASS, Laterality.LEFT, Birads.B4B)]
    assert [(a.category, a.laterality) for a in facts.assessments] == [(Birads.B4B, Laterality.LEFT)]
    assert [(r.kind, r.laterality) for r in facts.recommendations] == [
        (RecommendationKind.BIOPSY, Laterality.LEFT)]


def test_one_clause_hedged_and_the_next_certain() -> None:
    facts = read_text(
        "Post-procedure mammogram: The developing asymmetry in the right outer breast is likely "
        "unrelated to the biopsied mass and has not been sampled.",
        title="US BIOPSY RIGHT BREAST",
    )
    assert [(c.relation, c.laterality, c.finding_type) for c in facts.correspondences] == [
        (Relation.DOES_NOT_CORRESPOND, Laterality.RIGHT, FindingType.DEVELOPING_ASYMMETRY)]
    hedged_only = read_text("The clip may not correspond to the asymmetry.", title="US BIOPSY RIGHT")
    assert hedged_only.correspondences == ()
