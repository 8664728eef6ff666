"""The labelled report corpus is well formed: every label uses the shared enums, ids are unique,
addenda point at real reports, and each file holds at least the agreed number of reports.

The corpus is what the report reader is scored against, so a mislabelled value here would silently
score the reader wrong; these checks catch typos in labels before they reach the scorer.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.anatomy import Depth, Laterality, Quadrant
from rules.facts import (
    Birads,
    CalcificationDistribution,
    CalcificationMorphology,
    Composition,
    ConcordanceVerdict,
    FindingType,
    Guidance,
    Lesion,
    CorrectionKind,
    PathologyCategory,
    ProcedureState,
    RecommendationKind,
    Relation,
    ReportKind,
    SpecimenRadiograph,
)

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
HELDOUT_DIR = Path(__file__).resolve().parent / "heldout"

# file name -> (id prefix, minimum number of entries)
FILES: dict[str, tuple[str, int]] = {
    "radiology.yaml": ("rad-", 75),
    "procedure.yaml": ("proc-", 50),
    "pathology.yaml": ("path-", 50),
    "addenda.yaml": ("add-", 15),
    "heldout/failsafe.yaml": ("hof-", 8),  # held out from tuning, scored on its own
}

LABELLED_KINDS = {
    ReportKind.RADIOLOGY,
    ReportKind.PROCEDURE,
    ReportKind.PATHOLOGY,
    ReportKind.RADPATH,
}

# Location attributes shared by every fact that has a place in the breast.
LOCATION: dict[str, Any] = {
    "laterality": Laterality,
    "clock": "clock",
    "quadrant": Quadrant,
    "depth": Depth,
    "nipple_mm": "positive",
}

# For each list under `expect`: the attributes an entry may carry and how each is checked.
# An enum class means "one of its values"; a tuple of one enum means "a list of its values".
SCHEMA: dict[str, dict[str, Any]] = {
    "findings": {
        **LOCATION,
        "type": FindingType,
        "size_mm": "positive",
        "extent_mm": "positive",
        "morphology": (CalcificationMorphology,),
        "distribution": CalcificationDistribution,
        "uncertain": bool,
        "palpable": bool,
        "birads": Birads,
    },
    "assessments": {"category": Birads, "laterality": Laterality, "finding_type": FindingType},
    "recommendations": {
        "kind": RecommendationKind,
        "laterality": Laterality,
        "guidance": Guidance,
        "interval_months": "positive",
        "target_type": FindingType,
    },
    "procedures": {
        **LOCATION,
        "guidance": Guidance,
        "target_type": FindingType,
        "needle_gauge": "positive",
        "cores": "positive",
        "vacuum_assisted": bool,
        "clip_placed": bool,
        "specimen_radiograph": SpecimenRadiograph,
        "post_clip_mammogram": bool,
        "state": ProcedureState,
    },
    "corrections": {
        "what": CorrectionKind,
        "laterality": Laterality,
        "clock": "clock",
        "depth": Depth,
        "finding_type": FindingType,
    },
    "correspondences": {**LOCATION, "relation": Relation, "finding_type": FindingType},
    "not_feasible": {"guidance": Guidance, "laterality": Laterality},
    "pathology": {
        **LOCATION,
        "category": PathologyCategory,
        "lesions": (Lesion,),
        "grade": "positive",
        "calcifications": bool,
        "guidance": Guidance,
    },
    "concordance": {**LOCATION, "verdict": ConcordanceVerdict},
    "palpable": {**LOCATION, "explained": bool},
}

REQUIRED: dict[str, set[str]] = {
    "findings": {"type", "laterality"},
    "assessments": {"category"},
    "recommendations": {"kind"},
    "procedures": set(),
    "correspondences": {"relation"},
    "not_feasible": {"guidance"},
    "pathology": {"category"},
    "concordance": {"verdict"},
    "palpable": set(),
    "corrections": {"what"},
}

# The lists a report of each kind must state explicitly (an empty list means "none in this report").
MUST_STATE: dict[ReportKind, set[str]] = {
    ReportKind.RADIOLOGY: {"findings", "assessments", "recommendations"},
    ReportKind.PROCEDURE: {"procedures"},
    ReportKind.PATHOLOGY: {"pathology"},
    ReportKind.RADPATH: {"concordance"},
}

HIGH_RISK_LESIONS = {
    Lesion.ADH,
    Lesion.ALH,
    Lesion.LCIS,
    Lesion.FEA,
    Lesion.RADIAL_SCAR,
    Lesion.PAPILLOMA,
    Lesion.PHYLLODES,
}
MALIGNANT_LESIONS = {
    Lesion.DCIS,
    Lesion.IDC,
    Lesion.ILC,
    Lesion.INVASIVE_CARCINOMA,
    Lesion.OTHER_MALIGNANT,
}


def _load(name: str) -> list[dict[str, Any]]:
    path = REPORTS_DIR.parent / name if "/" in name else REPORTS_DIR / name
    if not path.exists():
        pytest.fail(f"corpus file {name} is missing")
    with path.open(encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    assert isinstance(entries, list), f"{name} must be a YAML list of reports"
    return entries


def _all_entries() -> list[tuple[str, dict[str, Any]]]:
    return [(name, entry) for name in FILES for entry in _load(name)]


def _value_problem(value: Any, rule: Any) -> str | None:
    """Why ``value`` breaks ``rule``, or None when it is fine."""
    if isinstance(rule, type) and issubclass(rule, StrEnum):
        allowed = {member.value for member in rule}
        return None if str(value) in allowed else f"{value!r} is not one of {sorted(allowed)}"
    if isinstance(rule, tuple):
        if not isinstance(value, list) or not value:
            return f"{value!r} should be a non-empty list"
        problems = [p for item in value if (p := _value_problem(item, rule[0]))]
        return problems[0] if problems else None
    if rule is bool:
        return None if isinstance(value, bool) else f"{value!r} should be true or false"
    if rule == "positive":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        return None if ok else f"{value!r} should be a positive number"
    if rule == "clock":
        ok = isinstance(value, (int, float)) and 1 <= value <= 12 and (value * 2) % 1 == 0
        return None if ok else f"{value!r} should be a clock hour 1-12 (halves as .5)"
    raise AssertionError(f"unknown rule {rule!r}")


def _label_problems(entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    expect = entry.get("expect")
    if not isinstance(expect, dict):
        return ["expect must be a mapping"]
    kind = ReportKind(entry["kind"])
    for needed in MUST_STATE[kind]:
        if needed not in expect:
            problems.append(f"a {kind.value} report must state `{needed}` (empty list if none)")
    for key, items in expect.items():
        if key == "composition":
            if (p := _value_problem(items, Composition)) is not None:
                problems.append(f"composition: {p}")
            continue
        if key not in SCHEMA:
            problems.append(f"unknown expect key {key!r}")
            continue
        if not isinstance(items, list):
            problems.append(f"{key} must be a list")
            continue
        for item in items:
            if not isinstance(item, dict):
                problems.append(f"{key}: {item!r} is not a mapping")
                continue
            missing = REQUIRED[key] - item.keys()
            if missing:
                problems.append(f"{key}: {item} lacks {sorted(missing)}")
            for attribute, value in item.items():
                rule = SCHEMA[key].get(attribute)
                if rule is None:
                    problems.append(f"{key}: unknown attribute {attribute!r}")
                elif (p := _value_problem(value, rule)) is not None:
                    problems.append(f"{key}.{attribute}: {p}")
    return problems


def _worst_category(lesions: list[str]) -> PathologyCategory:
    named = {Lesion(lesion) for lesion in lesions}
    if named & MALIGNANT_LESIONS:
        return PathologyCategory.MALIGNANT
    if named & HIGH_RISK_LESIONS:
        return PathologyCategory.HIGH_RISK
    return PathologyCategory.BENIGN


def test_every_file_meets_its_minimum_and_prefix() -> None:
    for name, (prefix, minimum) in FILES.items():
        entries = _load(name)
        assert len(entries) >= minimum, f"{name} has {len(entries)} reports, needs {minimum}"
        wrong = [e.get("id") for e in entries if not str(e.get("id", "")).startswith(prefix)]
        assert not wrong, f"{name}: ids without the {prefix} prefix: {wrong}"


def test_ids_are_unique_across_the_corpus() -> None:
    counts = Counter(entry.get("id") for _, entry in _all_entries())
    duplicated = sorted(str(i) for i, n in counts.items() if n > 1)
    assert not duplicated, f"duplicated ids: {duplicated}"


def test_kinds_and_sections_are_valid() -> None:
    for name, entry in _all_entries():
        where = f"{name}:{entry.get('id')}"
        assert entry.get("kind") in {k.value for k in LABELLED_KINDS}, f"{where}: bad kind"
        sections = entry.get("sections")
        assert isinstance(sections, dict) and sections, f"{where}: sections must be a mapping"
        for heading, text in sections.items():
            assert isinstance(heading, str) and heading.strip(), f"{where}: empty heading"
            assert isinstance(text, str) and text.strip(), f"{where}: section {heading!r} is empty"
        title = entry.get("title")
        assert title is None or (isinstance(title, str) and title.strip()), f"{where}: bad title"


def test_every_label_uses_the_shared_enums() -> None:
    problems = [
        f"{name}:{entry.get('id')}: {problem}"
        for name, entry in _all_entries()
        for problem in _label_problems(entry)
    ]
    assert not problems, "\n".join(problems)


def test_pathology_category_is_the_worst_named_lesion() -> None:
    problems: list[str] = []
    for name, entry in _all_entries():
        for specimen in entry.get("expect", {}).get("pathology", []) or []:
            lesions = specimen.get("lesions")
            category = PathologyCategory(specimen["category"])
            if category is PathologyCategory.NON_DIAGNOSTIC:
                if lesions:
                    problems.append(f"{name}:{entry['id']}: non-diagnostic with lesions {lesions}")
            elif lesions and _worst_category(lesions) is not category:
                problems.append(f"{name}:{entry['id']}: {category.value} but lesions {lesions}")
    assert not problems, "\n".join(problems)


def test_predecessors_exist_and_addenda_amend_other_files() -> None:
    by_id = {entry["id"]: name for name, entry in _all_entries()}
    for name, entry in _all_entries():
        predecessor = entry.get("predecessor")
        if name == "addenda.yaml":
            assert predecessor, f"{entry['id']}: an addendum needs a predecessor"
        if predecessor is None:
            continue
        assert predecessor in by_id, f"{entry['id']}: predecessor {predecessor} does not exist"
        assert predecessor != entry["id"], f"{entry['id']}: amends itself"
        if name == "addenda.yaml":
            assert by_id[predecessor] != name, f"{entry['id']}: predecessor must be in another file"


def test_findings_are_only_labelled_in_radiology_reports() -> None:
    stray = [
        entry["id"]
        for _, entry in _all_entries()
        if entry["kind"] != ReportKind.RADIOLOGY.value and entry.get("expect", {}).get("findings")
    ]
    assert not stray, f"findings labelled outside radiology reports: {stray}"
