"""The API's request and response bodies (docs/architecture.md, "REST API")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from worklist.db.models import (
    ConcordanceDecision, Finding, Item, ItemEvent, OutreachChannel, OutreachOutcome, Patient,
)
from worklist.items.repository import is_overdue
from worklist.items.service import MAX_TEXT_LENGTH, DocumentedVerdict
from worklist.web.params import plain_text

Text = Annotated[str, AfterValidator(plain_text)]


class EvidenceOut(BaseModel):
    source_uid: str
    text: str


class FindingRef(BaseModel):
    id: int | None = Field(None, description="The finding's id, for documenting concordance.")
    type: str | None
    location: dict[str, Any]


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    reason: str

    @classmethod
    def of(cls, event: ItemEvent) -> EventOut:
        return cls(at=event.at, actor=event.actor, action=event.action, reason=event.reason)


class ItemOut(BaseModel):
    id: int
    kind: str
    status: str
    priority: str
    patient_id: str
    laterality: str | None = Field(description="L, R or B.")
    finding: FindingRef
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    escalation_level: int
    next_step: str
    evidence: list[EvidenceOut]
    assignee: str | None = Field(None, description="The username who owns the item.")
    held_until: datetime | None = Field(
        None, description="On hold (off the active list and the reminders) until then.")
    hold_reason: str = ""

    @classmethod
    def of(cls, item: Item, patient: Patient, finding: Finding | None, now: datetime) -> ItemOut:
        return cls(**_item_fields(item, patient, finding, now))


def _item_fields(item: Item, patient: Patient, finding: Finding | None, now: datetime
                 ) -> dict[str, Any]:
    return {
        "id": item.id, "kind": item.kind, "status": str(item.status), "priority": item.priority,
        "patient_id": patient.patient_id, "laterality": item.laterality,
        "finding": FindingRef(id=finding.id if finding else None, type=item.finding_type,
                              location=item.location or {}),
        "opened_at": item.opened_at, "due_at": item.due_at, "overdue": is_overdue(item, now),
        "escalation_level": item.escalation_level, "next_step": item.next_step,
        "evidence": [EvidenceOut(**e) for e in item.evidence or []],
        "assignee": item.assignee,
        "held_until": item.held_until if item.held_until and item.held_until > now else None,
        "hold_reason": item.hold_reason if item.held_until and item.held_until > now else "",
    }


class ItemDetailOut(ItemOut):
    priority_reasons: list[str]
    closes_when: str
    closed_at: datetime | None
    closing_evidence: list[EvidenceOut]
    events: list[EventOut]

    @classmethod
    def detail(cls, item: Item, patient: Patient, finding: Finding | None, now: datetime
               ) -> ItemDetailOut:
        return cls(
            **_item_fields(item, patient, finding, now),
            priority_reasons=list(item.priority_reasons or []),
            closes_when=item.closes_when, closed_at=item.closed_at,
            closing_evidence=[EvidenceOut(**e) for e in item.closing_evidence or []],
            events=[EventOut.of(event) for event in item.events],
        )


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    total: int
    page: int
    page_size: int
    pages: int
    next: str | None = Field(description="The next page's URL, or null on the last page.")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str | None = Field(None, max_length=64, description="A username; null: nobody.")


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date = Field(description="The local day (WORKLIST_TIMEZONE) the item comes back.")
    reason: Text = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class OutreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: OutreachChannel
    outcome: OutreachOutcome
    note: Text = Field("", max_length=MAX_TEXT_LENGTH)


class OutreachOut(BaseModel):
    at: datetime
    actor: str
    channel: str
    outcome: str
    note: str


class ConcordanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: DocumentedVerdict
    note: Text = Field("", max_length=MAX_TEXT_LENGTH)


class ConcordanceOut(BaseModel):
    id: int
    finding_id: int
    verdict: str
    note: str
    decided_at: datetime
    items: list[ItemOut] = Field(description="The patient's items once the rules have re-run.")

    @classmethod
    def of(cls, decision: ConcordanceDecision, items: list[ItemOut]) -> ConcordanceOut:
        return cls(id=decision.id, finding_id=decision.finding_pk or 0, verdict=decision.verdict,
                   note=decision.note, decided_at=decision.decided_at, items=items)


class PatientOut(BaseModel):
    patient_id: str
    issuer: str
    name: str
    birth_date: date | None
    sex: str


class FindingOut(BaseModel):
    id: int
    finding_key: str
    type: str
    laterality: str | None
    location: dict[str, Any]
    summary: dict[str, Any]


class ProcedureOut(BaseModel):
    id: int
    finding_id: int | None
    guidance: str | None
    laterality: str | None
    target_type: str | None
    performed_at: datetime | None


class PathologyOut(BaseModel):
    id: int
    procedure_id: int | None
    category: str
    laterality: str | None
    diagnosis: str
    lesions: list[str]
    calcifications: bool | None


class DecisionOut(BaseModel):
    id: int
    finding_id: int | None
    verdict: str
    note: str
    decided_at: datetime


class CaseOut(BaseModel):
    patient: PatientOut
    findings: list[FindingOut]
    procedures: list[ProcedureOut]
    pathology: list[PathologyOut]
    concordance: list[DecisionOut]
    items: list[ItemOut]


class ErrorOut(BaseModel):
    detail: str
