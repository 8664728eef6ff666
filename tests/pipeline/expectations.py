"""Check stored items against a case's ``expected`` block, with the examples' matching rules:
kind and laterality (and finding type when given; ``asymmetry`` covers its variants), B or ``any``
accepting one bilateral item or one per breast, an open item of a listed kind matching nothing is a
false positive, ``closed`` entries need a resolved or dismissed item of that kind and side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CLOSED = ("resolved", "dismissed")


@dataclass(frozen=True)
class StoredItem:
    kind: str
    status: str
    laterality: str | None
    finding_type: str | None
    priority: str


def _side(value: Any) -> str:
    text = str(value).strip().upper()
    return {"LEFT": "L", "RIGHT": "R", "BILATERAL": "B", "BOTH": "B", "ANY": "B"}.get(text, text)


def _type_matches(expected: str | None, actual: str | None) -> bool:
    if not expected:
        return True
    if actual is None:
        return False
    if expected == "asymmetry":
        return actual.endswith("asymmetry")
    return actual == expected


def _candidates(entry: dict[str, Any], items: Sequence[StoredItem]) -> list[StoredItem]:
    side = _side(entry.get("laterality", "any"))
    found = []
    for item in items:
        if item.kind != entry["kind"] or not _type_matches(entry.get("finding_type"), item.finding_type):
            continue
        if entry.get("priority") and item.priority != entry["priority"]:
            continue
        if side == "B" or item.laterality == side:
            found.append(item)
    return found


def problems(expected: dict[str, Any], items: Sequence[StoredItem], check_closed: bool) -> list[str]:
    open_items = [i for i in items if i.status not in CLOSED]
    closed_items = [i for i in items if i.status in CLOSED]
    found: list[str] = []
    matched: set[int] = set()
    for entry in expected.get("open", []):
        candidates = [i for i in _candidates(entry, open_items) if id(i) not in matched]
        if not candidates:
            found.append(f"missing open {entry}")
            continue
        side = _side(entry.get("laterality", "any"))
        take = candidates if side == "B" else candidates[:1]
        matched.update(id(i) for i in take)
    listed = {e["kind"] for e in expected.get("open", []) + expected.get("closed", [])}
    listed |= set(expected.get("absent", []))
    for item in open_items:
        if item.kind in listed and id(item) not in matched:
            found.append(f"unexpected open {item.kind} {item.laterality} {item.finding_type}")
    if check_closed:
        for entry in expected.get("closed", []):
            if not _candidates(entry, closed_items):
                found.append(f"missing closed {entry}")
    return found
