"""The medspaCy pipeline, built once per process: target matcher plus ConText.

Sentence boundaries come from :mod:`rules.reader.text` (one spaCy Doc per report, with our
boundaries), so ConText's scopes never cross a sentence. Targets are the lexicon's finding terms
(labelled with the FindingType value) and pathology diagnoses (labelled ``lesion:<Lesion value>``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from rules.lexicon import load_yaml
from rules.reader.text import Sentence

_LOCK = threading.Lock()
_NLP: Any = None


@dataclass(frozen=True)
class Mention:
    """A lexicon term found in a sentence, with what ConText says of it."""

    label: str
    start: int
    end: int
    """Character offsets in the sentence's normalised text."""
    text: str
    negated: bool = False
    uncertain: bool = False
    hypothetical: bool = False
    historical: bool = False


def _build() -> Any:
    import loguru
    import medspacy
    from medspacy.context import ConTextRule
    from medspacy.ner import TargetRule

    loguru.logger.disable("PyRuSH")  # never let a library log report sentences
    nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher"])
    # Our own modifier rules only (context.yaml), not medspaCy's general clinical defaults.
    nlp.add_pipe("medspacy_context", config={"rules": None})
    targets = []
    for finding_type, phrases in load_yaml("findings.yaml").items():
        targets += [TargetRule(p, str(finding_type)) for p in phrases]
    for lesion, entry in load_yaml("pathology.yaml").items():
        targets += [TargetRule(t, f"lesion:{lesion}") for t in entry["terms"]]
    nlp.get_pipe("medspacy_target_matcher").add(targets)

    context = nlp.get_pipe("medspacy_context")
    rules = []
    for category, by_direction in load_yaml("context.yaml").items():
        for direction, literals in by_direction.items():
            rules += [ConTextRule(lit, category, direction=direction) for lit in literals]
    context.add(rules)
    return nlp


def nlp() -> Any:
    """The process-wide pipeline (built on first use; building takes about a quarter second)."""
    global _NLP
    if _NLP is None:
        with _LOCK:
            if _NLP is None:
                _NLP = _build()
    return _NLP


def analyse(sentences: list[Sentence]) -> list[tuple[Mention, ...]]:
    """Run the pipeline over all sentences of a report; one tuple of mentions per sentence."""
    if not sentences:
        return []
    pipeline = nlp()
    separator = " \n\n "
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for s in sentences:
        starts.append(offset)
        parts.append(s.text)
        offset += len(s.text) + len(separator)
    doc = pipeline.make_doc(separator.join(parts))
    start_set = set(starts)
    for i, token in enumerate(doc):
        token.is_sent_start = i == 0 or token.idx in start_set
    for _, component in pipeline.pipeline:
        doc = component(doc)

    per_sentence: list[list[Mention]] = [[] for _ in sentences]
    import bisect

    for ent in doc.ents:
        k = bisect.bisect_right(starts, ent.start_char) - 1
        base = starts[k]
        per_sentence[k].append(
            Mention(
                label=ent.label_,
                start=ent.start_char - base,
                end=ent.end_char - base,
                text=ent.text,
                negated=bool(ent._.is_negated),
                uncertain=bool(ent._.is_uncertain),
                hypothetical=bool(ent._.is_hypothetical),
                historical=bool(ent._.is_historical),
            )
        )
    return [tuple(m) for m in per_sentence]
