"""The audit's numbers, each with the examinations behind it.

Definitions: ACR BI-RADS Atlas 5th ed., follow-up and outcome monitoring. Benchmarks: the Atlas's
acceptable ranges for screening (recall 5-12%, cancer detection >= 2.5 per 1,000, PPV1 3-8%, PPV2
20-40%, PPV3 20-45%) and the BCSC medians for screening digital mammography (Lehman et al.,
Radiology 2017: recall 11.6%, CDR 5.1 per 1,000, PPV1 4.4%, PPV2 25.6%, PPV3 28.6%, sensitivity
86.9%, specificity 88.9%).

- The recall (abnormal interpretation) rate counts every examination of the period.
- Every number that needs an outcome (cancer detection, PPVs, TP/FP/TN/FN, sensitivity,
  specificity, cancer characteristics) counts only examinations whose year has passed; the others
  are counted apart as *outcome pending*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rules.audit.characteristics import CancerType, NodeStatus, SizeClass
from rules.audit.exams import Purpose
from rules.audit.outcomes import ExamOutcome, Outcome

PERCENT = 100.0
PER_THOUSAND = 1000.0


@dataclass(frozen=True)
class Benchmark:
    low: float | None = None
    high: float | None = None
    median: float | None = None

    @property
    def text(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g}-{self.high:g}"
        if self.low is not None:
            return f">= {self.low:g}"
        return ""


SCREENING_BENCHMARKS: dict[str, Benchmark] = {
    "recall_rate": Benchmark(5, 12, 11.6),
    "cdr": Benchmark(2.5, None, 5.1),
    "ppv1": Benchmark(3, 8, 4.4),
    "ppv2": Benchmark(20, 40, 25.6),
    "ppv3": Benchmark(20, 45, 28.6),
    "sensitivity": Benchmark(None, None, 86.9),
    "specificity": Benchmark(None, None, 88.9),
}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    numerator: tuple[str, ...]
    """Uids of the examinations counted above the line."""
    denominator: tuple[str, ...]
    scale: float = PERCENT
    benchmark: Benchmark | None = None

    @property
    def value(self) -> float | None:
        """None when nothing is below the line: not computable, never shown as 0."""
        if not self.denominator:
            return None
        return len(self.numerator) * self.scale / len(self.denominator)

    @property
    def unit(self) -> str:
        return "%" if self.scale == PERCENT else "per 1,000"

    @property
    def within(self) -> bool | None:
        value, bench = self.value, self.benchmark
        if value is None or bench is None or (bench.low is None and bench.high is None):
            return None
        return ((bench.low is None or value >= bench.low)
                and (bench.high is None or value <= bench.high))

    @property
    def shown(self) -> str:
        value = self.value
        return "not computable" if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    exams: tuple[str, ...]

    @property
    def value(self) -> int:
        return len(self.exams)


@dataclass
class Summary:
    """One purpose's audit for one group (the facility, or one interpreting physician)."""

    purpose: Purpose
    reader: str | None
    counts: list[Count] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    characteristics: list[Count] = field(default_factory=list)
    lost: list[ExamOutcome] = field(default_factory=list)

    def lists(self) -> dict[str, tuple[str, ...]]:
        """Every number's examinations by its key (``cdr.numerator``, ``tp``...), for links."""
        found = {c.key: c.exams for c in [*self.counts, *self.characteristics]}
        for m in self.metrics:
            found[f"{m.key}.numerator"] = m.numerator
            found[f"{m.key}.denominator"] = m.denominator
        return found


_OUTCOME_KEYS = {Outcome.TRUE_POSITIVE: "tp", Outcome.FALSE_POSITIVE: "fp",
                 Outcome.TRUE_NEGATIVE: "tn", Outcome.FALSE_NEGATIVE: "fn"}
_TYPE_KEYS = {CancerType.INVASIVE: "invasive", CancerType.DCIS: "dcis",
              CancerType.NOT_STATED: "type_not_stated"}
_SIZE_KEYS = {SizeClass.MINIMAL: "invasive_small", SizeClass.LARGER: "invasive_large",
              SizeClass.NOT_STATED: "size_not_stated"}
_NODE_KEYS = {NodeStatus.NEGATIVE: "node_negative", NodeStatus.POSITIVE: "node_positive",
              NodeStatus.NOT_STATED: "nodes_not_stated"}


