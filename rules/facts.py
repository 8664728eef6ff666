"""Typed facts read from reports, each carrying its evidence.

These are the contract between the report reader (text or coded SR in, facts out) and the pathway
rules (facts in, open items out). Enum members cite the DICOM context group or the BI-RADS lexicon
they come from, so a radiologist can check them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rules.anatomy import Laterality, Location


@dataclass(frozen=True)
class Evidence:
    """Where a fact came from: the document's SOP Instance UID and the sentence (or coded item)."""

    source_uid: str
    text: str


class FindingType(StrEnum):
    """Mammographic / sonographic findings (CID 6054 and BI-RADS lexicon)."""

    MASS = "mass"
    """A space-occupying lesion; sonographic 'lesion', 'nodule' and solid/complex masses too."""
    CALCIFICATIONS = "calcifications"
    ASYMMETRY = "asymmetry"
    FOCAL_ASYMMETRY = "focal-asymmetry"
    GLOBAL_ASYMMETRY = "global-asymmetry"
    DEVELOPING_ASYMMETRY = "developing-asymmetry"
    """New or increasing since a prior study; no standard code exists (DICOM reference)."""
    ARCHITECTURAL_DISTORTION = "architectural-distortion"

    @property
    def is_asymmetry(self) -> bool:
        return self in _ASYMMETRIES


_ASYMMETRIES = frozenset(
    {
        FindingType.ASYMMETRY,
        FindingType.FOCAL_ASYMMETRY,
        FindingType.GLOBAL_ASYMMETRY,
        FindingType.DEVELOPING_ASYMMETRY,
    }
)


class Birads(StrEnum):
    """BI-RADS assessment categories (CID 6027), with the 4A/4B/4C subdivisions."""

    B0 = "0"
    B1 = "1"
    B2 = "2"
    B3 = "3"
    B4 = "4"
    B4A = "4A"
    B4B = "4B"
    B4C = "4C"
    B5 = "5"
    B6 = "6"

    @property
    def suspicious(self) -> bool:
        """BI-RADS 4 (any subdivision) or 5: tissue diagnosis is recommended (MQSA 'positive')."""
        return self.value.startswith("4") or self is Birads.B5


class CalcificationMorphology(StrEnum):
    """Calcification morphology (BI-RADS; DICOM CID 6010/6011)."""

    AMORPHOUS = "amorphous"
    COARSE_HETEROGENEOUS = "coarse-heterogeneous"
    FINE_PLEOMORPHIC = "fine-pleomorphic"
    PLEOMORPHIC = "pleomorphic"
    FINE_LINEAR = "fine-linear"
    FINE_LINEAR_BRANCHING = "fine-linear-branching"
    PUNCTATE = "punctate"
    ROUND = "round"
    RIM = "rim"
    MILK_OF_CALCIUM = "milk-of-calcium"
    DYSTROPHIC = "dystrophic"
    POPCORN = "popcorn"
    VASCULAR = "vascular"
    SKIN = "skin"
    LARGE_ROD_LIKE = "large-rod-like"
    COARSE = "coarse"


class CalcificationDistribution(StrEnum):
    """Calcification distribution (BI-RADS; DICOM CID 6012)."""

    DIFFUSE = "diffuse"
    REGIONAL = "regional"
    GROUPED = "grouped"
    """Also 'clustered' (the older BI-RADS term)."""
    LINEAR = "linear"
    SEGMENTAL = "segmental"


