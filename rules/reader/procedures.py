"""Biopsies a procedure report describes as performed, and 'stereotactic biopsy not feasible'."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.anatomy import Laterality, Location
from rules.facts import FindingType, Guidance, NotFeasible, ProcedureFacts, ProcedureState, SpecimenRadiograph
from rules.lexicon import any_match, first_key, pattern_list, patterns
from rules.reader.context import ReportText
from rules.reader.findings import compatible_location
from rules.reader.locations import location_near, number_word
from rules.reader.recommendations import is_recommendation
from rules.reader.text import normalise

_GAUGE = re.compile(r"\b(\d{1,2})[- ]?(?:gauge|g)\b")
_CORES = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:(?!gauge\b|g\b|core\b)\w+\s+)?(?:cores?|samples?|specimens?|passes)\b"
    r"|(?:cores?|samples?|gauge|specimens?)\s*(?:x|times)\s*(\d{1,2})\b"
    r"|\((\d{1,2}) (?:cores?|samples?)\)"
)


@dataclass
class _Draft:
    laterality: Laterality | None
    sentence: int
    guidance: Guidance | None = None
    target_type: FindingType | None = None
    location: Location = Location()
    gauge: int | None = None
    cores: int | None = None
    vacuum: bool = False
    clip: bool | None = None
    specimen: SpecimenRadiograph | None = None
    post_clip: bool = False
    node: bool = False
    """The target is a lymph node (no finding type)."""
    sentences: list[int] = field(default_factory=list)


def _guidance(text: str) -> Guidance | None:
    value = first_key(patterns("terms.yaml", "guidance"), text)
    return Guidance(value) if value else None


def _is_specimen_statement(text: str) -> bool:
    return bool(any_match(pattern_list("statements.yaml", "specimen_radiograph"), text))


_NODE = re.compile(r"lymph node|axillary node|\bnode\b|\baxilla\b")
_TARGETED = re.compile(r"target(?:ed)?\s+(?:[\w-]+\s+){0,2}$")


def _statement(text: str, name: str) -> bool:
    return bool(any_match(pattern_list("statements.yaml", name), text))


def _abandoned(report: ReportText) -> bool:
    """The report gives up the attempt ('target could not be visualized, procedure aborted', 'the
    patient declined', 'no samples obtained') and says nothing that only taking tissue leaves
    ('4 cores', '14g x3', 'samples were obtained'). A conversion to another guidance that then
    sampled the lesion is a biopsy performed."""
    given_up = taken = False
    for j, s in enumerate(report.sentences):
        if is_recommendation(report, j) or s.section in ("history", "comparison"):
            continue
        text = s.text
        if (_statement(text, "abandoned") or _statement(text, "not_feasible")) and not _is_specimen_statement(text):
            given_up = True
        remaining = text
        for r in pattern_list("statements.yaml", "no_tissue"):
            remaining = r.sub(" ", remaining)
        if _statement(remaining, "tissue_taken"):
            taken = True
    return given_up and not taken


def read_procedures(report: ReportText, title: str, addendum: bool = False) -> list[ProcedureFacts]:
    # an addendum judging feasibility afterwards ("tomosynthesis-guided biopsy is also not
    # feasible") describes no attempt of its own
    abandoned = not addendum and _abandoned(report)
    if not abandoned and any(_statement(s.text, "no_biopsy") for s in report.sentences):
        return []  # "no biopsy was performed": an aspiration or a clip placement only
    drafts: list[_Draft] = []
    report_guidance = _guidance(normalise(title))
    for i, s in enumerate(report.sentences):
        if is_recommendation(report, i) or s.section in ("history", "comparison"):
            continue
        text = s.text
        if not _statement(text, "biopsy_performed"):
            continue
        # "the biopsied mass is separate from the calcifications, which still need biopsy" is about
        # another finding, not a second procedure
        if _statement(text, "does_not_correspond") or _statement(text, "corresponds"):
            continue
        if any_match(pattern_list("statements.yaml", "not_feasible"), text) and not _is_specimen_statement(text):
            continue
        guidance = _guidance(text)
        report_guidance = report_guidance or guidance
        if (_is_specimen_statement(text) or any_match(pattern_list("statements.yaml", "post_clip_mammogram"), text)) and guidance is None:
            continue
        findings = report.findings_in(i)
        target = findings[0] if findings else None
        anchor = (target.start, target.end) if target else (0, 0)
        node = bool(_NODE.search(text)) and target is None
        target_type = FindingType(target.label) if target else None
        if target is None and not node:
            target_type = _described_before(report, i)
        draft = _Draft(
            laterality=report.side_near(i, anchor[0]),
            sentence=i,
            guidance=guidance,
            target_type=target_type,
            location=location_near(text, anchor) if target else location_near(text, (0, len(text))),
            node=node,
        )
        same = next((d for d in drafts if _same_procedure(d, draft)), None)
        if same is None:
            drafts.append(draft)
        else:
            same.guidance = same.guidance or draft.guidance
            same.target_type = same.target_type or draft.target_type
            same.location = same.location if not same.location.is_empty else draft.location
            same.laterality = same.laterality or draft.laterality
    if abandoned:
        return _attempted(report, title, drafts)
    if not drafts:
        return []
    sided = [d for d in drafts if d.laterality in (Laterality.LEFT, Laterality.RIGHT)]
    if sided:  # "bilateral biopsies, uncomplicated" summarises the per-breast ones
        for d in drafts:
            if d not in sided:
                for s in sided:
                    s.guidance = s.guidance or d.guidance
        drafts = sided
    for d in drafts:
        d.guidance = d.guidance or report_guidance
    _report_level_facts(report, drafts)
    _target_from_indication(report, drafts)
    if any(_statement(s.text, "not_feasible") for s in report.sentences) and not any(
            _statement(s.text, "sampled") for j, s in enumerate(report.sentences)
            if not is_recommendation(report, j) and s.section not in ("history", "comparison")):
        return []  # the biopsy could not be done and nothing was sampled
    return [
        ProcedureFacts(
            laterality=d.laterality, evidence=report.evidence(d.sentence), guidance=d.guidance,
            target_type=d.target_type, target_location=d.location, needle_gauge=d.gauge,
            cores=d.cores, vacuum_assisted=d.vacuum, clip_placed=d.clip,
            specimen_radiograph=d.specimen, post_clip_mammogram=d.post_clip,
        )
        for d in drafts
    ]


def _attempted(report: ReportText, title: str, drafts: list[_Draft]) -> list[ProcedureFacts]:
    """An attempt given up before tissue was taken: one procedure per breast, attempted and not
    performed, with the guidance the report gave up (or its title's) and the target it meant."""
    sides: list[Laterality | None] = []
    for d in drafts:
        if d.laterality not in sides:
            sides.append(d.laterality)
    if not sides or sides == [None]:
        side = next((report.sentence_side(j) for j in range(len(report.sentences))
                     if report.sentence_side(j) is not None), None)
        sides = [side]
    given_up = read_not_feasible(report, title)
    title_guidance = _guidance(normalise(title))
    out: list[_Draft] = []
    for side in sides:
        if side is Laterality.BOTH and len(sides) > 1:
            continue
        mine = [d for d in drafts if d.laterality is side]
        nf = next((n.guidance for n in given_up if n.laterality in (side, None)), None)
        guidance = nf or title_guidance or next((d.guidance for d in mine if d.guidance), None)
        draft = _Draft(laterality=side, sentence=mine[0].sentence if mine else 0, guidance=guidance)
        draft.target_type = next((d.target_type for d in mine if d.target_type), None)
        draft.location = next((d.location for d in mine if not d.location.is_empty), Location())
        out.append(draft)
    _target_from_indication(report, out)
    for d in out:
        if d.target_type is None:  # "Tomo guided bx R 12:00 distortion aborted": the first finding named
            d.target_type = next((FindingType(m.label) for j in range(len(report.sentences))
                                  for m in report.findings_in(j, include_negated=True)), None)
    return [
        ProcedureFacts(laterality=d.laterality, evidence=report.evidence(d.sentence), guidance=d.guidance,
                       target_type=d.target_type, target_location=d.location,
                       state=ProcedureState.ATTEMPTED_NOT_PERFORMED)
        for d in out
    ]


def _target_from_indication(report: ReportText, drafts: list[_Draft]) -> None:
    """The indication names what is to be sampled: it gives the type the procedure text leaves out
    ('the target was localized'), or the specific name of 'the asymmetry'."""
    named = {FindingType(m.label) for i, s in enumerate(report.sentences)
             if s.section in ("history", "indication") for m in report.findings_in(i)}
    for d in drafts:
        if d.node:
            continue
        if d.target_type is None and len(named) == 1:
            d.target_type = next(iter(named))
        elif d.target_type is FindingType.ASYMMETRY:
            specific = [t for t in named if t.is_asymmetry and t is not FindingType.ASYMMETRY]
            if len(specific) == 1:
                d.target_type = specific[0]


def _described_before(report: ReportText, i: int) -> FindingType | None:
    """'Left breast 2 o'clock calcifications. Stereotactic 9G biopsy, 9 cores.': the target is the
    finding the line before names, in the same section."""
    if i == 0 or report.sentences[i - 1].heading != report.sentences[i].heading:
        return None
    findings = report.findings_in(i - 1)
    return FindingType(findings[0].label) if findings else None


def _same_procedure(a: _Draft, b: _Draft) -> bool:
    if a.node is not b.node:
        return False
    if a.laterality and b.laterality and a.laterality is not b.laterality:
        return False
    if a.guidance and b.guidance and a.guidance is not b.guidance:
        return False
    return compatible_location(a.location, b.location)


def _report_level_facts(report: ReportText, drafts: list[_Draft]) -> None:
    """Gauge, cores, clip and specimen radiograph: given to the procedure of the same breast."""
    for i, s in enumerate(report.sentences):
        if is_recommendation(report, i):
            continue
        text = s.text
        side = report.sentence_side(i)
        targets = [d for d in drafts if side is None or d.laterality is None or d.laterality.covers(side)] or drafts
        if len(targets) > 1 and len(drafts) > 1:
            targets = [d for d in targets if d.sentence == i] or targets[:1]
        for d in targets:
            _apply(d, report, i, text)


def _apply(d: _Draft, report: ReportText, i: int, text: str) -> None:
    m = _GAUGE.search(text)
    if m and d.gauge is None:
        d.gauge = int(m.group(1))
    m = _CORES.search(text)
    if m and d.cores is None:
        d.cores = number_word(next(g for g in m.groups() if g))
    if "vacuum" in text:
        d.vacuum = True
    if any_match(pattern_list("statements.yaml", "clip_not_placed"), text):
        d.clip = False
    elif any_match(pattern_list("statements.yaml", "clip_placed"), text):
        d.clip = True
    if any_match(pattern_list("statements.yaml", "post_clip_mammogram"), text):
        d.post_clip = True
    specimen = _specimen(report, i, text)
    if specimen is not None:
        d.specimen = specimen
    if d.target_type is None and not d.node:
        # "the target calcifications", "targeted mass"; not "the target represents the asymmetry"
        named = [m for m in report.findings_in(i) if _TARGETED.search(text[: m.start])]
        if named:
            d.target_type = FindingType(named[0].label)


def _specimen(report: ReportText, i: int, text: str) -> SpecimenRadiograph | None:
    statement = _is_specimen_statement(text)
    in_cores = any_match(pattern_list("statements.yaml", "calcifications_in_cores"), text)
    if not statement and not in_cores:
        return None
    if statement and any_match(pattern_list("statements.yaml", "specimen_not_performed"), text):
        return SpecimenRadiograph.NOT_PERFORMED
    calcs = [m for m in report.findings_in(i, include_negated=True) if m.label == FindingType.CALCIFICATIONS.value]
    if calcs:
        return SpecimenRadiograph.CALCIFICATIONS_ABSENT if all(m.negated for m in calcs) else SpecimenRadiograph.CALCIFICATIONS_PRESENT
    return SpecimenRadiograph.OBTAINED if statement else None


def read_not_feasible(report: ReportText, title: str) -> list[NotFeasible]:
    out: list[NotFeasible] = []
    for i, s in enumerate(report.sentences):
        text = s.text
        m = any_match(pattern_list("statements.yaml", "not_feasible"), text)
        if not m or _is_specimen_statement(text):
            continue
        if not (any_match(pattern_list("statements.yaml", "biopsy_performed"), text) or _guidance(text)):
            continue
        # a sentence that names no guidance ("the biopsy was not performed") is about the one the
        # report has been speaking of
        guidance = (_guidance(text) or (out[-1].guidance if out else None) or _guidance(normalise(title))
                    or _report_guidance(report) or Guidance.STEREOTACTIC)
        reason = _reason(s.original)
        side = report.sentence_side(i)
        if any(n.guidance is guidance and n.laterality is side for n in out):
            continue
        out.append(NotFeasible(guidance, side, reason, report.evidence(i)))
    return out


def _report_guidance(report: ReportText) -> Guidance | None:
    """The guidance the report names first outside its recommendations."""
    for j, s in enumerate(report.sentences):
        if not is_recommendation(report, j):
            found = _guidance(s.text)
            if found is not None:
                return found
    return None


def _reason(original: str) -> str:
    lower = original.lower()
    for r in pattern_list("statements.yaml", "not_feasible_reason"):
        m = r.search(lower)
        if m:
            return original[m.end():].strip(" .)")
    return original.strip()
