"""Fuzzing the reader and the rules with the story cases' documents: random reorderings,
duplications and deletions (seeded, bounded in time).

Documents are added one at a time in the fuzzed order and the case is evaluated after each, as
the service does. Nothing may raise, and no item may close unless facts close it: an item open after
one arrival is, after the next, still open, satisfied with closing evidence, or carried over to the
one new item about the same step (kind, breast, finding: the service re-keys it, e.g. a biopsy
known from its pathology whose procedure report arrives). The only other ways out: a document
amending the one the item's evidence came from (a correction may withdraw what it said), and the
arrival of the record whose absence a review named ("no biopsy on record matches it"). People's
decisions are not part of these cases, so any other disappearance would be the rules dropping an
item whose evidence still stands.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
import yaml

from rules.addenda import STATED
from rules.case import Case
from rules.documents import ImageRecord, Section
from rules.evaluation import evaluate
from rules.geometry import sides_compatible
from rules.facts import PathologyCategory, ReportFacts
from rules.items import Evaluation, ItemDecision, ItemKind
from tests.rules.factories import DAY0
from rules.reader import read_report
from tests.rules.test_examples import _document, events_through_reader

CASES = Path(__file__).resolve().parents[1] / "cases"
SEED = int(os.environ.get("WORKLIST_FUZZ_SEED", "20261204"))
BUDGET_SECONDS = float(os.environ.get("WORKLIST_FUZZ_SECONDS", "20"))
NOW = DAY0 + timedelta(days=1)  # after every story's last event

Document = ReportFacts | ImageRecord
MISSING_LINK = "on record matches it"
"""How a review that stands on a missing record names it (rules.pathways.biopsy.missing_link)."""


@cache
def _documents(path: Path) -> tuple[Document, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(e for _, e in events_through_reader(data))


def _stories() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def _fuzzed(rng: random.Random, docs: Sequence[Document]) -> list[Document]:
    """Some documents deleted, some received twice, all in a random order."""
    kept = [d for d in docs if rng.random() > 0.2] or list(docs[:1])
    kept += [rng.choice(kept) for _ in range(rng.randint(0, 3))]
    rng.shuffle(kept)
    return kept


def _case(docs: Sequence[Document]) -> Case:
    return Case(
        tuple(d for d in docs if isinstance(d, ReportFacts)),
        tuple(d for d in docs if isinstance(d, ImageRecord)),
    )


def _subject(item: ItemDecision) -> tuple[str, object, str | None]:
    return (item.kind.value, item.laterality, item.finding_key)


def _carries_on(item: ItemDecision, newcomer: ItemDecision) -> bool:
    """The newcomer asks for the same step, for that breast (or one not yet known), on evidence
    the item had: a procedure report naming the side of a biopsy an addendum described first."""
    return (
        newcomer.kind is item.kind
        and sides_compatible(newcomer.laterality, item.laterality)
        and bool(set(item.evidence) & set(newcomer.evidence))
    )


def _dropped(before: Evaluation, after: Evaluation, arrived: Document) -> list[ItemDecision]:
    """Items open before the arrival that it closed without evidence."""
    now_there = {i.key for i in (*after.open, *after.satisfied)}
    newcomers = [i for i in (*after.open, *after.satisfied) if i.key not in {
        j.key for j in (*before.open, *before.satisfied)}]
    amended = set(arrived.predecessor_uids) if isinstance(arrived, ReportFacts) else set()
    orphans = [i for i in before.open if i.key not in now_there]
    dropped = []
    for item in orphans:
        successors = [n for n in newcomers if _subject(n) == _subject(item)]
        rivals = [o for o in orphans if _subject(o) == _subject(item)]
        if len(successors) == 1 and len(rivals) == 1:
            continue  # re-keyed: the service carries the item over
        if any(_carries_on(item, n) for n in newcomers):
            continue  # the same step on the same evidence under a new key (an earlier report of
            # the finding arrived late, and the finding's key comes from its earliest sentence)
        if amended & {e.source_uid for e in item.evidence}:
            continue  # its evidence was amended
        if item.kind is ItemKind.CORRELATION_REVIEW and MISSING_LINK in item.next_step:
            continue  # it stood on a record's absence, and the record arrived
        dropped.append(item)
    return dropped


def test_fuzzed_documents_never_raise_and_never_drop_an_item_with_its_evidence_standing() -> None:
    rng = random.Random(SEED)
    stories = _stories()
    assert stories, "the story cases are missing"
    for path in stories:
        _documents(path)  # read once, outside the time budget: the budget is for the rules
    deadline = time.monotonic() + BUDGET_SECONDS
    problems: list[str] = []
    trials = 0
    while time.monotonic() < deadline and len(problems) < 10:
        path = rng.choice(stories)
        order = _fuzzed(rng, _documents(path))
        trials += 1
        received: list[Document] = []
        before = evaluate(_case(received), NOW)
        for doc in order:
            received.append(doc)
            after = evaluate(_case(received), NOW)
            for item in _dropped(before, after, doc):
                problems.append(
                    f"{path.stem} trial {trials}: {item.kind.value} {item.laterality} "
                    f"{item.finding_type} dropped when {getattr(doc, 'source_uid', None) or doc} arrived"
                )
            before = after
        # The end state does not depend on the order or on repeats.
        unique = list(dict.fromkeys(order))
        assert evaluate(_case(sorted(unique, key=repr)), NOW) == before, path.stem
    assert trials >= 10, f"only {trials} trials in {BUDGET_SECONDS}s"
    assert not problems, "\n".join(problems)


def test_every_cancer_of_the_stories_has_its_referral_in_any_subset_of_documents() -> None:
    """The safety net's property on real wording: whatever documents are missing, each malignant
    result read from a story is cited by a malignancy-referral item, open or closed by evidence,
    and by a concordance-pending item."""
    rng = random.Random(SEED + 1)
    checked = 0
    for path in _stories():
        docs = _documents(path)
        for _ in range(3):
            kept = _fuzzed(rng, docs)
            result = evaluate(_case(kept), NOW)
            items = (*result.open, *result.satisfied)
            for report in {d for d in kept if isinstance(d, ReportFacts)}:
                for specimen in report.pathology:
                    if specimen.category is not PathologyCategory.MALIGNANT:
                        continue
                    checked += 1
                    for kind in (ItemKind.MALIGNANCY_REFERRAL, ItemKind.CONCORDANCE_PENDING):
                        about = [i for i in items if i.kind is kind and specimen.evidence in i.evidence]
                        assert about, f"{path.stem}: no {kind.value} for {specimen.evidence.text!r}"
                        assert all(i.is_open or i.closing_evidence for i in about)
    assert checked, "no story has a malignant result"


_SENTENCE_END = re.compile(r"(?<=[.;:])\s+")


def _mutated_text(rng: random.Random, text: str) -> str:
    """The section's sentences reordered, some repeated, some dropped."""
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    kept = [s for s in sentences if rng.random() > 0.2] or sentences[:1]
    kept += [rng.choice(kept) for _ in range(rng.randint(0, 2))] if kept else []
    rng.shuffle(kept)
    return " ".join(kept)


def test_the_reader_never_raises_on_reordered_repeated_or_missing_sentences() -> None:
    """Each fact the reader finds in a mangled report quotes a sentence of that report."""
    rng = random.Random(SEED + 2)
    reports = []
    for path in _stories():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        uids: dict[str, str] = {}
        for index, event in enumerate(data["events"]):
            if event["kind"] == "report" and str(event.get("sr", "")).lower() != "enhanced":
                reports.append(_document(str(data["id"]), index, event, uids))
    read_report(reports[0])  # builds the language pipeline, outside the time budget
    deadline = time.monotonic() + BUDGET_SECONDS / 2
    read = 0
    while time.monotonic() < deadline:
        document = rng.choice(reports)
        sections = tuple(Section(s.heading, _mutated_text(rng, s.text)) for s in document.sections)
        facts = read_report(dataclasses.replace(document, sections=sections))
        text = " ".join(s.text for s in sections)
        for name in STATED:
            for fact in getattr(facts, name):
                assert fact.evidence.source_uid == document.uid
                assert fact.evidence.text.strip()[:20] in text, (name, fact.evidence.text)
        read += 1
    assert read >= 5, f"only {read} reports read in {BUDGET_SECONDS / 2}s"
