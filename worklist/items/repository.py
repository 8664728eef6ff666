"""Queries behind the worklist, an item's page and a patient's case.

Typed SQLAlchemy statements with bound parameters only; filters arrive already validated
(``worklist.items.filters``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, Unpack

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from worklist.db.models import (
    ConcordanceDecision,
    Finding,
    Image,
    Item,
    ItemEvent,
    ItemStatus,
    OutreachAttempt,
    OutreachOutcome,
    PathologyResult,
    Patient,
    Procedure,
    Report,
    Study,
)
from worklist.items.filters import (
    ACTIVE_STATUSES,
    ItemFilter,
    ItemSort,
    PageRequest,
    Queue,
    day_end,
    day_start,
    in_queue,
)

FIRST_PAGE = PageRequest()
_Query = TypeVar("_Query", bound=Select[Unpack[tuple[Any, ...]]])


@dataclass(frozen=True)
class ItemRow:
    item: Item
    patient: Patient

    def is_overdue(self, now: datetime) -> bool:
        return is_overdue(self.item, now)


@dataclass(frozen=True)
class ItemPage:
    rows: list[ItemRow]
    total: int
    page: PageRequest

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page.size))

    @property
    def has_next(self) -> bool:
        return self.page.number < self.pages


def is_overdue(item: Item, now: datetime) -> bool:
    return item.status in ACTIVE_STATUSES and item.due_at is not None and item.due_at < now


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _status_in(statuses: Sequence[ItemStatus]) -> ColumnElement[bool]:
    # Rendered as literals (enum values, never user text): PostgreSQL and SQLite can then prove
    # the active-items partial index's predicate, in every plan of a prepared statement too.
    values: BindParameter[Any] = bindparam(None, [s.value for s in statuses], expanding=True,
                                           literal_execute=True)
    return Item.status.in_(values)


def _conditions(filters: ItemFilter, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(_status_in(filters.statuses))
    if filters.kinds:
        conditions.append(Item.kind.in_([k.value for k in filters.kinds]))
    if filters.priorities:
        conditions.append(Item.priority.in_([p.value for p in filters.priorities]))
    if filters.laterality is not None:
        conditions.append(Item.laterality == filters.laterality.value)
    if filters.patient_id is not None:
        conditions.append(Patient.patient_id == filters.patient_id)
    if filters.patient_text:
        text = filters.patient_text.strip()
        conditions.append(
            or_(
                Patient.patient_id == text,
                func.lower(Patient.name).like(f"%{_escape_like(text.lower())}%", escape="\\"),
            )
        )
    overdue = and_(
        _status_in(ACTIVE_STATUSES),
        Item.due_at.is_not(None),
        Item.due_at < now,
    )
    if filters.overdue is True:
        conditions.append(overdue)
    elif filters.overdue is False:
        conditions.append(~overdue)
    if filters.due_from is not None:
        conditions.append(Item.due_at >= day_start(filters.due_from, filters.zone))
    end = day_end(filters.due_to, filters.zone) if filters.due_to is not None else None
    if end is not None:
        conditions.append(Item.due_at < end)
    elif filters.due_to is not None:
        conditions.append(Item.due_at.is_not(None))
    if filters.assignee is not None:
        conditions.append(Item.assignee == filters.assignee)
    if filters.unassigned:
        conditions.append(Item.assignee.is_(None))
    if filters.held is True:
        conditions.append(held_at(now))
    elif filters.held is False:
        conditions.append(~held_at(now))
    if filters.due_within is not None:
        conditions.append(or_(Item.due_at.is_(None), Item.due_at < filters.due_within))
    if filters.due_beyond is not None:
        conditions.append(Item.due_at >= filters.due_beyond)
    return conditions


def held_at(now: datetime) -> ColumnElement[bool]:
    """On hold at ``now``: a hold that has passed is no hold (no job needs to lift it)."""
    return and_(Item.held_until.is_not(None), Item.held_until > now)


def _ordering(sort: ItemSort) -> list[Any]:
    due = Item.due_at.asc().nulls_last()
    if sort is ItemSort.DUE:
        return [due, Item.priority_rank.asc(), Item.id.asc()]
    if sort is ItemSort.OPENED:
        return [Item.opened_at.desc(), Item.id.desc()]
    return [Item.priority_rank.asc(), due, Item.id.asc()]


def _filtered(statement: _Query, filters: ItemFilter, now: datetime) -> _Query:
    # Patients are joined only to filter on them: every item has its patient (a NOT NULL
    # foreign key), and without the join counts are index-only scans of the items' indexes.
    if filters.patient_id is not None or filters.patient_text:
        statement = statement.join(Patient, Patient.id == Item.patient_pk)
    return statement.where(*_conditions(filters, now))


def list_items(
    session: Session,
    filters: ItemFilter,
    *,
    sort: ItemSort = ItemSort.PRIORITY,
    page: PageRequest = FIRST_PAGE,
    now: datetime,
) -> ItemPage:
    total = session.scalar(_filtered(select(func.count(Item.id)), filters, now)) or 0
    # The page's ids first (from the indexes alone when they cover the filters), then only
    # those rows: sorting whole rows would read every matching item from the table.
    page_ids = (
        _filtered(select(Item.id), filters, now)
        .order_by(*_ordering(sort))
        .limit(page.size)
        .offset(page.offset)
        .correlate(None)
    )
    statement = (
        select(Item, Patient)
        .join(Patient, Patient.id == Item.patient_pk)
        .where(Item.id.in_(page_ids))
        .order_by(*_ordering(sort))
    )
    rows = [ItemRow(item, patient) for item, patient in session.execute(statement).all()]
    return ItemPage(rows=rows, total=int(total), page=page)


def count_by_kind(session: Session, filters: ItemFilter, now: datetime) -> dict[str, int]:
    """Items per kind under the same filters (the kind filter aside), largest first."""
    without_kind = replace(filters, kinds=())
    statement = _filtered(select(Item.kind, func.count(Item.id)), without_kind, now).group_by(
        Item.kind
    )
    counts = {kind: int(n) for kind, n in session.execute(statement).all()}
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


@dataclass(frozen=True)
class Alarms:
    """What must be impossible to miss: active urgent and overdue items across the whole list."""

    urgent: int
    overdue: int
    active: int


def alarms(session: Session, now: datetime) -> Alarms:
    active = _status_in(ACTIVE_STATUSES)
    # An item on hold was put aside on purpose: it rings again when its hold ends.
    awake = ~held_at(now)
    urgent, overdue, total = session.execute(
        select(
            func.count(Item.id).filter(Item.priority_rank == 0, awake),
            func.count(Item.id).filter(Item.due_at.is_not(None), Item.due_at < now, awake),
            func.count(Item.id),
        ).where(active)
    ).one()
    return Alarms(urgent=int(urgent), overdue=int(overdue), active=int(total))


def queue_counts(session: Session, filters: ItemFilter, now: datetime, horizon_days: int
                 ) -> dict[str, int]:
    """How many items each tab holds under the other filters."""
    counts = {}
    for queue in Queue:
        statement = _filtered(select(func.count(Item.id)),
                              in_queue(filters, queue, now, horizon_days), now)
        counts[queue.value] = int(session.scalar(statement) or 0)
    return counts


def outreach_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[OutreachAttempt]]:
    """Each item's outreach attempts, oldest first."""
    if not item_ids:
        return {}
    found: dict[int, list[OutreachAttempt]] = {item_id: [] for item_id in item_ids}
    for attempt in session.scalars(select(OutreachAttempt)
                                   .where(OutreachAttempt.item_pk.in_(list(item_ids)))
                                   .order_by(OutreachAttempt.at, OutreachAttempt.id)):
        found[attempt.item_pk].append(attempt)
    return found


