"""Coded reports as Enhanced SR, TID 4200 Breast Imaging Report.

The case's ``coded:`` block maps onto the template: a narrative summary (TID 4202), supplementary
data (TID 4208) with the procedure reported, breast composition and one CODE item per finding
(CID 6054) with its properties, and the overall assessment per breast (111413).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

from dicom_io.synth import codes as c
from dicom_io.synth.basic_text import sections_content
from dicom_io.synth.case import CaseError
from dicom_io.synth.sr_content import code_content, container, num_item


def tid4200_content(coded: Mapping[str, Any]) -> list[Dataset]:
    items: list[Dataset] = []
    if coded.get("narrative"):
        items.append(
            container("CONTAINS", c.NARRATIVE_SUMMARY, sections_content(coded["narrative"].items()))
        )
    supplementary: list[Dataset] = []
    if "procedure" in coded:
        supplementary.append(_procedure(coded["procedure"], coded.get("reason")))
    if "composition" in coded:
        value = _lookup(c.COMPOSITIONS, str(coded["composition"]).upper(), "composition")
        supplementary.append(
            container(
                "CONTAINS",
                c.BREAST_COMPOSITION,
                [code_content("CONTAINS", c.BREAST_COMPOSITION, value)],
            )
        )
    findings = [_finding(f) for f in coded.get("findings") or ()]
    if findings:
        supplementary.append(container("CONTAINS", c.FINDINGS_CONTAINER, findings))
    overall = [_overall(o) for o in coded.get("overall") or ()]
    if overall:
        supplementary.append(container("CONTAINS", c.OVERALL_ASSESSMENT, overall))
    if supplementary:
        items.append(container("CONTAINS", c.SUPPLEMENTARY_DATA, supplementary))
    return items


def _lookup(table: Mapping[Any, c.Coded], key: Any, what: str) -> c.Coded:
    try:
        return table[key]
    except KeyError:
        raise CaseError(f"unknown {what} {key!r}; known: {', '.join(map(str, table))}") from None


def _side(laterality: object) -> Dataset:
    side = _lookup(c.BREAST_SIDES, str(laterality).upper(), "laterality")
    return code_content("HAS CONCEPT MOD", c.LATERALITY, side)


def _procedure(procedure: Mapping[str, Any], reason: object) -> Dataset:
    children = []
    if "laterality" in procedure:
        children.append(_side(procedure["laterality"]))
    if reason:
        children.append(
            code_content(
                "HAS PROPERTIES", c.REASON_FOR_PROCEDURE, _lookup(c.REASONS, reason, "reason")
            )
        )
    name = str(procedure.get("type", "mammogram"))
    side = str(procedure.get("laterality", "")).upper()
    kind = c.SIDED_PROCEDURES.get((name, side)) or _lookup(c.PROCEDURES, name, "procedure")
    return code_content("CONTAINS", c.PROCEDURE_REPORTED, kind, children)


def _category(entry: Mapping[str, Any]) -> c.Coded:
    return _lookup(c.BIRADS, str(entry["birads"]).upper(), "BI-RADS category")


def _follow_up(entry: Mapping[str, Any]) -> list[Dataset]:
    if "recommendation" not in entry:
        return []
    follow_up = _lookup(c.RECOMMENDATIONS, entry["recommendation"], "recommendation")
    interval = []
    if "interval_months" in entry:
        interval.append(
            num_item(
                "HAS PROPERTIES", c.FOLLOW_UP_INTERVAL, float(entry["interval_months"]), c.MONTH
            )
        )
    return [code_content("HAS PROPERTIES", c.RECOMMENDED_FOLLOW_UP, follow_up, interval)]


def _finding(finding: Mapping[str, Any]) -> Dataset:
    kind = _lookup(c.FINDING_TYPES, finding.get("type"), "finding type")
    props: list[Dataset] = []
    if "laterality" in finding:
        props.append(_side(finding["laterality"]))
    if "clock" in finding:
        props.append(
            code_content(
                "HAS PROPERTIES", c.CLOCKFACE, _lookup(c.CLOCK, int(finding["clock"]), "clock")
            )
        )
    if "quadrant" in finding:
        quadrant = _lookup(c.QUADRANTS, str(finding["quadrant"]).upper(), "quadrant")
        props.append(code_content("HAS PROPERTIES", c.QUADRANT, quadrant))
    if "depth" in finding:
        props.append(
            code_content("HAS PROPERTIES", c.DEPTH, _lookup(c.DEPTHS, finding["depth"], "depth"))
        )
    if "nipple_mm" in finding:
        props.append(
            num_item("HAS PROPERTIES", c.NIPPLE_DISTANCE, float(finding["nipple_mm"]), c.MILLIMETRE)
        )
    if "size_mm" in finding:
        props.append(
            num_item("HAS PROPERTIES", c.DIAMETER, float(finding["size_mm"]), c.MILLIMETRE)
        )
    for morphology in finding.get("morphology") or ():
        value = _lookup(c.CALCIFICATION_TYPES, morphology, "calcification type")
        props.append(code_content("HAS PROPERTIES", c.CALCIFICATION_TYPE, value))
    if "distribution" in finding:
        value = _lookup(c.DISTRIBUTIONS, finding["distribution"], "distribution")
        props.append(code_content("HAS PROPERTIES", c.CALCIFICATION_DISTRIBUTION, value))
    if "correlation" in finding:
        value = _lookup(c.CORRELATIONS, finding["correlation"], "correlation")
        props.append(code_content("HAS PROPERTIES", c.CORRELATION, value))
    if "birads" in finding:
        props.append(code_content("HAS PROPERTIES", c.ASSESSMENT_CATEGORY, _category(finding)))
    props += _follow_up(finding)
    return code_content("CONTAINS", c.FINDING, kind, props)


def _overall(overall: Mapping[str, Any]) -> Dataset:
    if "birads" not in overall:
        raise CaseError("an overall assessment needs a birads category")
    children = [_side(overall["laterality"])] if "laterality" in overall else []
    return code_content(
        "CONTAINS", c.ASSESSMENT_CATEGORY, _category(overall), children + _follow_up(overall)
    )
