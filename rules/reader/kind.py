"""Which kind of report this is: radiology, procedure, pathology or rad-path correlation."""

from __future__ import annotations

import re
from functools import cache

from rules.codes import Code
from rules.documents import ReportDocument
from rules.facts import ReportKind
from rules.lexicon import any_match, load_yaml, pattern_list, patterns
from rules.reader.text import Sentence

_PATHOLOGY_HEADING = re.compile(r"final diagnosis|diagnosis|gross|microscopic|specimen")
_PERFORMED = re.compile(
    r"(?:guided|guidance)[a-z -]{0,40}(?:biops|sampl|cores?|vacuum|aspiration)|\d{1,2}[- ]?(?:gauge|g)\b"
    r"|(?:biopsy|sampling) (?:was|were) performed|(?:clip|marker)[a-z ]{0,20}(?:placed|deployed)"
)

_ASKS_FOR = re.compile(
    r"recommend|advis|suggest|should|consider|warrant|indicated|schedul|request|\bplan\b|"
    r"will be|to be performed|is planned|rather than",
    re.IGNORECASE,
)


@cache
def _title_codes() -> dict[Code, ReportKind]:
    out: dict[Code, ReportKind] = {}
    for kind, codes in load_yaml("kinds.yaml")["title_codes"].items():
        for scheme, value in codes:
            out[Code(scheme, value)] = ReportKind(kind)
    return out


def detect_kind(document: ReportDocument, sentences: list[Sentence], has_lesions: bool,
                has_concordance: bool) -> ReportKind:
    if document.title is not None and document.title in _title_codes():
        coded = _title_codes()[document.title]
        # Pathology and interventional titles are specific; a generic imaging title is not
        # (sites file procedure notes under it), so the text decides those.
        if coded in (ReportKind.PATHOLOGY, ReportKind.PROCEDURE):
            return coded
    headings = {s.heading.lower().strip() for s in sentences}
    by_heading = load_yaml("kinds.yaml")["headings"]
    # a pathologist's report: diagnosis sections with diagnoses, no procedure sections
    pathologist = bool(headings & set(by_heading["pathology"])) and has_lesions \
        and not headings & set(by_heading["procedure"])
    for title in (document.title_text, document.study_description):
        text = title.lower().strip()
        if not text or any_match(pattern_list("kinds.yaml", "generic_title"), text):
            continue
        for kind, regexes in patterns("kinds.yaml", "title").items():
            if any(r.search(text) for r in regexes):
                if kind == "procedure" and pathologist:
                    return ReportKind.PATHOLOGY  # "CORE BIOPSY REPORT" written by the pathologist
                return ReportKind(kind)
    if headings & set(by_heading["radpath"]):
        return ReportKind.RADPATH
    if has_concordance and has_lesions and not pathologist:
        return ReportKind.RADPATH  # a concordance verdict about a named pathology result
    body = " ".join(s.text for s in sentences)
    # "Recommend stereotactic-guided biopsy" asks for a procedure; it does not report one.
    performed = any(_PERFORMED.search(s.text) and not _ASKS_FOR.search(s.text) for s in sentences)
    if headings & set(by_heading["pathology"]) and has_lesions and not performed:
        return ReportKind.PATHOLOGY
    if headings & set(by_heading["procedure"]) or performed:
        return ReportKind.PROCEDURE
    if has_concordance:
        return ReportKind.PROCEDURE if document.predecessor_uids else ReportKind.RADPATH
    if has_lesions and any(_PATHOLOGY_HEADING.search(h) for h in headings):
        return ReportKind.PATHOLOGY
    if document.content is not None or any_match(pattern_list("kinds.yaml", "radiology_content"), body):
        return ReportKind.RADIOLOGY
    return ReportKind.RADIOLOGY
