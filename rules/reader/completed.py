"""Steps taken: a report saying the patient *was* referred to surgery, or *was seen* in surgical
consultation. A request for the step ('surgical consultation recommended') is a recommendation
(``recommendations.py``); this reads only the sentences that record it as done."""

from __future__ import annotations

import re

from rules.facts import CompletedStep, StepTaken
from rules.lexicon import any_match, pattern_list, patterns
from rules.reader.context import ReportText

_CLAUSE = re.compile(r";|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b")
# Every sentence recording one of these steps names it with one of these words; most have none.
_MAY_RECORD = re.compile(r"referr|seen|consult|met with|surgeon")


def read_completed_steps(report: ReportText) -> list[CompletedStep]:
    """One fact per step a sentence records as taken, on the breast the sentence is about."""
    out: list[CompletedStep] = []
    for i, sentence in enumerate(report.sentences):
        if not _MAY_RECORD.search(sentence.text):
            continue
        taken: list[StepTaken] = []
        for clause in _CLAUSE.split(sentence.text):
            for step in _steps_in(clause):
                if step not in taken:
                    taken.append(step)
        out += [CompletedStep(step, report.sentence_side(i), report.evidence(i)) for step in taken]
    return out


def _steps_in(clause: str) -> list[StepTaken]:
    found: list[StepTaken] = []
    for step, regexes in patterns("terms.yaml", "step_taken").items():
        match = any_match(regexes, clause)
        # A negation, a future or a request before the verb: the step is not (yet) taken.
        if match and not any_match(pattern_list("terms.yaml", "step_not_taken"), clause[: match.end()]):
            found.append(StepTaken(step))
    return found