def unanswered(attempts: Sequence[OutreachAttempt]) -> int:
    """Attempts since the patient was last reached that got no answer at all (calls not
    answered, wrong numbers, letters returned): the list's "no answer x3"."""
    count = 0
    for attempt in attempts:
        if attempt.outcome is OutreachOutcome.REACHED:
            count = 0
        elif attempt.outcome in SILENT_OUTCOMES:
            count += 1
    return count


SILENT_OUTCOMES = frozenset({OutreachOutcome.NO_ANSWER, OutreachOutcome.WRONG_NUMBER,
                             OutreachOutcome.RETURNED, OutreachOutcome.LEFT_MESSAGE})


def get_item(session: Session, item_id: int) -> ItemRow | None:
    row = session.execute(
        select(Item, Patient)
        .join(Patient, Patient.id == Item.patient_pk)
        .where(Item.id == item_id)
        .options(selectinload(Item.events))
    ).one_or_none()
    return ItemRow(row[0], row[1]) if row is not None else None


def get_finding(session: Session, finding_id: int) -> Finding | None:
    return session.get(Finding, finding_id)


def finding_of_item(session: Session, item: Item) -> Finding | None:
    if not item.finding_key:
        return None
    return session.scalars(
        select(Finding).where(
            Finding.patient_pk == item.patient_pk, Finding.finding_key == item.finding_key
        )
    ).one_or_none()