class Composition(StrEnum):
    """Breast composition (BI-RADS 5th edition a-d; CID 6000)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def dense(self) -> bool:
        return self in _DENSE


_DENSE = frozenset({Composition.C, Composition.D})


class Guidance(StrEnum):
    """How a biopsy is guided (CID 6050 techniques; no code exists for tomosynthesis guidance)."""

    ULTRASOUND = "ultrasound"
    STEREOTACTIC = "stereotactic"
    TOMOSYNTHESIS = "tomosynthesis"
    MRI = "mri"
    SURGICAL = "surgical"
    """Open surgical (excisional / wire-localised) biopsy."""


class Certainty(StrEnum):
    """How sure the report is. Negated mentions are not facts at all and never reach here."""

    AFFIRMED = "affirmed"
    UNCERTAIN = "uncertain"
    """Hedged: 'possible', 'probable', 'questionable', 'cannot exclude'."""


@dataclass(frozen=True)
class FindingMention:
    """One finding as one report describes it. The rules merge mentions into findings."""

    type: FindingType
    laterality: Laterality | None
    evidence: Evidence
    location: Location = Location()
    size_mm: float | None = None
    extent_mm: float | None = None
    """Extent of a calcification group or distortion, when stated apart from a size."""
    morphology: tuple[CalcificationMorphology, ...] = ()
    distribution: CalcificationDistribution | None = None
    palpable: bool = False
    """The report ties this finding to a palpable abnormality."""
    best_seen_on_tomosynthesis: bool = False
    persists_on_spot_compression: bool = False
    new_or_increasing: bool = False
    associated_calcifications: bool = False
    associated_distortion: bool = False
    sonographic_correlate: bool | None = None
    """True when the report names a sonographic correlate; False for 'no sonographic correlate'."""
    birads: Birads | None = None
    """The assessment given to this finding itself, when the report ties one to it."""
    certainty: Certainty = Certainty.AFFIRMED


@dataclass(frozen=True)
class Assessment:
    """A BI-RADS assessment, for one finding (``finding_type`` / ``location``), a breast, or both."""

    category: Birads
    laterality: Laterality | None
    evidence: Evidence
    finding_type: FindingType | None = None
    location: Location = Location()


class RecommendationKind(StrEnum):
    """Recommended next steps (CID 6028 and the seed pathways)."""

    BIOPSY = "biopsy"
    SPOT_COMPRESSION = "spot-compression"
    MAGNIFICATION_VIEWS = "magnification-views"
    ADDITIONAL_VIEWS = "additional-views"
    ULTRASOUND = "ultrasound"
    """Targeted / diagnostic ultrasound of a finding."""
    SUPPLEMENTAL_ULTRASOUND = "supplemental-ultrasound"
    """Whole-breast (screening) ultrasound for dense tissue."""
    MRI = "mri"
    SHORT_INTERVAL_FOLLOW_UP = "short-interval-follow-up"
    ANNUAL_SCREENING = "annual-screening"
    OUTSIDE_PRIORS = "outside-priors"
    SURGICAL_CONSULTATION = "surgical-consultation"
    SURGICAL_EXCISION = "surgical-excision"
    REPEAT_BIOPSY = "repeat-biopsy"


@dataclass(frozen=True)
class Recommendation:
    kind: RecommendationKind
    laterality: Laterality | None
    evidence: Evidence
    guidance: Guidance | None = None
    interval_months: int | None = None
    target_type: FindingType | None = None
    target_location: Location = Location()
    modality: str | None = None
    """For follow-up: the study asked for ('mammogram', 'ultrasound', 'MRI'), when stated."""


class SpecimenRadiograph(StrEnum):
    """What the procedure report says of specimen radiography."""

    CALCIFICATIONS_PRESENT = "calcifications-present"
    CALCIFICATIONS_ABSENT = "calcifications-absent"
    OBTAINED = "obtained"
    """Performed, with no statement about calcifications in it."""
    NOT_PERFORMED = "not-performed"


class ProcedureState(StrEnum):
    """Whether tissue was taken: an attempt abandoned before sampling ('target could not be
    visualized, procedure aborted', 'the patient declined') leaves the finding unsampled."""

    PERFORMED = "performed"
    ATTEMPTED_NOT_PERFORMED = "attempted-not-performed"


@dataclass(frozen=True)
class ProcedureFacts:
    """One image-guided (or surgical) biopsy as its report describes it."""

    laterality: Laterality | None
    evidence: Evidence
    guidance: Guidance | None = None
    target_type: FindingType | None = None
    target_location: Location = Location()
    needle_gauge: int | None = None
    cores: int | None = None
    vacuum_assisted: bool = False
    clip_placed: bool | None = None
    specimen_radiograph: SpecimenRadiograph | None = None
    post_clip_mammogram: bool = False
    state: ProcedureState = ProcedureState.PERFORMED

    @property
    def performed(self) -> bool:
        return self.state is ProcedureState.PERFORMED


class Relation(StrEnum):
    CORRESPONDS = "corresponds"
    DOES_NOT_CORRESPOND = "does-not-correspond"
    UNCERTAIN = "uncertain"
    """The report says it cannot tell ('it is indeterminate whether the sonographic lesion represents
    the mammographic finding'): the correlation needs a person's review, whatever the features say."""


@dataclass(frozen=True)
class Correspondence:
    """A statement that a biopsied (or sonographic) lesion is, or is not, a given finding.

    ``finding_type`` / ``location`` describe the *other* finding the statement is about (for
    'the biopsied mass does not correspond to the mammographic asymmetry': asymmetry). Either may be
    missing when the report leaves it implicit.
    """

    relation: Relation
    laterality: Laterality | None
    evidence: Evidence
    finding_type: FindingType | None = None
    location: Location = Location()


@dataclass(frozen=True)
class NotFeasible:
    """'Stereotactic biopsy not feasible', with the reason as written."""

    guidance: Guidance
    laterality: Laterality | None
    reason: str
    evidence: Evidence


class PathologyCategory(StrEnum):
    """Pathology result categories (CID 6063 and the design's lists)."""

    BENIGN = "benign"
    HIGH_RISK = "high-risk"
    MALIGNANT = "malignant"
    NON_DIAGNOSTIC = "non-diagnostic"
    """Insufficient or non-representative sample."""


class Lesion(StrEnum):
    """Named pathology diagnoses the pathways distinguish."""

    # benign
    FIBROADENOMA = "fibroadenoma"
    FIBROCYSTIC_CHANGE = "fibrocystic-change"
    PASH = "pseudoangiomatous-stromal-hyperplasia"
    BENIGN_PARENCHYMA = "benign-breast-tissue"
    FAT_NECROSIS = "fat-necrosis"
    CYST = "cyst"
    SCLEROSING_ADENOSIS = "sclerosing-adenosis"
    LYMPH_NODE = "lymph-node"
    OTHER_BENIGN = "other-benign"
    # high-risk
    ADH = "atypical-ductal-hyperplasia"
    ALH = "atypical-lobular-hyperplasia"
    LCIS = "lobular-carcinoma-in-situ"
    FEA = "flat-epithelial-atypia"
    RADIAL_SCAR = "radial-scar"
    PAPILLOMA = "papilloma"
    PHYLLODES = "phyllodes-tumour"
    # malignant
    DCIS = "ductal-carcinoma-in-situ"
    IDC = "invasive-ductal-carcinoma"
    ILC = "invasive-lobular-carcinoma"
    INVASIVE_CARCINOMA = "invasive-carcinoma"
    """Invasive carcinoma of no special type or otherwise unspecified."""
    OTHER_MALIGNANT = "other-malignant"


@dataclass(frozen=True)
class PathologySpecimen:
    """One specimen's result: where it came from, the diagnosis and its category."""

    category: PathologyCategory
    laterality: Laterality | None
    evidence: Evidence
    location: Location = Location()
    diagnosis: str = ""
    lesions: tuple[Lesion, ...] = ()
    grade: int | None = None
    calcifications: bool | None = None
    """Calcifications identified in the specimen (True), explicitly absent (False), or not said."""
    guidance: Guidance | None = None
    """The sampling method named in the specimen description, when given."""


class ConcordanceVerdict(StrEnum):
    """Radiology-pathology concordance, as the API and the reports state it."""

    CONCORDANT = "concordant"
    """Concordant, benign or malignant not said: the pathology category decides."""
    CONCORDANT_BENIGN = "concordant-benign"
    CONCORDANT_MALIGNANT = "concordant-malignant"
    HIGH_RISK = "high-risk"
    DISCORDANT = "discordant"


@dataclass(frozen=True)
class ConcordanceStatement:
    verdict: ConcordanceVerdict
    laterality: Laterality | None
    evidence: Evidence
    location: Location = Location()


@dataclass(frozen=True)
class PalpableComplaint:
    """A lump or other palpable concern that prompted imaging (from the history / indication)."""

    laterality: Laterality | None
    evidence: Evidence
    location: Location = Location()
    explained: bool | None = None
    """True when the report names the imaging finding that accounts for it, False when it says none
    does, None when it does not say."""


class StepTaken(StrEnum):
    """A step of the work-up a report says has been done (not asked for): it closes the item that
    asked for it as a person's documented action would."""

    REFERRAL = "referral"
    """The patient was referred to breast surgery or oncology ('was referred to breast surgery')."""
    SURGICAL_CONSULTATION = "surgical-consultation"
    """The patient was seen by the surgeon ('was seen in breast surgical consultation')."""


@dataclass(frozen=True)
class CompletedStep:
    """'The patient was referred to breast surgery today': a step taken, as a report records it."""

    step: StepTaken
    laterality: Laterality | None
    evidence: Evidence


class CorrectionKind(StrEnum):
    """What an addendum corrects in the report it amends."""

    LATERALITY = "laterality"
    LOCATION = "location"
    FINDING_TYPE = "finding-type"


@dataclass(frozen=True)
class Correction:
    """'The laterality should read left', 'the mass is at 11 o'clock, not 1 o'clock', 'should read
    focal asymmetry rather than mass': what the amended report said is replaced by this.

    ``laterality`` / ``location`` / ``finding_type`` are the values meant; ``was_*`` the values
    corrected when the addendum names them (else: every value of that kind in the amended report
    that differs). ``subject`` is the finding the correction is about, when named."""

    kind: CorrectionKind
    evidence: Evidence
    laterality: Laterality | None = None
    was_laterality: Laterality | None = None
    location: Location = Location()
    was_location: Location = Location()
    finding_type: FindingType | None = None
    was_finding_type: FindingType | None = None
    subject: FindingType | None = None


class ReportKind(StrEnum):
    RADIOLOGY = "radiology"
    """Screening or diagnostic mammography, ultrasound or MRI."""
    PROCEDURE = "procedure"
    PATHOLOGY = "pathology"
    RADPATH = "radpath"
    """Radiology-pathology correlation note."""
    OTHER = "other"


@dataclass(frozen=True)
class ReportFacts:
    """Everything the reader found in one report."""

    source_uid: str
    kind: ReportKind
    observed_at: datetime | None = None
    predecessor_uids: tuple[str, ...] = ()
    """Earlier documents this one amends (addenda and corrections)."""
    composition: Composition | None = None
    findings: tuple[FindingMention, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    procedures: tuple[ProcedureFacts, ...] = ()
    correspondences: tuple[Correspondence, ...] = ()
    not_feasible: tuple[NotFeasible, ...] = ()
    pathology: tuple[PathologySpecimen, ...] = ()
    concordance: tuple[ConcordanceStatement, ...] = ()
    palpable: tuple[PalpableComplaint, ...] = ()
    corrections: tuple[Correction, ...] = ()
    """What this addendum corrects in the documents it amends (side, site, finding)."""
    outside_priors_received: tuple[Evidence, ...] = ()
    """Sentences saying outside prior examinations are on hand (received, now available, reviewed,
    compared with): they answer an earlier request for them."""
    completed_steps: tuple[CompletedStep, ...] = ()
    """Steps the report says were taken (a referral made, a consultation held)."""

    @property
    def is_addendum(self) -> bool:
        return bool(self.predecessor_uids)
