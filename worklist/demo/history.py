"""A breast centre's recent years for the demo's outcomes audit: fictional patients screened
yearly over about three years, some recalled and worked up, a few biopsied, a few cancers (found at
screening, or between screens), a few recalls never followed up.

Generated, not written by hand, so the audit page has enough examinations to mean something;
the draw is seeded, so every run sends the same stories (repeats are acknowledged, not stored
twice). Each story uses the case format of ``stories/*.yaml`` and goes through the same readers.
"""

from __future__ import annotations

import random
from typing import Any

PATIENTS = 120
SEED = 900_12
READERS = ("NOVAK^HELENA^^^MD", "ABARA^NGOZI^^^MD", "LINDQVIST^MARTA^^^MD")
PATHOLOGIST = "OKAFOR^CHIDI^^^MD"
SITE = {"imaging": "Demo Breast Centre", "pathology": "Demo Pathology Laboratory",
        "issuer": "DEMO"}
SIDE_WORD = {"L": "left", "R": "right"}
NEGATIVE = ("Breast composition B. No masses, suspicious calcifications or architectural "
            "distortion in either breast.")


def _image(day: int, study: str, description: str, side: str, modality: str = "MG"
           ) -> dict[str, Any]:
    event: dict[str, Any] = {"day": day, "kind": "image", "study": study, "modality": modality,
                             "study_description": description, "laterality": side}
    if modality == "MG":
        event["views"] = ["CC"]
    else:
        event["count"] = 1
    return event


def _report(day: int, study: str, title: str, author: str, **sections: str) -> dict[str, Any]:
    return {"day": day, "kind": "report", "study": study, "title": title, "author": author,
            "sections": {k.replace("_", " "): v for k, v in sections.items()}}


def _screen(day: int, key: str, reader: str, impression: str, findings: str = NEGATIVE
            ) -> list[dict[str, Any]]:
    return [_image(day, key, "SCREEN MAMMO BIL", "B"),
            _report(day, key, "mammo-screening", reader, Findings=findings, Impression=impression)]


def _recall(day: int, key: str, reader: str, side: str) -> list[dict[str, Any]]:
    word = SIDE_WORD[side]
    return _screen(day, key, reader,
                   f"BI-RADS 0: incomplete. Recall for {word} diagnostic mammogram and ultrasound.",
                   f"{word.capitalize()} breast: a focal asymmetry in the upper outer quadrant. "
                   f"The other breast is negative.")


def _diagnostic(day: int, key: str, reader: str, side: str, category: str, clock: int,
                size: int) -> list[dict[str, Any]]:
    word = SIDE_WORD[side]
    if category == "2":
        findings = (f"{word.capitalize()} spot compression views: the asymmetry disperses as "
                    "overlapping fibroglandular tissue. Targeted ultrasound shows no mass.")
        impression = "BI-RADS 2, benign. Return to annual screening mammography."
    elif category == "3":
        findings = (f"{word.capitalize()} breast, {clock} o'clock, 4 cm from the nipple: a "
                    f"{size} mm oval circumscribed mass, parallel, on ultrasound.")
        impression = (f"BI-RADS 3, probably benign. {word.capitalize()} diagnostic mammogram and "
                      "ultrasound in 6 months.")
    else:
        findings = (f"{word.capitalize()} breast, {clock} o'clock, 5 cm from the nipple: a "
                    f"{size} mm irregular mass with an indistinct margin on spot compression; "
                    "on ultrasound it is irregular, hypoechoic and not parallel.")
        impression = (f"BI-RADS {category}. Ultrasound-guided core biopsy of the {word} "
                      f"{clock} o'clock mass.")
    return [_image(day, key, f"DIAG MAMMO {side}T", side),
            _image(day, key, "US BREAST", side, "US"),
            _report(day, key, "mammo-diagnostic", reader, Findings=findings, Impression=impression)]


