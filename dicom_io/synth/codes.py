"""The coded concepts the renderer writes, named once.

Values from PS3.16 (CID 4014 views, CID 4015 view modifiers, CID 6001 composition, CID 6027 BI-RADS,
CID 6028 follow-up, CID 6019/6021/6025 location, CID 7001 report headings) and LOINC document codes.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Coded(NamedTuple):
    """A code as the renderer writes it: (value, scheme, meaning)."""

    value: str
    scheme: str
    meaning: str


def sct(value: str, meaning: str) -> Coded:
    return Coded(value, "SCT", meaning)


def dcm(value: str, meaning: str) -> Coded:
    return Coded(value, "DCM", meaning)


def ln(value: str, meaning: str) -> Coded:
    return Coded(value, "LN", meaning)


BREAST: Final = sct("76752008", "Breast")

# Image views (CID 4014) and view modifiers (CID 4015).
VIEWS: Final[dict[str, Coded]] = {
    "CC": sct("399162004", "cranio-caudal"),
    "MLO": sct("399368009", "medio-lateral oblique"),
    "ML": sct("399260004", "medio-lateral"),
    "LM": sct("399352003", "latero-medial"),
    "XCCL": sct("399192008", "cranio-caudal exaggerated laterally"),
}
SPECIMEN_VIEW: Final = sct("127457009", "tissue specimen from breast")
VIEW_MODIFIERS: Final[dict[str, Coded]] = {
    "spot": sct("399055006", "Spot Compression"),
    "magnification": sct("399163009", "Magnification"),
    "tangential": sct("399110001", "tangential"),
    "implant-displaced": sct("399209000", "Implant Displaced"),
}
MODIFIER_LABELS: Final[dict[str, str]] = {
    "spot": "SPOT",
    "magnification": "MAG",
    "tangential": "TAN",
    "implant-displaced": "ID",
}

# Report document titles (LOINC) by the case format's `title`.
DOCUMENT_TITLES: Final[dict[str, Coded]] = {
    "mammo-screening": ln("24606-6", "Mammography Screening Report"),
    "mammo-diagnostic": ln("18748-4", "Diagnostic Imaging Report"),
    "us-breast": ln("24601-7", "US Breast Report"),
    "procedure": ln("47048-4", "Diagnostic Interventional Radiology Report"),
    "radpath": ln("18748-4", "Diagnostic Imaging Report"),
    "pathology": ln("11529-5", "Surgical Pathology Report"),
}
DEFAULT_TITLE: Final = DOCUMENT_TITLES["mammo-diagnostic"]


class Heading(NamedTuple):
    """A report section: its container concept and the concept of the TEXT item inside it."""

    container: Coded
    item: Coded


_FINDINGS = ln("59776-5", "Findings")
_HISTORY = ln("11329-0", "History")

# Section names of the case format -> TID 2000 headings (CID 7001, LOINC form).
HEADINGS: Final[dict[str, Heading]] = {
    "Findings": Heading(_FINDINGS, dcm("121071", "Finding")),
    "Impression": Heading(ln("19005-8", "Impressions"), dcm("121073", "Impression")),
    "Recommendation": Heading(ln("18783-1", "Recommendations"), dcm("121075", "Recommendation")),
    "History": Heading(_HISTORY, _HISTORY),
    "Indication": Heading(ln("18785-6", "Indications for Procedure"), _HISTORY),
    "Comparison": Heading(ln("18834-2", "Comparison"), ln("18834-2", "Comparison")),
    "Procedure": Heading(
        ln("55111-9", "Current Procedure Descriptions"), dcm("121065", "Procedure Description")
    ),
    "Complications": Heading(ln("55109-3", "Complications"), ln("55109-3", "Complications")),
    "Addendum": Heading(ln("55107-7", "Addendum"), ln("55107-7", "Addendum")),
    "Specimen": Heading(ln("22633-2", "Specimen"), ln("22633-2", "Specimen")),
    "Clinical History": Heading(
        ln("22636-5", "Clinical History"), ln("22636-5", "Clinical History")
    ),
    "Gross Description": Heading(
        ln("22634-0", "Gross Pathology"), ln("22634-0", "Gross Pathology")
    ),
    "Microscopic": Heading(
        ln("22635-7", "Microscopic Observation"), ln("22635-7", "Microscopic Observation")
    ),
    "Final Diagnosis": Heading(ln("22637-3", "Final Diagnosis"), ln("22637-3", "Final Diagnosis")),
    "Comment": Heading(ln("22638-1", "Comments"), ln("22638-1", "Comments")),
}

# SR document and observer context (TID 1001, 1002).
LANGUAGE: Final = dcm("121049", "Language of Content Item and Descendants")
ENGLISH_US: Final = Coded("en-US", "RFC5646", "English (United States)")
OBSERVER_TYPE: Final = dcm("121005", "Observer Type")
PERSON: Final = dcm("121006", "Person")
PERSON_OBSERVER_NAME: Final = dcm("121008", "Person Observer Name")

# TID 4200 Breast Imaging Report.
BREAST_IMAGING_REPORT: Final = dcm("111400", "Breast Imaging Report")
NARRATIVE_SUMMARY: Final = dcm("111412", "Narrative Summary")
SUPPLEMENTARY_DATA: Final = dcm("111414", "Supplementary Data")
OVERALL_ASSESSMENT: Final = dcm("111413", "Overall Assessment")
PROCEDURE_REPORTED: Final = dcm("121058", "Procedure reported")
REASON_FOR_PROCEDURE: Final = dcm("111401", "Reason for procedure")
LATERALITY: Final = sct("272741003", "Laterality")
BREAST_COMPOSITION: Final = sct("129715009", "Breast composition")
FINDINGS_CONTAINER: Final = _FINDINGS
FINDING: Final = dcm("121071", "Finding")
ASSESSMENT_CATEGORY: Final = dcm("111005", "Assessment Category")
RECOMMENDED_FOLLOW_UP: Final = dcm("111053", "Recommended Follow-up")
FOLLOW_UP_INTERVAL: Final = dcm("111055", "Recommended Follow-up Interval")
CLOCKFACE: Final = dcm("111014", "Clockface or region")
QUADRANT: Final = dcm("111048", "Quadrant location")
DEPTH: Final = dcm("111020", "Depth")
NIPPLE_DISTANCE: Final = dcm("121242", "Distance from nipple")
DIAMETER: Final = sct("81827009", "Diameter")
CALCIFICATION_TYPE: Final = dcm("111009", "Calcification Type")
CALCIFICATION_DISTRIBUTION: Final = dcm("111008", "Calcification Distribution")
CORRELATION: Final = dcm("111380", "Correlation to other Findings")

MILLIMETRE: Final = Coded("mm", "UCUM", "millimeter")
MONTH: Final = Coded("mo", "UCUM", "month")

BREAST_SIDES: Final[dict[str, Coded]] = {
    "L": sct("80248007", "Left breast"),
    "R": sct("73056007", "Right breast"),
    "B": sct("63762007", "Both breasts"),
}
PROCEDURES: Final[dict[str, Coded]] = {
    "mammogram": sct("71651007", "Mammography"),
    "tomosynthesis": sct("450566007", "Digital tomosynthesis of breast"),
    "ultrasound": sct("47079000", "Ultrasonography of breast"),
    "mri": sct("241615005", "Magnetic resonance imaging of breast"),
}
# A procedure reported with its side, where a side-specific LOINC code is in use (CID 6050 allows
# LOINC); otherwise the SNOMED procedure above with the laterality modifier carries the side.
SIDED_PROCEDURES: Final[dict[tuple[str, str], Coded]] = {
    ("mammogram", "L"): ln("36627-8", "breast - left mammogram"),
}
REASONS: Final[dict[str, Coded]] = {
    "additional-evaluation": dcm(
        "111419", "Additional evaluation requested from abnormal screening study"
    ),
}
COMPOSITIONS: Final[dict[str, Coded]] = {
    "A": sct("129716005", "Almost entirely fat"),
    "B": sct("129717001", "Scattered fibroglandular densities"),
    "C": sct("129718006", "Heterogeneously dense"),
    "D": sct("129719003", "Extremely dense"),
}
FINDING_TYPES: Final[dict[str, Coded]] = {
    "mass": sct("129788004", "Mammographic breast mass"),
    "calcifications": sct("129769006", "Calcification cluster"),
    "calcification": sct("309587003", "Calcification of breast"),
    "asymmetry": sct("129790003", "Asymmetric breast tissue"),
    "focal-asymmetry": sct("129789007", "Focal asymmetric breast tissue"),
    "architectural-distortion": sct("129792006", "Architectural distortion of breast"),
    "cyst": sct("399294002", "Cyst of breast"),
}
BIRADS: Final[dict[str, Coded]] = {
    "0": sct("397138000", "Mammography assessment (Category 0) - Need additional evaluation"),
    "1": sct("397140005", "Mammography assessment (Category 1) - Negative"),
    "2": sct("397141009", "Mammography assessment (Category 2) - Benign finding"),
    "3": sct("397143007", "Mammography assessment (Category 3) - Probably benign finding"),
    "4": sct("397144001", "Mammography assessment (Category 4) - Suspicious abnormality"),
    "4A": Coded("MA.II.A.5.4A", "BI", "4A - Low suspicion"),
    "4B": Coded("MA.II.A.5.4B", "BI", "4B - Intermediate suspicion"),
    "4C": Coded("MA.II.A.5.4C", "BI", "4C - Moderate concern"),
    "5": sct("397145000", "Mammography assessment (Category 5) - Highly suggestive of malignancy"),
    "6": Coded("MA.II.A.5.6", "BI", "6 - Known biopsy proven malignancy"),
}
RECOMMENDATIONS: Final[dict[str, Coded]] = {
    "normal-interval": dcm("111140", "Normal interval follow-up"),
    "short-interval": dcm("111142", "Follow-up at short interval (1-11 months)"),
    "biopsy-considered": dcm("111143", "Biopsy should be considered"),
    "biopsy-strongly-considered": dcm("111148", "Biopsy should be strongly considered"),
    "core-biopsy": dcm("111145", "Histology using core biopsy"),
    "additional-projections": dcm("111135", "Additional projections"),
    "spot-magnification": dcm("111136", "Spot magnification view(s)"),
    "old-films": dcm("111138", "Old films for comparison"),
    "surgical-consult": dcm("111410", "Surgical consult"),
    "spot-compression": sct("399055006", "Spot compression"),
    "magnification": sct("399163009", "Magnification views"),
    "ultrasound": sct("16310003", "Diagnostic ultrasonography"),
    "mri": sct("241615005", "Magnetic resonance imaging of breast"),
}
CLOCK: Final[dict[int, Coded]] = {
    hour: sct(value, f"{hour} o'clock position")
    for hour, value in zip(
        range(1, 13),
        (
            "129772004",
            "129773009",
            "129774003",
            "129775002",
            "129776001",
            "129777005",
            "129778000",
            "129779008",
            "129780006",
            "129781005",
            "129782003",
            "129783008",
        ),
        strict=True,
    )
}
QUADRANTS: Final[dict[str, Coded]] = {
    "UOQ": sct("76365002", "Upper outer quadrant of breast"),
    "UIQ": sct("77831004", "Upper inner quadrant of breast"),
    "LOQ": sct("33564002", "Lower outer quadrant of breast"),
    "LIQ": sct("19100000", "Lower inner quadrant of breast"),
}
DEPTHS: Final[dict[str, Coded]] = {
    "anterior": sct("255549009", "Anterior"),
    "middle": Coded("C25569", "NCIt", "Middle"),
    "posterior": sct("255551008", "Posterior"),
}
CALCIFICATION_TYPES: Final[dict[str, Coded]] = {
    "amorphous": sct("129760005", "Amorphous calcification"),
    "coarse-heterogeneous": sct("129763007", "Coarse heterogeneous calcification"),
    "fine-pleomorphic": dcm("111344", "Fine pleomorphic calcification"),
    "fine-linear": sct("129761009", "Fine linear calcification"),
    "fine-linear-branching": sct("129762002", "Fine linear branching calcification"),
    "punctate": sct("129755006", "Punctate calcification"),
    "round": sct("129756007", "Round calcification"),
    "rim": sct("129751002", "Rim calcification"),
    "milk-of-calcium": sct("129753004", "Milk of calcium calcification"),
    "dystrophic": sct("129750001", "Dystrophic calcification"),
    "popcorn": sct("129749001", "Popcorn calcification"),
    "vascular": sct("129759000", "Vascular calcification"),
    "skin": sct("129757003", "Skin calcification"),
}
DISTRIBUTIONS: Final[dict[str, Coded]] = {
    "diffuse": sct("129764001", "Diffuse distribution"),
    "regional": sct("129767008", "Regional distribution"),
    "grouped": sct("129766004", "Grouped distribution"),
    "linear": sct("129765000", "Linear distribution"),
    "segmental": sct("129768003", "Segmental distribution"),
}
CORRELATIONS: Final[dict[str, Coded]] = {
    "ultrasound": dcm("111384", "Correlates to ultrasound findings"),
}