def _sort(rows: Sequence[ExamOutcome], purpose: Purpose) -> tuple[dict[str, list[str]],
                                                                    list[ExamOutcome]]:
    """One pass over the examinations: each one's uid into every list it belongs to."""
    lists: dict[str, list[str]] = defaultdict(list)
    lost: list[ExamOutcome] = []
    for r in rows:
        exam = r.exam
        if exam.purpose is not purpose:
            continue
        uid = exam.uid
        lists["exams"].append(uid)
        if exam.positive:
            lists["positive"].append(uid)
        if r.lost_to_follow_up:
            lists["lost"].append(uid)
            lost.append(r)
        if not r.window_closed:
            lists["pending"].append(uid)
            if r.has_cancer:
                lists["pending_cancers"].append(uid)
            continue
        lists["closed"].append(uid)
        if exam.positive:
            lists["closed_positive"].append(uid)
            if r.tissue_recommended:
                lists["recommended"].append(uid)
        if r.biopsied:
            lists["biopsied"].append(uid)
        key = _OUTCOME_KEYS[r.outcome]
        lists[key].append(uid)
        if key != "tp" or r.cancer is None:
            continue
        if exam.positive and r.tissue_recommended:
            lists["tp_recommended"].append(uid)
        if r.biopsied:
            lists["tp_biopsied"].append(uid)
        lists[_TYPE_KEYS[r.cancer.type]].append(uid)
        if r.cancer.type is CancerType.INVASIVE:
            lists[_SIZE_KEYS[r.cancer.size]].append(uid)
            lists[_NODE_KEYS[r.cancer.nodes]].append(uid)
    return lists, lost


def summarize(rows: Sequence[ExamOutcome], purpose: Purpose, reader: str | None = None
              ) -> Summary:
    """The audit of ``rows`` (examinations already chosen by period and reader) for one
    purpose."""
    lists, lost = _sort(rows, purpose)

    def uids(key: str) -> tuple[str, ...]:
        return tuple(lists.get(key, ()))

    bench = SCREENING_BENCHMARKS if purpose is Purpose.SCREENING else {}
    tp, fp, tn, fn = uids("tp"), uids("fp"), uids("tn"), uids("fn")
    summary = Summary(purpose, reader, lost=lost)
    summary.counts = [Count(key, label, uids(key)) for key, label in (
        ("exams", "examinations"), ("positive", "positive (abnormal interpretation)"),
        ("closed", "outcome known (year passed)"),
        ("pending", "outcome pending (year not passed)"),
        ("pending_cancers", "of which cancer already found"),
        ("tp", "true positive"), ("fp", "false positive"), ("tn", "true negative"),
        ("fn", "false negative"), ("lost", "lost to follow-up"))]
    rate_label = "recall rate" if purpose is Purpose.SCREENING else "abnormal interpretation rate"
    metrics = [Metric("recall_rate", rate_label, uids("positive"), uids("exams"), PERCENT,
                      bench.get("recall_rate")),
               Metric("cdr", "cancer detection rate", tp, uids("closed"), PER_THOUSAND,
                      bench.get("cdr"))]
    if purpose is Purpose.SCREENING:
        metrics.append(Metric("ppv1", "PPV1 (abnormal interpretation)", tp,
                              uids("closed_positive"), PERCENT, bench.get("ppv1")))
    metrics += [
        Metric("ppv2", "PPV2 (tissue diagnosis recommended)", uids("tp_recommended"),
               uids("recommended"), PERCENT, bench.get("ppv2")),
        Metric("ppv3", "PPV3 (biopsy performed)", uids("tp_biopsied"), uids("biopsied"),
               PERCENT, bench.get("ppv3")),
        Metric("sensitivity", "sensitivity", tp, tp + fn, PERCENT, bench.get("sensitivity")),
        Metric("specificity", "specificity", tn, tn + fp, PERCENT, bench.get("specificity")),
    ]
    summary.metrics = metrics
    summary.characteristics = [Count(key, label, uids(key)) for key, label in (
        ("invasive", "invasive"), ("dcis", "DCIS"), ("type_not_stated", "type not stated"),
        ("invasive_small", "invasive <= 10 mm"), ("invasive_large", "invasive > 10 mm"),
        ("size_not_stated", "invasive, size not stated"),
        ("node_negative", "invasive, node-negative"),
        ("node_positive", "invasive, node-positive"),
        ("nodes_not_stated", "invasive, nodes not stated"))]
    return summary


def in_period(rows: Iterable[ExamOutcome], start: datetime, end: datetime,
              reader: str | None = None) -> list[ExamOutcome]:
    """Examinations performed from ``start`` (included) to ``end`` (excluded), of one reader when
    given."""
    return [r for r in rows if start <= r.exam.performed_at < end
            and (reader is None or r.exam.reader == reader)]


def quarters(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """Calendar quarters overlapping [start, end), each cut to the period: (label, from, to)."""
    found = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        q_start = start.replace(year=year, month=quarter * 3 + 1, day=1, hour=0, minute=0,
                                second=0, microsecond=0)
        if q_start >= end:
            return found
        q_end = q_start.replace(year=year + 1, month=1) if quarter == 3 else \
            q_start.replace(month=quarter * 3 + 4)
        found.append((f"{year} Q{quarter + 1}", max(q_start, start), min(q_end, end)))
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
