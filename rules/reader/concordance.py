"""Correspondence statements (is the sampled lesion the finding?) and rad-path concordance.

'The biopsied mass does not correspond to the mammographic asymmetry' is a DOES_NOT_CORRESPOND
statement about the asymmetry: the finding named after the phrase (or before it, when none follows)
is the other finding the statement is about.
"""

from __future__ import annotations

import re

from rules.anatomy import Laterality, Location
from rules.facts import ConcordanceStatement, ConcordanceVerdict, Correspondence, FindingType, Relation
from rules.lexicon import any_match, pattern_list
from rules.reader.context import ReportText
from rules.reader.locations import clock_hits, nearest

_BENIGN = re.compile(r"\bbenign\b")
_MALIGNANT = re.compile(r"malignan|carcinoma|\bdcis\b|\bcancer\b")
_HIGH_RISK = re.compile(r"high[- ]risk")


def _is_radpath(report: ReportText, i: int) -> bool:
    text = report.sentences[i].text
    lesions = any(m.label.startswith("lesion:") for m in report.mentions[i])
    return lesions or bool(any_match(pattern_list("statements.yaml", "radpath_context"), text))


# A hedge just before the statement makes it an opinion a person must weigh, not a statement:
# "may not correspond", "likely represents the correlate", "it is uncertain whether this represents".
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibl[ey]|probabl[ey]|likely|presumabl[ey]|perhaps|questionabl[ey]|"
    r"uncertain|unclear|indeterminate|not certain|whether|if|to (?:assess|confirm|evaluate|determine)|"
    r"suspected|favou?red)\b|\?"
)
_HEDGE_WINDOW = 40
# Doubt said outright about the correspondence ("it is indeterminate whether the sonographic lesion
# represents the mammographic finding", "correlation is uncertain") is a statement of its own: the
# report cannot tell, so a person must. Doubt about a finding ("indeterminate calcifications") is not.
_DOUBT = re.compile(
    r"\b(?:indeterminate|uncertain|unclear|not (?:certain|clear)|"
    r"(?:cannot|can ?not|can't) (?:be )?(?:determined?|confirmed?|established?|said|say|told|tell)|"
    r"(?:difficult|impossible) to (?:determine|say|tell|confirm)) (?:whether|if|as to)\b"
    r"|\b(?:correlation|correspondence) (?:is|remains|was) (?:uncertain|indeterminate|unclear)"
    r"|\bmay or may not\b"
)
_DOUBT_WINDOW = 80
# "correspondence of the sampled mass with the distortion is indeterminate", "correlation w/ the
# mammographic mass equivocal": doubt said of the correspondence itself, after the finding it names
_DOUBTED = re.compile(
    r"\b(?:correspondence|correlation|relationship)\b(?: of [^.;:]{0,60}?)? (?:with|to|between)\b"
)
_DOUBT_AFTER = re.compile(
    r"^[^.;]{0,80}?\b(?:is |remains |was |appears |felt to be )?(?:indeterminate|uncertain|unclear|equivocal|"
    r"undetermined|not (?:certain|clear|established|definite))\b"
)
# After a biopsy, a possibility hedged on the correspondence itself ("the biopsied mass possibly
# corresponds to the asymmetry", "may not represent") leaves the question open: a person decides.
# A leaning ("likely represents", "probably corresponds") is the radiologist's reading: no statement,
# and the features decide.
_POSSIBILITY = re.compile(r"\b(?:may|might|could|possibl[ey]|questionabl[ey]|perhaps|uncertain|unclear)\b|\?")
_LEANING = re.compile(r"\b(?:likely|probabl[ey]|presumabl[ey]|favou?red|suspected|most consistent)\b")
_EXPLAINING = re.compile(r"explain|account")
_FINDING_HEDGES = frozenset({"possible", "possibly", "probable", "questionable", "suspected", "likely"})
# "corresponding to the palpable lump" is about a clinical complaint (a palpable fact).
_CLINICAL_OBJECT = re.compile(
    r"\s*(?:the |this |a )?(?:(?:left|right) )?(?:patient's )?(?:palpable|clinical|clinically|lump|thickening|"
    r"area of (?:clinical )?concern|site of (?:the )?(?:palpable|clinical|concern)|(?:focal )?pain|tenderness)"
)
# A generic object ("the mammographic finding", "the imaging abnormality") names no finding type:
# it is the other finding the report is about.
_GENERIC_OBJECT = re.compile(
    r"\s*(?:the |this )?(?:known |previously (?:described|seen|noted) )?(?:mammographic|sonographic|mri|imaging|"
    r"tomosynthesis|ultrasound|target(?:ed)?|original|index) ?(?:finding|abnormality|target|lesion)?"
)


