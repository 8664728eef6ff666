"""A small cohort of stories for the outcomes audit, with every number worked out by hand.

Period 2024 (Jan 1 - Dec 31), outcomes as of 2026-06-01 (every year has passed). Two radiologists.

| patient | story | screening | diagnostic |
|---|---|---|---|
| P1 | screen 1 (A) | TN | |
| P2 | screen 2 (B) | TN | |
| P3 | screen 0 left (A), diagnostic 2 (A): recall resolved benign | FP | TN |
| P4 | screen 3 right (B), diagnostic 2 six months later (B) | FP | TN |
| P5 | diagnostic 4A left (A), core biopsy fibroadenoma | | FP, biopsied |
| P6 | screen 0 right (B), diagnostic 4C (A), IDC 8 mm, nodes 0/2 | TP | TP |
| P7 | screen 0 left (A), diagnostic 5 (B), DCIS | TP | TP |
| P8 | screen 1 (B); 11 months later palpable, diagnostic 5 (A), IDC | FN | TP |
| P9 | screen 1 (A); IDC 13 months later (after a 2025 diagnostic) | TN | (2025) |
| P10 | diagnostic 6 (B): known cancer | excluded | excluded |
| P11 | screen 0 both (B), nothing after | FP, lost | |

Screening: 9 exams, 5 positive (recall 55.6%); TP 2, FP 3, TN 3, FN 1; CDR 2/9 = 222.2 per
1,000; PPV1 2/5 = 40%; PPV2 2/2 (P6, P7 worked up to 4C/5); PPV3 2/2; sensitivity 2/3, specificity
3/6. Diagnostic: 6 exams, 4 positive (66.7%); TP 3, FP 1, TN 2, FN 0; CDR 500; PPV2 3/4; PPV3 3/4;
sensitivity 3/3, specificity 2/3.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rules.anatomy import Laterality
from rules.audit.exams import RadiologyReport
from rules.audit.outcomes import TissueResult
from rules.facts import Birads, Lesion, PathologyCategory

L, R, B = Laterality.LEFT, Laterality.RIGHT, Laterality.BOTH
A_READER, B_READER = "ADAMS, ANN, MD", "BROWN, BEN, MD"
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
SCREEN, DIAG = "Mammography Screening Report", "Mammography Diagnostic Report"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def exam(uid: str, patient: int, day: str, title: str, reader: str,
         *assessments: tuple[Laterality | None, Birads], amends: tuple[str, ...] = ()
         ) -> RadiologyReport:
    return RadiologyReport(uid, patient, f"P{patient}", at(day), title, "", reader,
                           tuple(assessments), amends)


def tissue(uid: str, patient: int, side: Laterality, day: str, category: PathologyCategory,
           *lesions: Lesion, text: str = "") -> TissueResult:
    return TissueResult(uid, patient, side, at(day), category, lesions, text)


BENIGN, MALIGNANT = PathologyCategory.BENIGN, PathologyCategory.MALIGNANT

REPORTS = [
    exam("p1-s", 1, "2024-02-01", SCREEN, A_READER, (None, Birads.B1)),
    exam("p2-s", 2, "2024-02-15", SCREEN, B_READER, (B, Birads.B2)),
    exam("p3-s", 3, "2024-03-01", SCREEN, A_READER, (L, Birads.B0), (R, Birads.B1)),
    exam("p3-d", 3, "2024-03-10", DIAG, A_READER, (L, Birads.B2)),
    exam("p4-s", 4, "2024-04-01", SCREEN, B_READER, (R, Birads.B3), (L, Birads.B1)),
    exam("p4-d", 4, "2024-10-01", DIAG, B_READER, (R, Birads.B2)),
    exam("p5-d", 5, "2024-05-01", DIAG, A_READER, (L, Birads.B4A)),
    exam("p6-s", 6, "2024-06-01", SCREEN, B_READER, (R, Birads.B0), (L, Birads.B1)),
    exam("p6-d", 6, "2024-06-10", DIAG, A_READER, (R, Birads.B4C)),
    exam("p7-s", 7, "2024-07-01", SCREEN, A_READER, (L, Birads.B0), (R, Birads.B1)),
    exam("p7-d", 7, "2024-07-08", DIAG, B_READER, (L, Birads.B5)),
    exam("p8-s", 8, "2024-01-10", SCREEN, B_READER, (None, Birads.B1)),
    exam("p8-d", 8, "2024-11-28", DIAG, A_READER, (L, Birads.B5)),
    exam("p9-s", 9, "2024-01-20", SCREEN, A_READER, (None, Birads.B1)),
    exam("p9-d", 9, "2025-02-15", DIAG, A_READER, (R, Birads.B5)),
    exam("p10-d", 10, "2024-08-01", DIAG, B_READER, (L, Birads.B6)),
    exam("p11-s", 11, "2024-09-01", SCREEN, B_READER, (B, Birads.B0)),
]
TISSUE = [
    tissue("p5-t", 5, L, "2024-05-08", BENIGN, Lesion.FIBROADENOMA),
    tissue("p6-t", 6, R, "2024-06-15", MALIGNANT, Lesion.IDC,
           text="Invasive ductal carcinoma, grade 2, tumor size 8 mm. Sentinel lymph nodes "
                "negative for carcinoma (0/2)."),
    tissue("p7-t", 7, L, "2024-07-12", MALIGNANT, Lesion.DCIS,
           text="Ductal carcinoma in situ, intermediate grade."),
    tissue("p8-t", 8, L, "2024-12-05", MALIGNANT, Lesion.IDC, text="Invasive ductal carcinoma."),
    tissue("p9-t", 9, R, "2025-02-20", MALIGNANT, Lesion.IDC, text="Invasive ductal carcinoma."),
    tissue("p10-t", 10, L, "2024-08-20", MALIGNANT, Lesion.IDC, text="Residual carcinoma."),
]
