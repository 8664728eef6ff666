"""Precision and recall of the report reader over the labelled corpus, per fact type.

Run: ``python -m tests.corpus.score`` (``--json`` for machine-readable output, ``--misses`` to list
the entries behind each miss). Scoring rules follow the corpus format description: findings match on
(type, laterality) in radiology reports; their attributes are separate rows over matched findings;
procedures on (guidance, laterality); correspondences on relation; pathology on (category,
laterality); concordance on verdict; recommendations on (kind, laterality); assessments on
(category, laterality); composition on its value.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rules.documents import ReportDocument, Section
from rules.facts import ReportFacts
from rules.reader import read_report

REPORTS = Path(__file__).resolve().parent / "reports"
HELDOUT = Path(__file__).resolve().parent / "heldout"
"""Reports written before a round's reader changes and never tuned on, scored on their own."""


@dataclass
class Row:
    predictions: int = 0
    matched_predictions: int = 0
    labels: int = 0
    matched_labels: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched_predictions / self.predictions if self.predictions else 1.0

    @property
    def recall(self) -> float:
        return self.matched_labels / self.labels if self.labels else 1.0


def load_entries(folder: Path = REPORTS) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        entries.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return entries


def in_split(entry_id: str, split: str) -> bool:
    """Deterministic split: ids whose numeric suffix is divisible by 4 are held out, the rest are dev."""
    if split == "all":
        return True
    digits = re.search(r"(\d+)$", entry_id)
    heldout = digits is not None and int(digits.group(1)) % 4 == 0
    return heldout if split == "heldout" else not heldout


def document_for(entry: dict[str, Any]) -> ReportDocument:
    sections = tuple(Section(str(h), str(t)) for h, t in (entry.get("sections") or {}).items())
    predecessor = entry.get("predecessor")
    return ReportDocument(
        uid=str(entry["id"]),
        title_text=str(entry.get("title") or ""),
        sections=sections,
        predecessor_uids=(str(predecessor),) if predecessor else (),
    )


def _v(x: Any) -> Any:
    """A fact value in label form: enum values, floats for numbers, '' for missing."""
    if x is None:
        return ""
    if hasattr(x, "value"):
        return x.value
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        return float(x)
    return str(x)


_TEXT_KEYS = {"category", "birads", "composition"}


def _label(x: Any, key: str = "") -> Any:
    if x is None:
        return ""
    if key in _TEXT_KEYS:
        return str(x)
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        return float(x)
    return str(x)