# The finding a sentence names as the sampled lesion ("the biopsied mass", "bx'd mass", "the mass
# biopsied today", "targeted mass") is the biopsy's own target: a statement in that sentence is about
# the other finding ("the biopsied mass is separate from the asymmetry" is about the asymmetry).
_MODIFIER = r"(?:(?!(?:is|isnt|are|was|were|not|does|doesnt|did|has|have|to|from|as|than|and|but|which|that|with)\b)[\w:'./-]+\s+)"
_SAMPLED_BEFORE = re.compile(
    rf"\b(?:biopsied|sampled|targeted|target|bioptic)\s+(?:(?:the|a|an)\s+)?{_MODIFIER}{{0,3}}$"
    rf"|\b(?:biopsy|sampling) of the\s+{_MODIFIER}{{0,3}}$"
)
_SAMPLED_AFTER = re.compile(
    r"\s*(?:(?:at|in) [\w:' ]{1,16}?\s*)?(?:(?:that|which) (?:was|were) )?"
    r"(?:biopsied|sampled|targeted)\b(?! (?:at|by) (?:surgery|excision))"
)
# "the focal asymmetry, which doesn't correspond to the biopsy site": a relative clause is about the
# finding just before it
_RELATIVE = re.compile(r"\b(?:which|that)\b")
_COPULA_GAP = re.compile(r"[\w:' .-]{0,30}")


def _is_sampled(text: str, mention) -> bool:  # type: ignore[no-untyped-def]
    return bool(_SAMPLED_BEFORE.search(text[: mention.start]) or _SAMPLED_AFTER.match(text, mention.end))


def _copula_statements(text: str, findings: list, name: str = "does_not_correspond_copula") -> list[re.Match[str]]:  # type: ignore[type-arg]
    """'the biopsied mass is not the asymmetry', 'isnt the calcifications', 'represents the
    asymmetry': a copula is a statement when a finding other than the sampled one is named right
    after it."""
    out: list[re.Match[str]] = []
    for r in pattern_list("statements.yaml", name):
        for m in r.finditer(text):
            if any(f.start >= m.end() and _COPULA_GAP.fullmatch(text, m.end(), f.start)
                   and not _is_sampled(text, f) for f in findings):
                out.append(m)
    return out


def _generic_object(text: str, match: re.Match[str]) -> bool:
    generic = _GENERIC_OBJECT.match(text, match.end())
    return bool(generic and generic.group(0).strip()) or bool(re.search(r"(?:finding|abnormality|target)$", match.group(0)))


def _hedged(text: str, start: int, end: int, findings: list) -> bool:  # type: ignore[type-arg]
    """A hedge cue shortly before (or inside) the statement, unless it hedges a finding named
    between the cue and the statement ("questionable distortion and no sonographic correlate")."""
    window_start = max(0, start - _HEDGE_WINDOW)
    for cue in _HEDGE.finditer(text[window_start:end]):
        cue_end = window_start + cue.end()
        # "possible distortion and no correlate": an adjective hedge of the finding it precedes
        adjective = cue.group(0) in _FINDING_HEDGES
        if not (adjective and any(cue_end <= m.start and m.end <= start for m in findings)):
            return True
    return False


def _specific(a: FindingType | None, b: FindingType | None) -> FindingType | None:
    """Of two names for one finding, the more specific ('the asymmetry' is the focal asymmetry)."""
    if a is None or b is None:
        return a or b
    if a is FindingType.ASYMMETRY and "asymmetry" in b.value:
        return b
    if b is FindingType.ASYMMETRY and "asymmetry" in a.value:
        return a
    return None if a is not b else a


