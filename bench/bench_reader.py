"""Reader throughput on one core, in reports per second, over the labelled corpus.

Also times a peer in the same run, a bare regular-expression negation baseline (split sentences,
look for 'no'/'not' before a finding word), and prints the ratio. Run: ``python -m bench.bench_reader``.
"""

from __future__ import annotations

import os
import re
import time

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
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in items:
            fn(item)
        done += len(items)
    return done / (time.perf_counter() - start)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    docs = [document_for(e) for e in load_entries()]
    read_report(docs[0])  # build the pipeline outside the timing
    reader = _rate(read_report, docs, 5.0)
    baseline = _rate(lambda d: _baseline(d.text), docs, 2.0)
    print(f"reader: {reader:.0f} reports/s on one core over {len(docs)} corpus reports")
    print(f"regex negation baseline: {baseline:.0f} reports/s; reader is {baseline / reader:.0f}x slower")


if __name__ == "__main__":
    main()
