"""Re-evaluate a patient's whole case and reconcile the stored items.

Called inside the caller's transaction (the ingest task, or a request documenting concordance);
never commits. The case is rebuilt from everything stored each time, so facts that arrived in any
order give the same items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rules.addenda import own_statements
from rules.anatomy import Laterality
from rules.case import AssembledCase, Case
from rules.case import Finding as CaseFinding
from rules.correlation import Correlation, Correlations
from rules.decisions import ConcordanceDecision, Decision, Documented, DocumentedAction
from rules.documents import ImageRecord, Modality, View, ViewModifier
from rules.evaluation import evaluate_in_full
from rules.facts import ConcordanceVerdict, ReportFacts
from rules.items import ItemKind
from rules.site import SiteConfig, load_site_config
from worklist.cases import repository
from worklist.cases.codec import compact, decode
from worklist.cases.reconcile import ReconcileSummary, reconcile
from worklist.db.base import utcnow
from worklist.db.models import Finding, Image, PathologyResult, Procedure, Report

# A person closing an item documents the action that closes it; the rules then agree.
DOCUMENTED_BY_CLOSING: dict[ItemKind, DocumentedAction] = {
    ItemKind.HIGH_RISK_LESION: DocumentedAction.SURGICAL_CONSULTATION,
    ItemKind.MALIGNANCY_REFERRAL: DocumentedAction.REFERRAL,
    ItemKind.SPECIMEN_RADIOGRAPH_MISSING: DocumentedAction.SPECIMEN_RADIOGRAPH,
    ItemKind.PALPABLE_CORRELATION: DocumentedAction.PALPABLE_SITE_RESOLVED,
    ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US: DocumentedAction.CALCIFICATIONS_UNDER_US_ACKNOWLEDGED,
    ItemKind.SURGICAL_BIOPSY_REFERRAL: DocumentedAction.SURGICAL_BIOPSY,
    ItemKind.DISCORDANT_PATHOLOGY: DocumentedAction.EXCISION_OR_REPEAT_BIOPSY,
    ItemKind.PRIORS_PENDING: DocumentedAction.PRIORS_RECEIVED,
    ItemKind.FOLLOW_UP_DUE: DocumentedAction.STUDY_PERFORMED,
    ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING: DocumentedAction.STUDY_PERFORMED,
    ItemKind.MAGNIFICATION_VIEWS_PENDING: DocumentedAction.STUDY_PERFORMED,
}
# Kinds whose closing condition is "a person acknowledges": acknowledging is enough.
CLOSED_BY_ACKNOWLEDGING = frozenset({ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US})


@lru_cache(maxsize=8)
def site_config(path: Path | None) -> SiteConfig:
    return load_site_config(path)


def _linked_predecessors(reports: Sequence[Report]) -> dict[str, tuple[str, ...]]:
    """Addenda whose predecessor never reached us are tied to the original report(s) of their own
    study: PACS often references a document version it never sent."""
    known = {r.sop_instance_uid for r in reports}
    originals: dict[int | None, list[str]] = {}
    for r in reports:
        if not r.predecessor_uids and r.machine_readable:
            originals.setdefault(r.study_pk, []).append(r.sop_instance_uid)
    linked: dict[str, tuple[str, ...]] = {}
    for r in reports:
        if r.predecessor_uids and not set(r.predecessor_uids) & known:
            fallback = tuple(uid for uid in originals.get(r.study_pk, ()) if uid != r.sop_instance_uid)
            if fallback:
                linked[r.sop_instance_uid] = fallback
    return linked


def _report_facts(reports: Sequence[Report]) -> tuple[ReportFacts, ...]:
    linked = _linked_predecessors(reports)
    facts: list[ReportFacts] = []
    for report in reports:
        if not report.machine_readable or not report.facts:
            continue
        item = decode(ReportFacts, report.facts)
        if report.sop_instance_uid in linked:
            item = replace(item, predecessor_uids=linked[report.sop_instance_uid])
        facts.append(item)
    return own_statements(facts)


def _image_record(image: Image, study_uid: str) -> ImageRecord:
    return ImageRecord(
        sop_instance_uid=image.sop_instance_uid,
        study_uid=study_uid,
        acquired_at=image.acquired_at,
        modality=Modality(image.modality),
        laterality=Laterality(image.laterality) if image.laterality else None,
        view=View(image.view) if image.view else None,
        modifiers=frozenset(ViewModifier(m) for m in image.modifiers),
        specimen=image.specimen,
        biopsy_guidance=image.biopsy_guidance,
        study_description=image.study_description,
        series_description=image.series_description,
        outside_prior=image.outside_prior,
        institution=image.institution,
    )


def _decisions(session: Session, patient_pk: int,
               reports: Sequence[Report]) -> tuple[Decision, ...]:
    # A verdict settles the pathology the radiologist had: the reports stored by then. Report
    # times cannot tell, since a result dated last month may reach us only after the decision.
    decisions: list[Decision] = [
        ConcordanceDecision(subject_key=row.finding_key, verdict=ConcordanceVerdict(row.verdict),
                            decided_at=row.decided_at, note=row.note,
                            on_file=frozenset(r.sop_instance_uid for r in reports
                                              if r.created_at <= row.decided_at))
        for row in repository.concordance_decisions_of(session, patient_pk)
    ]
    for item, event in repository.person_closings_of(session, patient_pk):
        kind = ItemKind(item.kind)
        action = DOCUMENTED_BY_CLOSING.get(kind)
        if action is None:
            continue
        if event.action == "acknowledged" and kind not in CLOSED_BY_ACKNOWLEDGING:
            continue
        decisions.append(Documented(action=action, item_key=item.item_key, decided_at=event.at,
                                    note=event.reason))
    return tuple(decisions)


def load_case(session: Session, patient_pk: int, reports: Sequence[Report]) -> Case:
    studies = {s.id: s.study_uid for s in repository.studies_of(session, patient_pk)}
    images = tuple(_image_record(i, studies.get(i.study_pk or -1, ""))
                   for i in repository.images_of(session, patient_pk))
    return Case(reports=_report_facts(reports), images=images,
                decisions=_decisions(session, patient_pk, reports))


def _moment(case: Case, now: datetime) -> datetime:
    """Evaluate as of now, but never before the newest fact: a report stamped a little in the
    future (clock skew between systems) must still count."""
    stamps = [r.observed_at for r in case.reports if r.observed_at is not None]
    stamps += [i.acquired_at for i in case.images if i.acquired_at is not None]
    newest = max(stamps, default=None)
    return max(now, newest + timedelta(seconds=1)) if newest is not None else now


def _sync_case_rows(session: Session, patient_pk: int, assembled: AssembledCase,
                    correlations: Correlations) -> None:
    """Mirror findings, biopsies and pathology into their tables, for the API and the pages."""
    findings = repository.findings_of(session, patient_pk)
    current = {f.key for f in assembled.findings}
    for finding in assembled.findings:
        row = findings.get(finding.key)
        if row is None:
            row = Finding(patient_pk=patient_pk, finding_key=finding.key)
            session.add(row)
            findings[finding.key] = row
        row.type = finding.type.value
        row.laterality = finding.laterality.value if finding.laterality else None
        row.location = compact(finding.location)
        row.first_seen_at = finding.first_seen
        row.summary = _finding_summary(finding)
    for key, row in findings.items():
        if key not in current and row.summary.get("current", True):
            row.summary = {**row.summary, "current": False}
    session.flush()

    matches = {m.biopsy_key: m.finding_key
               for m in correlations.matches if m.verdict is Correlation.CORRESPONDS}
    procedures = repository.procedures_of(session, patient_pk)
    for biopsy in assembled.biopsies:
        row = procedures.get(biopsy.key)
        if row is None:
            row = Procedure(patient_pk=patient_pk, procedure_key=biopsy.key)
            session.add(row)
        finding_row = findings.get(matches.get(biopsy.key, ""))
        row.finding_pk = finding_row.id if finding_row else None
        row.guidance = biopsy.guidance.value if biopsy.guidance else None
        row.laterality = biopsy.laterality.value if biopsy.laterality else None
        row.target_type = biopsy.target_type.value if biopsy.target_type else None
        row.performed_at = biopsy.performed_at
        row.details = {
            "implied": biopsy.implied,
            "specimen_radiograph": biopsy.specimen_radiograph.value if biopsy.specimen_radiograph else None,
            "target_location": compact(biopsy.target_location),
            "evidence": [{"source_uid": e.source_uid, "text": e.text} for e in biopsy.evidence],
            "pathology_uids": sorted({p.source_uid for p in biopsy.pathology}),
        }
    session.flush()


def _finding_summary(finding: CaseFinding) -> dict[str, Any]:
    return {
        "current": True,
        "types": sorted(t.value for t in finding.types),
        "birads": finding.latest_birads.value if finding.latest_birads else None,
        "flagged_for_biopsy": finding.flagged_for_biopsy,
        "developing": finding.developing,
        "evidence": [{"source_uid": e.source_uid, "text": e.text} for e in finding.evidence],
    }


def _sync_pathology(session: Session, patient_pk: int, facts: Sequence[ReportFacts],
                    report_pks: dict[str, int]) -> None:
    existing = repository.pathology_of(session, patient_pk)
    procedures = repository.procedures_of(session, patient_pk)
    by_uid: dict[str, int] = {}
    for row in procedures.values():
        for uid in row.details.get("pathology_uids", []):
            by_uid.setdefault(uid, row.id)
    for report in facts:
        report_pk = report_pks[report.source_uid]
        for index, specimen in enumerate(report.pathology):
            row = existing.get((report_pk, index))
            if row is None:
                row = PathologyResult(patient_pk=patient_pk, report_pk=report_pk,
                                      specimen_index=index)
                session.add(row)
            row.category = specimen.category.value
            row.laterality = specimen.laterality.value if specimen.laterality else None
            row.diagnosis = specimen.diagnosis or specimen.evidence.text
            row.lesions = [lesion.value for lesion in specimen.lesions]
            row.calcifications = specimen.calcifications
            row.procedure_pk = by_uid.get(report.source_uid)


def reevaluate_patient(
    session: Session,
    patient_pk: int,
    actor: str = "pipeline",
    now: datetime | None = None,
    site_config_path: Path | None = None,
    backfill: bool = False,
) -> ReconcileSummary:
    """Rebuild the patient's case, run the rules, and reconcile the items (no commit).
    ``backfill``: the new facts are history (``worklist.cases.backfill``)."""
    repository.lock_patient(session, patient_pk)
    now = now or utcnow()
    reports = repository.reports_of(session, patient_pk)
    case = load_case(session, patient_pk, reports)
    full = evaluate_in_full(case, _moment(case, now), site_config(site_config_path))
    _sync_case_rows(session, patient_pk, full.case, full.correlations)
    _sync_pathology(session, patient_pk, full.case.reports,
                    {r.sop_instance_uid: r.id for r in reports})
    summary = reconcile(session, patient_pk, repository.items_of(session, patient_pk),
                        full.evaluation, now, actor, backfill=backfill)
    session.flush()
    return summary