def _sampled_types(report: ReportText, i: int, subject: FindingType | None) -> FindingType | None:
    """The finding a generic object refers to: the nearest finding named earlier in the report
    that is not the statement's own subject."""
    for j in range(i - 1, -1, -1):
        for m in reversed(report.findings_in(j)):
            if FindingType(m.label) is not subject:
                return FindingType(m.label)
    return None


def _statement_matches(text: str, relation: Relation) -> list[re.Match[str]]:
    """Every phrase of one relation in the sentence, in reading order."""
    name = "does_not_correspond" if relation is Relation.DOES_NOT_CORRESPOND else "corresponds"
    return sorted((m for r in pattern_list("statements.yaml", name) for m in r.finditer(text)),
                  key=lambda m: m.start())


def _statement(report: ReportText, i: int, after_biopsy: bool = False) -> tuple[Relation, re.Match[str]] | None:
    """The sentence's statement: its first certain one, else one the report says it cannot tell.

    A certain statement is neither hedged nor about a clinical complaint. A negative statement wins
    over a positive one ('does not correspond to' holds 'correspond to'). Each clause counts on its
    own: in 'likely unrelated to the biopsied mass and has not been sampled' the hedge covers only
    the first. Hedged statements state nothing ('may not correspond' is no correspondence either),
    unless doubt is said outright ('it is unclear whether the mass corresponds to...'): UNCERTAIN."""
    text = report.sentences[i].text
    findings = report.findings_in(i)

    def certain(match: re.Match[str]) -> bool:
        return not (_hedged(text, match.start(), match.end(), findings)
                    or _CLINICAL_OBJECT.match(text, match.end()))

    # a copula names its finding right after it, which a negation cue may have marked negated
    named = report.findings_in(i, include_negated=True)
    negatives = sorted(_statement_matches(text, Relation.DOES_NOT_CORRESPOND) + _copula_statements(text, named),
                       key=lambda m: m.start())
    if _is_radpath(report, i):
        # "benign stroma does not explain a BI-RADS 5 mass" judges the pathology result
        # (discordance), it does not say the biopsy missed the finding
        negatives = [m for m in negatives if not _EXPLAINING.search(m.group(0))]
    positives = [m for m in _statement_matches(text, Relation.CORRESPONDS) + _copula_statements(text, named, "corresponds_copula")
                 if not (("concordant" in m.group(0) or _EXPLAINING.search(m.group(0))) and _is_radpath(report, i))]
    positives.sort(key=lambda m: m.start())
    match = next((m for m in negatives if certain(m)), None)
    if match is not None:
        return Relation.DOES_NOT_CORRESPOND, match
    if not negatives:
        match = next((m for m in positives if certain(m)), None)
        if match is not None:
            return Relation.CORRESPONDS, match
    for match in sorted(negatives + positives, key=lambda m: m.start()):
        if (_DOUBT.search(text, max(0, match.start() - _DOUBT_WINDOW), match.start())
                and not _CLINICAL_OBJECT.match(text, match.end())):
            return Relation.UNCERTAIN, match
    for match in _DOUBTED.finditer(text):
        if _DOUBT_AFTER.match(text[match.end():]) and not _CLINICAL_OBJECT.match(text, match.end()):
            return Relation.UNCERTAIN, match
    if after_biopsy:
        for match in sorted(negatives + positives, key=lambda m: m.start()):
            window = text[max(0, match.start() - _HEDGE_WINDOW):match.end()]
            if (_POSSIBILITY.search(window) and not _LEANING.search(window)
                    and not _CLINICAL_OBJECT.match(text, match.end())):
                return Relation.UNCERTAIN, match
    return None