def _match(labels: list[dict[str, Any]], predictions: list[dict[str, Any]], key: tuple[str, ...],
           attrs: tuple[str, ...]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Pair each label with an unused prediction of the same key, best attribute agreement first."""
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for lab in labels:
        best, best_score = None, -1
        for k, pred in enumerate(predictions):
            if k in used or any(_label(lab.get(a), a) != pred.get(a, "") for a in key):
                continue
            score = sum(1 for a in attrs if a in lab and _label(lab[a], a) == pred.get(a, ""))
            if score > best_score:
                best, best_score = k, score
        if best is not None:
            used.add(best)
        pairs.append((lab, predictions[best] if best is not None else None))
    return pairs


def _score_list(rows: dict[str, Row], name: str, entry_id: str, labels: list[dict[str, Any]],
                predictions: list[dict[str, Any]], key: tuple[str, ...], attrs: tuple[str, ...] = (),
                equal: dict[str, Callable[[Any, Any], bool]] | None = None) -> None:
    equal = equal or {}
    pairs = _match(labels, predictions, key, attrs)
    row = rows[name]
    row.labels += len(labels)
    row.predictions += len(predictions)
    matched = sum(1 for _, p in pairs if p is not None)
    row.matched_labels += matched
    row.matched_predictions += matched
    if matched < len(labels) or matched < len(predictions):
        missing = [tuple(_label(lab.get(a), a) for a in key) for lab, p in pairs if p is None]
        row.misses.append(f"{entry_id}: missed {missing}; predicted {[tuple(p.get(a) for a in key) for p in predictions]}")
    for attr in attrs:
        attr_row = rows[f"{name}.{attr}"]
        for lab, pred in pairs:
            if pred is None or attr not in lab:
                continue
            attr_row.labels += 1
            got = pred.get(attr, "")
            if got == "" or got == ():
                attr_row.misses.append(f"{entry_id}: {attr} missing, want {lab[attr]}")
                continue
            attr_row.predictions += 1
            same = equal.get(attr, lambda a, b: _label(a, attr) == b)(lab[attr], got)
            if same:
                attr_row.matched_labels += 1
                attr_row.matched_predictions += 1
            else:
                attr_row.misses.append(f"{entry_id}: {attr} {got!r}, want {lab[attr]!r}")


def _close(a: Any, b: Any) -> bool:
    return abs(float(a) - float(b)) <= 1.0


def _same_set(a: Any, b: Any) -> bool:
    return set(map(str, a)) == set(b)


def predicted(facts: ReportFacts) -> dict[str, list[dict[str, Any]]]:
    return {
        "findings": [
            {"type": _v(f.type), "laterality": _v(f.laterality), "clock": _v(f.location.clock),
             "quadrant": _v(f.location.quadrant), "depth": _v(f.location.depth),
             "nipple_mm": _v(f.location.nipple_distance_mm), "size_mm": _v(f.size_mm),
             "birads": _v(f.birads), "uncertain": f.certainty.value == "uncertain", "palpable": f.palpable}
            for f in facts.findings
        ],
        "assessments": [{"category": _v(a.category), "laterality": _v(a.laterality)} for a in facts.assessments],
        "recommendations": [
            {"kind": _v(r.kind), "laterality": _v(r.laterality), "guidance": _v(r.guidance),
             "interval_months": _v(r.interval_months)}
            for r in facts.recommendations
        ],
        "procedures": [
            {"guidance": _v(p.guidance), "laterality": _v(p.laterality), "target_type": _v(p.target_type),
             "clock": _v(p.target_location.clock), "clip_placed": _v(p.clip_placed),
             "specimen_radiograph": _v(p.specimen_radiograph), "state": _v(p.state)}
            for p in facts.procedures
        ],
        "correspondences": [
            {"relation": _v(c.relation), "finding_type": _v(c.finding_type), "laterality": _v(c.laterality)}
            for c in facts.correspondences
        ],
        "not_feasible": [{"guidance": _v(n.guidance), "laterality": _v(n.laterality)} for n in facts.not_feasible],
        "pathology": [
            {"category": _v(p.category), "laterality": _v(p.laterality), "clock": _v(p.location.clock),
             "lesions": tuple(x.value for x in p.lesions), "calcifications": _v(p.calcifications)}
            for p in facts.pathology
        ],
        "concordance": [{"verdict": _v(c.verdict)} for c in facts.concordance],
        "corrections": [
            {"what": _v(c.kind), "laterality": _v(c.laterality), "clock": _v(c.location.clock),
             "depth": _v(c.location.depth), "finding_type": _v(c.finding_type)}
            for c in facts.corrections
        ],
        "palpable": [
            {"laterality": _v(p.laterality), "clock": _v(p.location.clock), "explained": _v(p.explained)}
            for p in facts.palpable
        ],
    }


def score(entries: Iterable[dict[str, Any]]) -> dict[str, Row]:
    rows: dict[str, Row] = defaultdict(Row)
    for entry in entries:
        facts = read_report(document_for(entry))
        expect = entry.get("expect") or {}
        pred = predicted(facts)
        eid = str(entry["id"])
        kind_row = rows["kind"]
        kind_row.labels += 1
        kind_row.predictions += 1
        if facts.kind.value == entry.get("kind"):
            kind_row.matched_labels += 1
            kind_row.matched_predictions += 1
        else:
            kind_row.misses.append(f"{eid}: {facts.kind.value}, want {entry.get('kind')}")
        if entry.get("kind") == "radiology":
            _score_list(rows, "finding", eid, expect.get("findings") or [], pred["findings"],
                        ("type", "laterality"),
                        ("clock", "quadrant", "depth", "nipple_mm", "size_mm", "birads", "uncertain", "palpable"),
                        {"nipple_mm": _close, "size_mm": _close})
        _score_list(rows, "assessment", eid, expect.get("assessments") or [], pred["assessments"],
                    ("category", "laterality"))
        _score_list(rows, "recommendation", eid, expect.get("recommendations") or [], pred["recommendations"],
                    ("kind", "laterality"), ("guidance", "interval_months"))
        # a procedure is performed unless its label says it was only attempted
        procedures = [{"state": "performed", **p} for p in expect.get("procedures") or []]
        _score_list(rows, "procedure", eid, procedures, pred["procedures"],
                    ("guidance", "laterality", "state"), ("target_type", "clip_placed", "specimen_radiograph"))
        _score_list(rows, "correction", eid, expect.get("corrections") or [], pred["corrections"],
                    ("what",), ("laterality", "clock", "depth", "finding_type"))
        _score_list(rows, "correspondence", eid, expect.get("correspondences") or [], pred["correspondences"],
                    ("relation",), ("finding_type",))
        _score_list(rows, "not_feasible", eid, expect.get("not_feasible") or [], pred["not_feasible"],
                    ("guidance", "laterality"))
        _score_list(rows, "pathology", eid, expect.get("pathology") or [], pred["pathology"],
                    ("category", "laterality"), ("lesions", "calcifications"), {"lesions": _same_set})
        _score_list(rows, "concordance", eid, expect.get("concordance") or [], pred["concordance"], ("verdict",))
        _score_list(rows, "palpable", eid, expect.get("palpable") or [], pred["palpable"],
                    ("laterality",), ("explained",))
        want = expect.get("composition")
        got = _v(facts.composition)
        comp = rows["composition"]
        comp.labels += 1 if want else 0
        comp.predictions += 1 if got else 0
        if want and got == str(want):
            comp.matched_labels += 1
            comp.matched_predictions += 1
        elif want or got:
            comp.misses.append(f"{eid}: {got!r}, want {want!r}")
    return dict(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--misses", action="store_true", help="list the entries behind each miss")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all",
                        help="score the dev part, the held-out part (id suffix divisible by 4) or all")
    parser.add_argument("--corpus", choices=("reports", "heldout"), default="reports",
                        help="the labelled corpus (split by id) or the held-out reports of the last round")
    args = parser.parse_args(argv)
    folder = HELDOUT if args.corpus == "heldout" else REPORTS
    entries = [e for e in load_entries(folder) if args.corpus == "heldout" or in_split(str(e["id"]), args.split)]
    rows = score(entries)
    if args.json:
        print(json.dumps({
            "split": args.split,
            "reports": len(entries),
            "rows": {k: {"precision": round(r.precision, 4), "recall": round(r.recall, 4),
                         "labels": r.labels, "predictions": r.predictions} for k, r in sorted(rows.items())},
        }, indent=2))
        return
    print(f"{len(entries)} reports ({args.corpus if args.corpus == 'heldout' else args.split})")
    print(f"{'fact':34} {'labels':>6} {'preds':>6} {'precision':>9} {'recall':>7}")
    for name, r in sorted(rows.items()):
        print(f"{name:34} {r.labels:6d} {r.predictions:6d} {r.precision:9.3f} {r.recall:7.3f}")
        if args.misses:
            for m in r.misses:
                print("    " + m)


if __name__ == "__main__":
    main()