def _biopsy(day: int, key: str, reader: str, side: str, clock: int, diagnosis: str,
            excision: str | None) -> list[dict[str, Any]]:
    word = SIDE_WORD[side]
    events = [
        _image(day, key, f"US CORE BX {side}T", side, "US"),
        _report(day, key, "procedure", reader, Procedure=(
            f"Ultrasound-guided core biopsy of the {word} {clock} o'clock mass, 14-gauge, four "
            "cores, clip placed.")),
        {**_report(day + 3, f"{key}p", "pathology", PATHOLOGIST, Final_Diagnosis=(
            f"{word.capitalize()} breast, {clock} o'clock, needle core biopsy - {diagnosis}")),
         "study_description": "SURGICAL PATHOLOGY"},
    ]
    if excision:
        events.append({**_report(day + 30, f"{key}x", "pathology", PATHOLOGIST, Final_Diagnosis=(
            f"{word.capitalize()} breast, lumpectomy and sentinel lymph node biopsy - "
            f"{excision}")), "study_description": "SURGICAL PATHOLOGY"})
    return events


CANCERS = (
    ("invasive ductal carcinoma, grade 2 of 3.",
     "invasive ductal carcinoma, grade 2, tumor size 8 mm, margins negative. Sentinel lymph "
     "nodes negative for carcinoma (0/2)."),
    ("invasive ductal carcinoma, grade 3 of 3.",
     "invasive ductal carcinoma, grade 3, tumor size 17 mm. Metastatic carcinoma in 1/3 "
     "sentinel lymph nodes."),
    ("ductal carcinoma in situ, intermediate nuclear grade, with calcifications.", None),
    ("invasive lobular carcinoma, grade 2 of 3.", None),
)
BENIGN = ("fibroadenoma.", "fibrocystic change.", "benign breast tissue with stromal fibrosis.")


def _patient_story(number: int, draw: random.Random) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    first = -draw.randint(400, 1000)
    screens = [d for d in (first, first + 365, first + 730) if d <= -7]
    for index, day in enumerate(screens):
        key, reader = f"s{index}", draw.choice(READERS)
        side, clock, size = draw.choice("LR"), draw.randint(1, 11), draw.randint(6, 18)
        roll = draw.random()
        if roll < 0.885:
            events += _screen(day, key, reader, draw.choice((
                "BI-RADS 1, negative. Continue annual screening mammography.",
                "BI-RADS 2, benign. Continue annual screening mammography.")))
            if draw.random() < 0.02 and day + 330 <= -7:  # a cancer between two screens
                later = day + draw.randint(200, 330)
                diag_reader = draw.choice(READERS)
                events += _diagnostic(later, f"i{index}", diag_reader, side, "5", clock, size)
                events += _biopsy(later + 5, f"ib{index}", diag_reader, side, clock,
                                  CANCERS[0][0], None)
                break
            continue
        if roll < 0.89 and day < -400:
            events += _recall(day, key, reader, side)  # recalled, never came back
            continue
        events += _recall(day, key, reader, side)
        diag_day, diag_reader = day + draw.randint(7, 20), draw.choice(READERS)
        if diag_day > -3:
            continue
        work_up = draw.random()
        if work_up < 0.55:
            events += _diagnostic(diag_day, f"d{index}", diag_reader, side, "2", clock, size)
        elif work_up < 0.68:
            events += _diagnostic(diag_day, f"d{index}", diag_reader, side, "3", clock, size)
            if diag_day + 182 <= -3:
                events += _diagnostic(diag_day + 182, f"f{index}", diag_reader, side, "2", clock,
                                      size)
        else:
            malignant = work_up > 0.82
            category = draw.choice(("4C", "5")) if malignant else draw.choice(("4A", "4B"))
            events += _diagnostic(diag_day, f"d{index}", diag_reader, side, category, clock, size)
            if diag_day + 7 > -3:
                continue
            core, excision = draw.choice(CANCERS) if malignant else (draw.choice(BENIGN), None)
            events += _biopsy(diag_day + 7, f"b{index}", diag_reader, side, clock, core,
                              excision if diag_day + 40 <= -2 else None)
            if malignant:
                break
    events.sort(key=lambda e: e["day"])
    case_id = f"HIST-{number:04d}"
    return {"id": case_id, "title": "Demo history: screening and work-up for the outcomes audit",
            "site": SITE,
            "patient": {"id": case_id, "name": f"HISTORY^DEMO{number:03d}",
                        "age": draw.randint(42, 74),
                        "birth_md": f"{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}"},
            "events": events}


def history_stories(patients: int = PATIENTS) -> list[dict[str, Any]]:
    draw = random.Random(SEED)
    return [_patient_story(number, draw) for number in range(1, patients + 1)]
