"""Reader throughput on one core, in reports per second, over the labelled corpus.

Also times a peer in the same run, a bare regular-expression negation baseline (split sentences,
look for 'no'/'not' before a finding word), and prints the ratio. Run: ``python -m bench.bench_reader``.
"""

from __future__ import annotations

import re
import time

from bench.common import Figure, Section, pin_to_one_core
from rules.reader import read_report
from tests.corpus.score import document_for, load_entries

_FINDING = re.compile(r"mass|calcif\w*|asymmetr\w*|distortion")
_NEG = re.compile(r"\b(?:no|not|without)\b[^.]*$")


def _baseline(text: str) -> int:
    hits = 0
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for m in _FINDING.finditer(sentence.lower()):
            if not _NEG.search(sentence.lower()[: m.start()]):
                hits += 1
    return hits


def _rate(fn, items, seconds: float) -> float:  # type: ignore[no-untyped-def]
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for item in items:
            fn(item)
        done += len(items)
    return done / (time.process_time() - start)


def measure(quick: bool = False) -> list[Section]:
    pin_to_one_core()
    docs = [document_for(e) for e in load_entries()]
    read_report(docs[0])  # build the pipeline outside the timing
    reader = _rate(read_report, docs, 1.0 if quick else 5.0)
    baseline = _rate(lambda d: _baseline(d.text), docs, 0.5 if quick else 2.0)
    return [Section(
        "Reader throughput (1 core)",
        "python -m bench.run --only bench_reader",
        "a bare regular-expression negation baseline over the same texts (no facts, no evidence)",
        [Figure("reports read", "reports/CPU-s", reader, baseline, target=">= 200 reports/s")],
        [f"Corpus: the {len(docs)} labelled reports in tests/corpus/reports, all kinds.",
         "The ratio shows what the full reader (medspaCy ConText, locations, sizes, evidence) "
         "costs over the cheapest possible negation check."],
    )]


def main() -> None:
    for section in measure():
        for figure in section.figures:
            print(f"{section.title}: {figure.ours:.0f} {figure.unit} "
                  f"(peer {figure.peer:.0f}, ratio {figure.ratio:.3f})")


if __name__ == "__main__":
    main()