def active_items_of_finding(session: Session, finding: Finding) -> list[Item]:
    """The open and acknowledged items about this finding: whose history a decision on it
    belongs to."""
    return list(session.scalars(
        select(Item).where(Item.patient_pk == finding.patient_pk,
                           Item.finding_key == finding.finding_key, _status_in(ACTIVE_STATUSES))
        .order_by(Item.id)))


def finding_has_pathology(session: Session, finding: Finding) -> bool:
    """A biopsy that sampled this finding has a pathology result: only then is there a
    radiology-pathology concordance to document for it."""
    return session.scalar(
        select(PathologyResult.id)
        .join(Procedure, Procedure.id == PathologyResult.procedure_pk)
        .where(Procedure.finding_pk == finding.id)
        .limit(1)
    ) is not None


def reports_by_uid(session: Session, uids: Sequence[str]) -> dict[str, Report]:
    if not uids:
        return {}
    reports = session.scalars(select(Report).where(Report.sop_instance_uid.in_(list(uids))))
    return {report.sop_instance_uid: report for report in reports}


def patients_by_id(session: Session, patient_id: str) -> list[Patient]:
    """Every patient with this DICOM Patient ID (one per issuer)."""
    return list(
        session.scalars(
            select(Patient).where(Patient.patient_id == patient_id).order_by(Patient.id)
        )
    )


SYSTEM_KINDS = frozenset({"item-event"})


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | None
    kind: str
    """study, report, procedure, pathology, concordance or item-event."""
    title: str
    detail: str = ""
    item_id: int | None = None


