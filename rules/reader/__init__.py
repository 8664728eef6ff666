"""The report reader: a report (free text with its sections, or TID 4200 coded content) in, typed
facts out, each carrying its evidence (the document UID and the sentence or coded item).

Public API: :func:`read_report` and :func:`read_text`.
"""

from __future__ import annotations

from rules.documents import ReportDocument, Section
from rules.facts import (
    Assessment,
    FindingType,
    Recommendation,
    ReportFacts,
    ReportKind,
)
from rules.reader.assessments import read_assessments, read_composition
from rules.reader.coded import CodedFacts, read_coded
from rules.reader.concordance import read_concordance, read_correspondences
from rules.reader.context import ReportText, report_default_side, title_side
from rules.reader.findings import _Draft, compatible_location, freeze_all, read_findings, same_family
from rules.reader.kind import detect_kind
from rules.reader.palpable import read_palpable
from rules.reader.pathology import read_pathology
from rules.reader.pipeline import analyse
from rules.reader.procedures import read_not_feasible, read_procedures
from rules.reader.recommendations import read_recommendations
from rules.reader.sections import split_plain_text
from rules.reader.text import split_sentences

__all__ = ["read_report", "read_text"]


def read_text(text: str, uid: str = "text", title: str = "") -> ReportFacts:
    """Read plain report text; lines like ``Findings:`` start sections."""
    return read_report(ReportDocument(uid=uid, title_text=title, sections=split_plain_text(text)))


def read_report(document: ReportDocument) -> ReportFacts:
    sentences = split_sentences(document.sections)
    mentions = analyse(sentences)
    title = " ".join(t for t in (document.title_text, document.study_description) if t)
    report = ReportText(document.uid, sentences, mentions, report_default_side(title, sentences), title_side(title))

    has_lesions = any(m.label.startswith("lesion:") and not m.negated for ms in mentions for m in ms)
    concordance = read_concordance(report)
    kind = detect_kind(document, sentences, has_lesions, bool(concordance))
    coded = read_coded(document.content, document.uid) if document.content is not None else CodedFacts()
    if coded.laterality is not None and report.default_side is None:
        report = ReportText(document.uid, sentences, mentions, coded.laterality, coded.laterality)

    findings = ()
    assessments: list[Assessment] = []
    drafts: list[_Draft] = []
    if kind is ReportKind.RADIOLOGY:
        drafts = read_findings(report)
        drafts = [d for d in drafts if not _covered_by_coded(d, coded)]
        assessments = _assessments_with_findings(report, drafts)
        findings = tuple(coded.findings) + freeze_all(drafts)
    else:
        assessments = [a for _, _, a in read_assessments(report, one_breast_report=True)]
    assessments = _merge_assessments(coded.assessments, assessments)

    procedures = read_procedures(report, title) if kind is ReportKind.PROCEDURE else []
    default_target = procedures[0].target_type if procedures else _single_type(drafts)
    recommendations = _merge_recommendations(coded.recommendations, read_recommendations(report, default_target))
    correspondences = read_correspondences(report, require_finding=True) \
        if kind is not ReportKind.PATHOLOGY else []
    pathology = read_pathology(report, kind is ReportKind.RADPATH) if kind in (ReportKind.PATHOLOGY, ReportKind.RADPATH) else []
    palpable = read_palpable(report, findings) if kind is ReportKind.RADIOLOGY else []
    return ReportFacts(
        source_uid=document.uid,
        kind=kind,
        observed_at=document.observed_at,
        predecessor_uids=document.predecessor_uids,
        composition=coded.composition or read_composition(report),
        findings=findings,
        assessments=tuple(assessments),
        recommendations=tuple(recommendations),
        procedures=tuple(procedures),
        correspondences=tuple(correspondences),
        not_feasible=tuple(read_not_feasible(report, title)) if kind is not ReportKind.PATHOLOGY else (),
        pathology=tuple(pathology),
        concordance=tuple(concordance),
        palpable=tuple(palpable),
    )


def _covered_by_coded(draft: _Draft, coded: CodedFacts) -> bool:
    """The narrative of a TID 4200 report restates its coded findings: keep the coded one."""
    return any(
        same_family(f.type, draft.type)
        and (draft.laterality is None or f.laterality is None or f.laterality is draft.laterality)
        and compatible_location(f.location, draft.location)
        for f in coded.findings
    )


def _single_type(drafts: list[_Draft]) -> FindingType | None:
    types = {d.type for d in drafts}
    return next(iter(types)) if len(types) == 1 else None


def _assessments_with_findings(report: ReportText, drafts: list[_Draft]) -> list[Assessment]:
    """Tie each stated category to the finding it is about: a finding named in the same sentence,
    or the only finding of that breast."""
    out: list[Assessment] = []
    for i, position, assessment in read_assessments(report):
        in_sentence = [d for d in drafts if d.sentence == i]
        same_side = [d for d in drafts if assessment.laterality is None or d.laterality is None
                     or d.laterality.covers(assessment.laterality)]
        target = None
        before = _named_just_before(report, i, same_side)
        if in_sentence:
            target = min(in_sentence, key=lambda d: abs(d.sentence - i))
        elif len(same_side) == 1:
            target = same_side[0]
        elif len(before) == 1:
            target = before[0]  # "Suspicious left 3 o'clock mass. BI-RADS 4B."
        if target is not None and target.birads is None:
            target.birads = assessment.category
        out.append(assessment if target is None else Assessment(
            assessment.category, assessment.laterality, assessment.evidence, target.type, target.location))
        del position
    return out


def _named_just_before(report: ReportText, i: int, drafts: list[_Draft]) -> list[_Draft]:
    """The findings the sentence before a bare category names, in the same section."""
    if i == 0 or report.sentences[i - 1].heading != report.sentences[i].heading:
        return []
    if report.findings_in(i):
        return []
    named = {FindingType(m.label) for m in report.findings_in(i - 1)}
    side = report.sentence_side(i - 1)
    return [d for d in drafts if any(same_family(d.type, t) for t in named)
            and (side is None or d.laterality is None or d.laterality is side)]


def _merge_assessments(coded: list[Assessment], narrative: list[Assessment]) -> list[Assessment]:
    out = list(coded)
    for a in narrative:
        if not any(o.category is a.category and o.laterality is a.laterality for o in out):
            out.append(a)
    return out


def _merge_recommendations(coded: list[Recommendation], narrative: list[Recommendation]) -> list[Recommendation]:
    out = list(coded)
    for r in narrative:
        if not any(o.kind is r.kind and o.laterality is r.laterality for o in out):
            out.append(r)
    return out


__all__ += ["Section"]