def read_correspondences(report: ReportText, after_biopsy: bool = False) -> list[Correspondence]:
    out: list[Correspondence] = []
    for i, s in enumerate(report.sentences):
        text = s.text
        stated = _statement(report, i, after_biopsy)
        if stated is None:
            continue
        relation, match = stated
        positive = relation is not Relation.DOES_NOT_CORRESPOND  # uncertain: 'whether X is Y'?
        # 'it cannot be determined whether...': the doubt cue reads as a negation of what follows
        findings = report.findings_in(i, include_negated=relation is Relation.UNCERTAIN)
        subject = next((FindingType(m.label) for m in findings if m.end <= match.start()), None)
        # the sampled lesion is the biopsy's side of the statement, never the finding it is about;
        # a positive statement naming only the sampled lesion still names it
        unsampled = [m for m in findings if not _is_sampled(text, m)]
        if unsampled or not positive:
            findings = unsampled
        after = [m for m in findings if m.start >= match.end()]
        before = [m for m in findings if m.end <= match.start()]
        finding_type: FindingType | None = None
        other = None
        if after:
            other = after[0]
        elif positive and before and _generic_object(text, match):
            finding_type = _sampled_types(report, i, subject)
        elif before and _RELATIVE.search(text, before[-1].end, match.start()):
            other = before[-1]  # "the asymmetry, which has not been sampled"
        elif before:
            # "the calcifications have no sonographic correlate": the statement's subject; a
            # certain mention before a hedged associated feature ("with questionable distortion")
            certain_mentions = [m for m in before if not m.uncertain] or before
            other = certain_mentions[0]
        if other is not None:
            finding_type = FindingType(other.label)
        # A statement must name what it is about: a finding, or an imaging finding left unnamed
        # ("corresponds to the mammographic finding"), which correlation resolves when only one
        # finding in that breast can be meant.
        if finding_type is None and not _generic_object(text, match):
            continue
        position = other.start if other else match.start()
        clock = nearest(clock_hits(text), (other.start, other.end)) if other else None
        statement = Correspondence(
            relation=relation,
            laterality=report.side_near(i, position),
            evidence=report.evidence(i),
            finding_type=finding_type,
            location=Location(clock=clock.value) if clock else Location(),  # type: ignore[arg-type]
        )
        _add(out, statement)
    return out


def _add(out: list[Correspondence], statement: Correspondence) -> None:
    """One statement per (relation, finding, breast): repeats in Findings and Impression, and
    'the asymmetry' after 'the focal asymmetry', are the same statement."""
    for k, c in enumerate(out):
        if c.relation is not statement.relation or c.laterality is not statement.laterality:
            continue
        merged = _specific(c.finding_type, statement.finding_type)
        if merged is not None or (c.finding_type is None and statement.finding_type is None):
            if merged is not c.finding_type:
                out[k] = Correspondence(c.relation, c.laterality, c.evidence, merged,
                                        c.location if not c.location.is_empty else statement.location)
            return
    out.append(statement)


# A verdict under a condition is no verdict: "if benign and concordant, return to screening",
# "if the result is considered discordant, repeat biopsy".
_CONDITIONAL_VERDICT = re.compile(
    r"\b(?:if|unless|whether|should (?:the|it|this)|in (?:the )?case|in the event)\b[^,;:.]*"
    r"(?:discordan|not concordant|non-?concordant|concordan)"
)


def read_concordance(report: ReportText) -> list[ConcordanceStatement]:
    out: list[ConcordanceStatement] = []
    for i, s in enumerate(report.sentences):
        text = _CONDITIONAL_VERDICT.sub(" ", s.text)
        if any_match(pattern_list("statements.yaml", "discordant"), text):
            verdict = ConcordanceVerdict.DISCORDANT
        elif any_match(pattern_list("statements.yaml", "concordant"), text):
            if _HIGH_RISK.search(text):
                verdict = ConcordanceVerdict.HIGH_RISK
            elif _MALIGNANT.search(text) and not re.search(r"no (?:\w+ )?(?:malignan|carcinoma)|negative for", text):
                verdict = ConcordanceVerdict.CONCORDANT_MALIGNANT
            elif _BENIGN.search(text):
                verdict = ConcordanceVerdict.CONCORDANT_BENIGN
            else:
                verdict = ConcordanceVerdict.CONCORDANT
            if "concordant with the" in text and not _is_radpath(report, i) and any(
                w in text for w in ("mammographic finding", "sonographic finding", "imaging finding", "target")
            ):
                continue  # a correspondence statement about the target, not rad-path concordance
        else:
            continue
        side: Laterality | None = report.sentence_side(i)
        clock = clock_hits(text)
        statement = ConcordanceStatement(
            verdict, side, report.evidence(i),
            Location(clock=clock[0].value) if clock else Location(),  # type: ignore[arg-type]
        )
        if any(c.verdict is verdict and c.laterality is side for c in out):
            continue
        out.append(statement)
    return out