@dataclass(frozen=True)
class PatientCase:
    patient: Patient
    studies: list[Study]
    reports: list[Report]
    images: list[Image]
    findings: list[Finding]
    procedures: list[Procedure]
    pathology: list[PathologyResult]
    decisions: list[ConcordanceDecision]
    items: list[Item]
    events: list[ItemEvent] = field(default_factory=list)

    def timeline(self) -> list[TimelineEntry]:
        """Everything that happened to the patient, newest first."""
        entries: list[TimelineEntry] = []
        for study in self.studies:
            entries.append(
                TimelineEntry(study.study_date, "study", study.description or "Study",
                              study.modalities)
            )
        for report in self.reports:
            entries.append(
                TimelineEntry(report.observed_at or report.created_at, "report",
                              (report.title or "report").replace("-", " ").capitalize(),
                              f"{report.kind} report")
            )
        for procedure in self.procedures:
            target = " ".join(filter(None, [procedure.laterality, procedure.target_type]))
            entries.append(
                TimelineEntry(procedure.performed_at or procedure.created_at, "procedure",
                              f"Biopsy ({procedure.guidance or 'guidance not stated'})", target)
            )
        reported = {report.id: report.observed_at for report in self.reports}
        for result in self.pathology:
            entries.append(
                TimelineEntry(reported.get(result.report_pk) or result.created_at, "pathology",
                              f"Pathology: {result.category}", result.diagnosis)
            )
        for decision in self.decisions:
            entries.append(
                TimelineEntry(decision.decided_at, "concordance",
                              f"Concordance: {decision.verdict}", decision.note)
            )
        kinds = {item.id: item.kind for item in self.items}
        for event in self.events:
            entries.append(
                TimelineEntry(event.at, "item-event", f"{kinds.get(event.item_pk, 'item')}: "
                              f"{event.action} by {event.actor}", event.reason, event.item_pk)
            )
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(entries, key=lambda entry: entry.at or oldest, reverse=True)

    def clinical_timeline(self) -> list[TimelineEntry]:
        """Studies, reports, biopsies, pathology and concordance decisions by their clinical
        date (when the study was done, the report signed), newest first."""
        return [entry for entry in self.timeline() if entry.kind not in SYSTEM_KINDS]

    def activity(self) -> list[TimelineEntry]:
        """What happened to the worklist's items (opened by the pipeline, escalated, notes,
        holds), newest first: kept apart from the clinical story."""
        return [entry for entry in self.timeline() if entry.kind in SYSTEM_KINDS]


def patient_case(session: Session, patient_pk: int) -> PatientCase | None:
    patient = session.get(Patient, patient_pk)
    if patient is None:
        return None

    def of_patient(model: Any, *order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.patient_pk == patient_pk)
                                    .order_by(*order)))

    items = of_patient(Item, Item.priority_rank, Item.due_at.asc().nulls_last(), Item.id)
    item_ids = [item.id for item in items]
    events = (
        list(session.scalars(select(ItemEvent).where(ItemEvent.item_pk.in_(item_ids))
                             .order_by(ItemEvent.id)))
        if item_ids else []
    )
    return PatientCase(
        patient=patient,
        studies=of_patient(Study, Study.study_date, Study.id),
        reports=of_patient(Report, Report.observed_at, Report.id),
        images=of_patient(Image, Image.acquired_at, Image.id),
        findings=of_patient(Finding, Finding.id),
        procedures=of_patient(Procedure, Procedure.performed_at, Procedure.id),
        pathology=of_patient(PathologyResult, PathologyResult.id),
        decisions=of_patient(ConcordanceDecision, ConcordanceDecision.decided_at),
        items=items,
        events=events,
    )



def findings_for_items(session: Session, items: Sequence[Item]) -> dict[tuple[int, str], Finding]:
    """The finding each item is about, keyed by (patient, finding key), in one query."""
    patient_pks = {item.patient_pk for item in items if item.finding_key}
    if not patient_pks:
        return {}
    findings = session.scalars(select(Finding).where(Finding.patient_pk.in_(patient_pks)))
    return {(finding.patient_pk, finding.finding_key): finding for finding in findings}


@dataclass(frozen=True)
class SampledResult:
    """A pathology result of a biopsy of the finding, with the report it came in."""

    result: PathologyResult
    procedure: Procedure
    report: Report | None


def pathology_of_finding(session: Session, finding: Finding) -> list[SampledResult]:
    """What the needle found in this finding: the other half of a concordance decision."""
    rows = session.execute(
        select(PathologyResult, Procedure, Report)
        .join(Procedure, Procedure.id == PathologyResult.procedure_pk)
        .outerjoin(Report, Report.id == PathologyResult.report_pk)
        .where(Procedure.finding_pk == finding.id)
        .order_by(PathologyResult.id)
    ).all()
    return [SampledResult(result, procedure, report) for result, procedure, report in rows]


def studies_by_pk(session: Session, study_pks: Sequence[int]) -> dict[int, Study]:
    if not study_pks:
        return {}
    return {s.id: s for s in session.scalars(select(Study).where(Study.id.in_(list(study_pks))))}
