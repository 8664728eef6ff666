"""Sections and sentences: split a report into sentences and normalise their wording.

Every sentence keeps its text as written (the evidence a coordinator sees) and a normalised,
lower-case form with abbreviations expanded and common typos repaired, which the rules read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rules.documents import Section
from rules.lexicon import abbreviations, load_yaml, spelling_vocabulary

# Upper-case labels written inline at the start of a line or sentence ("RIGHT:", "ASSESSMENT:").
_INLINE_LABEL = re.compile(r"^\s*([A-Z][A-Za-z/ -]{1,40}?)\s*:\s+")
_LINE_STARTS_NEW = re.compile(r"^\s*(?:[A-Z][A-Z/ -]{1,40}:|[-*\u2022]\s|\d{1,2}[.)]\s|[A-H][.)]\s|\(?[A-H]\)\s)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
# Dictation typed all in lower case ("bi-rads 0. rt mag views needed.") starts sentences in lower case.
_LOWER_CASE_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[a-z0-9(\"'])")
_SIDE_LABEL = re.compile(r"(?:right|left|rt|lt|bilateral)(?: breast)?", re.I)
_NO_SPLIT_AFTER = re.compile(r"(?:\b(?:dr|vs|approx|e\.g|i\.e|no|fig|st|mr|ms|mrs|cf|incl)\.)$", re.I)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report, where it sits, as written and as the rules read it."""

    index: int
    heading: str
    """The section heading as written (``Findings``), or the inline label when there is one."""
    section: str
    """What the section holds (``history``, ``findings``, ``impression``...; see sections.yaml)."""
    original: str
    text: str
    """Normalised lower-case text."""


@cache
def _heading_categories() -> dict[str, str]:
    table: dict[str, str] = {}
    for category, headings in load_yaml("sections.yaml").items():
        for heading in headings:
            table[heading.lower()] = category
    return table


def section_category(heading: str) -> str:
    """The kind of content a heading announces; ``other`` when unknown."""
    key = re.sub(r"[^a-z/ -]", "", heading.lower()).strip()
    return _heading_categories().get(key, "other")


def split_sentences(sections: tuple[Section, ...]) -> list[Sentence]:
    out: list[Sentence] = []
    for section in sections:
        category = section_category(section.heading) if section.heading else "findings"
        for chunk in _chunks(section.text):
            # "Left: new calcifications. BI-RADS 0." - a side label heads the rest of its line
            chunk_heading = section.heading
            for raw in _split_chunk(chunk):
                heading, sec = chunk_heading, category
                label = _INLINE_LABEL.match(raw)
                if label:
                    inline = section_category(label.group(1))
                    if inline not in ("other", "findings"):
                        heading, sec = label.group(1), inline
                    elif _SIDE_LABEL.fullmatch(label.group(1).strip()):
                        heading = chunk_heading = label.group(1)
                out.append(Sentence(len(out), heading, sec, raw, normalise(raw)))
    return out


def _chunks(text: str) -> list[str]:
    """Paragraphs and labelled lines; wrapped lines inside a paragraph are joined."""
    chunks: list[str] = []
    current: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            if current:
                chunks.append(" ".join(current))
                current = []
            continue
        if current and _LINE_STARTS_NEW.match(line):
            chunks.append(" ".join(current))
            current = []
        current.append(line.strip())
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_chunk(chunk: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    ends = _LOWER_CASE_SENTENCE_END if chunk == chunk.lower() else _SENTENCE_END
    for m in ends.finditer(chunk):
        head = chunk[start : m.start()]
        if _NO_SPLIT_AFTER.search(head):
            continue
        pieces.append(head.strip())
        start = m.end()
    pieces.append(chunk[start:].strip())
    return [p for p in pieces if p]


# --- normalisation -------------------------------------------------------------------------

@cache
def _abbreviation_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for a in abbreviations():
        flags = 0 if a.exact_case else re.I
        out.append((re.compile(rf"(?<![\w-]){re.escape(a.short)}(?![\w])", flags), a.expansion))
    return tuple(out)


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{4,}")


def normalise(sentence: str) -> str:
    text = sentence.translate(_QUOTES)
    text = re.sub(r"\bo\s?'?\s?clock\b", "o'clock", text, flags=re.I)
    for pattern, expansion in _abbreviation_patterns():
        text = pattern.sub(expansion, text)
    text = _WORD.sub(lambda m: repair_typo(m.group(0).lower()), text)
    return text.lower()


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=20000)
def repair_typo(word: str) -> str:
    """The lexicon word ``word`` was probably meant to be, or ``word`` itself.

    Only words of 6+ letters are repaired, to the closest vocabulary word with the same first
    letter within one edit (two for words of 9+ letters), so ordinary short words stay as written.
    """
    vocabulary = spelling_vocabulary()
    if len(word) < 6 or word in vocabulary:
        return word
    limit = 2 if len(word) >= 9 else 1
    best, best_distance = word, limit + 1
    for candidate in vocabulary:
        if candidate[0] != word[0]:
            continue
        d = _edit_distance(word, candidate, limit)
        if d < best_distance:
            best, best_distance = candidate, d
    return best
