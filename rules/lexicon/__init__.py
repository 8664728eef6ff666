"""The breast imaging lexicon as data.

Terms, synonyms, abbreviations, typo-repair vocabulary, ConText modifier rules and DICOM code tables
live in the YAML / TSV / text files beside this module, so a radiologist can add a term without
touching code. Each loader reads its file once (``importlib.resources``) and caches the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rules.codes import Code


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def load_yaml(name: str) -> Any:
    return yaml.safe_load(_read(name))


@dataclass(frozen=True)
class Abbreviation:
    short: str
    expansion: str
    exact_case: bool


@cache
def abbreviations() -> tuple[Abbreviation, ...]:
    rows: list[Abbreviation] = []
    for line in _read("abbreviations.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        short, expansion, case = line.split("\t")
        rows.append(Abbreviation(short, expansion, case.strip() == "exact"))
    return tuple(rows)


@cache
def spelling_vocabulary() -> frozenset[str]:
    return frozenset(
        w.strip() for w in _read("spelling.txt").splitlines() if w.strip() and not w.startswith("#")
    )


@cache
def code_table(table: str) -> dict[Code, str]:
    """One TID 4200 code table: ``Code(scheme, value)`` -> the reader's target value."""
    out: dict[Code, str] = {}
    for line in _read("codes.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[0] == table:
            out[Code(cells[1], cells[2], cells[4] if len(cells) > 4 else "")] = cells[3]
    return out


@cache
def patterns(file: str, key: str) -> dict[str, tuple[re.Pattern[str], ...]]:
    """A mapping vocabulary (value -> regexes) from a YAML file, compiled, in file order."""
    section = load_yaml(file)[key]
    return {str(k): tuple(re.compile(p) for p in v) for k, v in section.items()}


@cache
def pattern_list(file: str, key: str) -> tuple[re.Pattern[str], ...]:
    """A flat list of regexes from a YAML file, compiled."""
    return tuple(re.compile(p) for p in load_yaml(file)[key])


def first_key(table: dict[str, tuple[re.Pattern[str], ...]], text: str) -> str | None:
    """The first value in ``table`` whose patterns match ``text``."""
    for value, regexes in table.items():
        if any(r.search(text) for r in regexes):
            return value
    return None


def any_match(regexes: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    for r in regexes:
        m = r.search(text)
        if m:
            return m
    return None
