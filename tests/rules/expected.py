"""The examples' matching rules (examples README, "How expected items are matched"), applied to
evaluations, and a replay that evaluates after each event as the service would."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from rules.anatomy import Laterality
from rules.case import Case
from rules.evaluation import evaluate
from rules.facts import FindingType
from rules.items import ItemDecision

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "examples"
CASES = EXAMPLES / "cases"


def load_case(case_id: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / f"{case_id}.yaml").read_text(encoding="utf-8"))


def _type_matches(expected: str | None, item: ItemDecision) -> bool:
    if expected is None:
        return True
    if item.finding_type is None:
        return False
    if expected == "asymmetry":
        return item.finding_type.is_asymmetry
    return item.finding_type is FindingType(expected)


def _matches(entry: dict[str, Any], items: Sequence[ItemDecision]) -> list[ItemDecision]:
    """Items satisfying one expected entry ([] when none does)."""
    same = [
        i
        for i in items
        if i.kind.value == entry["kind"]
        and _type_matches(entry.get("finding_type"), i)
        and ("priority" not in entry or i.priority.value == entry["priority"])
    ]
    side = str(entry.get("laterality", "any"))
    if side in ("B", "any"):
        both = [i for i in same if i.laterality is Laterality.BOTH]
        if both:
            return both[:1]
        left = [i for i in same if i.laterality is Laterality.LEFT]
        right = [i for i in same if i.laterality is Laterality.RIGHT]
        if left and right:
            return [left[0], right[0]]
        if side == "any" and same:
            return same[:1]
        return []
    return [i for i in same if i.laterality is Laterality(side)][:1]


def check_final(expected: dict[str, Any], open_items: Sequence[ItemDecision]) -> list[str]:
    """Problems with the end state: missing open items and false positives of the listed kinds."""
    problems: list[str] = []
    matched: set[str] = set()
    for entry in expected.get("open") or []:
        found = _matches(entry, open_items)
        if not found:
            problems.append(
                f"expected open {entry}, open: {[(i.kind.value, i.laterality) for i in open_items]}"
            )
        matched |= {i.key for i in found}
    listed = (
        {e["kind"] for e in expected.get("open") or []}
        | set(expected.get("absent") or [])
        | {e["kind"] for e in expected.get("closed") or []}
    )
    for item in open_items:
        if item.kind.value in listed and item.key not in matched:
            problems.append(
                f"false positive: {item.kind.value} {item.laterality} {item.finding_type}"
            )
    return problems


def check_closed(expected: dict[str, Any], closed_items: Sequence[ItemDecision]) -> list[str]:
    return [
        f"expected closed {entry}"
        for entry in expected.get("closed") or []
        if not _matches(entry, closed_items)
    ]


def replay(steps: Iterable[tuple[datetime, Case]]) -> tuple[list[ItemDecision], list[ItemDecision]]:
    """Evaluate after each step; return (open at the end, items closed at the end).

    Closed, as the service stores them: open at some point and not at the end (resolved, or
    dismissed when no longer called for), or satisfied before they were ever seen open (the
    service records those as resolved: the step was needed and done, e.g. a pathology report that
    states concordance itself)."""
    ever: dict[str, ItemDecision] = {}
    final: tuple[ItemDecision, ...] = ()
    for now, case in steps:
        result = evaluate(case, now)
        final = result.open
        for item in (*result.open, *result.satisfied):
            ever.setdefault(item.key, item)
    open_keys = {i.key for i in final}
    return list(final), [i for k, i in ever.items() if k not in open_keys]
