"""The report reader: a report (free text with its sections, or TID 4200 coded content) in, typed
facts out, each carrying its evidence (the document UID and the sentence or coded item).

Public API: :func:`read_report` and :func:`read_text`.
"""

from __future__ import annotations

from rules.documents import ReportDocument, Section
from rules.facts import (
    Assessment,
    Birads,
    FindingMention,
    FindingType,
    Recommendation,
    ReportFacts,
    ReportKind,
)
from rules.reader.assessments import StatedCategory, read_assessments, read_composition
from rules.reader.coded import CodedFacts, read_coded
from rules.reader.concordance import read_concordance, read_correspondences
from rules.reader.completed import read_completed_steps
from rules.reader.context import ReportText, report_default_side, title_side
from rules.reader.findings import _Draft, compatible_location, freeze_all, read_findings, same_family
from rules.reader.kind import detect_kind
from rules.reader.corrections import read_corrections
from rules.reader.palpable import read_palpable
from rules.reader.pathology import read_pathology
from rules.reader.pipeline import analyse
from rules.reader.priors import read_outside_priors_received
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

    findings: tuple[FindingMention, ...] = ()
    assessments: list[Assessment] = []
    drafts: list[_Draft] = []
    if kind is ReportKind.RADIOLOGY:
        drafts = read_findings(report)
        drafts = [d for d in drafts if not _covered_by_coded(d, coded)]
        assessments = _assessments_with_findings(report, drafts)
        findings = tuple(coded.findings) + freeze_all(drafts)
    else:
        assessments = [c.assessment for c in read_assessments(report, one_breast_report=True)]
    assessments = _merge_assessments(coded.assessments, assessments)

    procedures = read_procedures(report, title, bool(document.predecessor_uids)) if kind is ReportKind.PROCEDURE else []
    default_target = procedures[0].target_type if procedures else _single_type(drafts)
    recommendations = _merge_recommendations(
        coded.recommendations, read_recommendations(report, default_target, findings, biopsy_performed=any(p.performed for p in procedures)))
    # after a biopsy, a correspondence left open ("possibly corresponds") is for a person to decide
    after_biopsy = kind is ReportKind.RADPATH or any(p.performed for p in procedures)
    correspondences = read_correspondences(report, after_biopsy) \
        if kind is not ReportKind.PATHOLOGY else []
    pathology = read_pathology(report, kind is ReportKind.RADPATH) if kind in (ReportKind.PATHOLOGY, ReportKind.RADPATH) else []
    palpable = (read_palpable(report, findings) if kind is ReportKind.RADIOLOGY
                else read_palpable(report, ()) if kind in (ReportKind.PROCEDURE, ReportKind.RADPATH) else [])
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
        corrections=tuple(read_corrections(report)) if document.predecessor_uids else (),
        outside_priors_received=tuple(read_outside_priors_received(report)) if kind is ReportKind.RADIOLOGY else (),
        completed_steps=tuple(read_completed_steps(report)),
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


# Categories that are about a finding (probably benign, suspicious, malignant, proven) rather
# than the examination as a whole (incomplete, negative, benign).
_FINDING_CATEGORIES = frozenset({Birads.B3, Birads.B4, Birads.B4A, Birads.B4B, Birads.B4C, Birads.B5, Birads.B6})


def _assessments_with_findings(report: ReportText, drafts: list[_Draft]) -> list[Assessment]:
    """Tie each stated category to the finding it is about: a finding named in the same sentence,
    or the only finding of that breast. An unsided BI-RADS 3 to 6 in a bilateral examination is
    for the breast of the finding it is about ("Left 4 o'clock mass. BI-RADS 4C.")."""
    out: list[Assessment] = []
    for stated in read_assessments(report):
        i, assessment = stated.sentence, stated.assessment
        in_sentence = _named_in_sentence(report, stated, [d for d in drafts if i in d.sentences])
        same_side = [d for d in drafts if not stated.side_written or d.laterality is None
                     or d.laterality.covers(assessment.laterality)]
        target = None
        before = _named_just_before(report, i, same_side)
        if in_sentence:
            target = in_sentence[0]
        elif len(same_side) == 1:
            target = same_side[0]
        elif len(before) == 1:
            target = before[0]  # "Suspicious left 3 o'clock mass. BI-RADS 4B."
        if target is None:
            out.append(assessment)
            continue
        if target.birads is None:
            target.birads = assessment.category
        side = assessment.laterality
        if not stated.side_written and assessment.category in _FINDING_CATEGORIES and target.laterality:
            side = target.laterality
        out.append(Assessment(assessment.category, side, assessment.evidence, target.type, target.location))
    return out


def _named_in_sentence(report: ReportText, stated: StatedCategory, drafts: list[_Draft]) -> list[_Draft]:
    """The findings of the category's own sentence, the one named last before it first
    ("calcifications, BI-RADS 4C; mass, BI-RADS 4A")."""
    before = [m for m in report.findings_in(stated.sentence) if m.end <= stated.position]
    if before:
        last = FindingType(before[-1].label)
        drafts = sorted(drafts, key=lambda d: not same_family(d.type, last))
    return drafts


def _named_just_before(report: ReportText, i: int, drafts: list[_Draft]) -> list[_Draft]:
    """The findings the sentence before a bare category names, in the same section."""
    if i == 0 or report.sentences[i - 1].heading != report.sentences[i].heading:
        return []
    if report.findings_in(i):
        return []
    named = {FindingType(m.label) for m in report.findings_in(i - 1)}
    side = report.written_sentence_side(i - 1)
    return [d for d in drafts if any(same_family(d.type, t) for t in named)
            and (side is None or d.laterality is None or d.laterality is side)]


def _merge_assessments(coded: list[Assessment], narrative: list[Assessment]) -> list[Assessment]:
    out = list(coded)
    for a in narrative:
        if not any(o.category is a.category and o.laterality is a.laterality for o in out):
            out.append(a)
    return out


def _merge_recommendations(coded: list[Recommendation], narrative: list[Recommendation]) -> list[Recommendation]:
    """The coded steps, and the narrative's steps the coding does not hold (the narrative may ask
    for one step twice, once per guidance)."""
    out = list(coded)
    for r in narrative:
        if not any(o.kind is r.kind and o.laterality is r.laterality for o in coded):
            out.append(r)
    return out


__all__ += ["Section"]
