"""The changes people make to items and cases. Each writes an item event (the item's history)
and an audit entry (who did what from where). Services never commit: the request does.

Reasons and notes go to the item's history only; the audit entry records the action, never
free text that may hold patient details.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from rules.facts import ConcordanceVerdict
from rules.items import ItemKind
from worklist import audit
from worklist.accounts.actor import Actor
from worklist.db.base import utcnow
from worklist.db.models import ConcordanceDecision, Finding, Item, ItemEvent, ItemStatus, Role
from worklist.items import repository
from worklist.items.filters import ACTIVE_STATUSES

MAX_TEXT_LENGTH = 4000

CaseChangedHook = Callable[[Session, int, str], None]
"""Called as ``hook(session, patient_pk, actor_username)`` after a person changed the case, inside
the same transaction, so the rules can open and close items before the request commits."""


class DocumentedVerdict(StrEnum):
    """The verdicts a radiologist documents (docs/architecture.md, REST API; ACR BI-RADS Atlas,
    radiology-pathology correlation). A subset of the rules' ``ConcordanceVerdict``."""

    CONCORDANT_BENIGN = ConcordanceVerdict.CONCORDANT_BENIGN.value
    CONCORDANT_MALIGNANT = ConcordanceVerdict.CONCORDANT_MALIGNANT.value
    DISCORDANT = ConcordanceVerdict.DISCORDANT.value
    """Benign pathology that does not explain the imaging: excision or re-biopsy."""
    HIGH_RISK = ConcordanceVerdict.HIGH_RISK.value


class ItemActionError(Exception):
    """An action the item's state or the actor's role does not allow. The message names no
    patient data, so it can be shown as it is."""

    def __init__(self, message: str, *, conflict: bool = False, forbidden: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict
        self.forbidden = forbidden


def _text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ItemActionError(f"a {what} is required")
    if len(text) > MAX_TEXT_LENGTH:
        raise ItemActionError(f"the {what} is longer than {MAX_TEXT_LENGTH} characters")
    return text


def _event(
    session: Session, item: Item, actor: Actor, action: str, reason: str = "", *,
    audit_action: str, now: datetime | None = None,
) -> ItemEvent:
    event = ItemEvent(item_pk=item.id, actor=actor.username, action=action, reason=reason,
                      at=now or utcnow(), data={"status": str(item.status)})
    session.add(event)
    audit.record(
        session, actor=actor.username, action=audit_action, object_type="item", object_id=item.id,
        patient_pk=item.patient_pk, remote_addr=actor.remote_addr,
        detail={"kind": item.kind, "status": str(item.status)},
    )
    return event


def _require_active(item: Item, verb: str) -> None:
    if item.status not in ACTIVE_STATUSES:
        raise ItemActionError(f"cannot {verb} an item that is {item.status}", conflict=True)


def acknowledge(session: Session, item: Item, actor: Actor) -> ItemEvent:
    if item.status != ItemStatus.OPEN:
        raise ItemActionError(f"only an open item can be acknowledged (it is {item.status})",
                              conflict=True)
    item.status = ItemStatus.ACKNOWLEDGED
    return _event(session, item, actor, "acknowledged", audit_action="acknowledge-item")


def _not_a_conflict_review(item: Item, verb: str) -> None:
    """A conflict-review item closes with the choice of what stands (the failed page, or
    ``/api/v1/conflicts``): closed by hand, the object would stay held with nobody looking."""
    if item.kind == ItemKind.CONFLICT_REVIEW.value:
        raise ItemActionError(f"cannot {verb} a conflict review by hand: choose what stands on "
                              "the failed page", conflict=True)


def resolve(session: Session, item: Item, actor: Actor, reason: str) -> ItemEvent:
    _not_a_conflict_review(item, "resolve")
    reason = _text(reason, "reason")
    _require_active(item, "resolve")
    now = utcnow()
    item.status = ItemStatus.RESOLVED
    item.closed_at = now
    return _event(session, item, actor, "resolved", reason, audit_action="resolve-item", now=now)


def dismiss(session: Session, item: Item, actor: Actor, reason: str) -> ItemEvent:
    """Only a radiologist may decide an item is not needed."""
    if actor.role != Role.RADIOLOGIST:
        raise ItemActionError("only a radiologist can dismiss an item", forbidden=True)
    _not_a_conflict_review(item, "dismiss")
    reason = _text(reason, "reason")
    _require_active(item, "dismiss")
    now = utcnow()
    item.status = ItemStatus.DISMISSED
    item.closed_at = now
    return _event(session, item, actor, "dismissed", reason, audit_action="dismiss-item", now=now)


def add_note(session: Session, item: Item, actor: Actor, note: str) -> ItemEvent:
    return _event(session, item, actor, "note", _text(note, "note"), audit_action="add-note")


def document_concordance(
    session: Session,
    finding: Finding,
    verdict: DocumentedVerdict,
    note: str,
    actor: Actor,
    on_case_changed: CaseChangedHook | None,
) -> ConcordanceDecision:
    """Record a radiologist's concordance decision, then let the rules re-evaluate the case."""
    if actor.role != Role.RADIOLOGIST:
        raise ItemActionError("only a radiologist can document concordance", forbidden=True)
    # A verdict on a finding no biopsy has sampled correlates nothing (seed 000: benign pathology
    # of another lesion does not explain it), and the rules would apply it to that finding's
    # future biopsy, closing its concordance-pending before anyone read the result.
    if not repository.finding_has_pathology(session, finding):
        raise ItemActionError("concordance can be documented only once a biopsy of this finding "
                              "has a pathology result", conflict=True)
    note = (note or "").strip()
    if len(note) > MAX_TEXT_LENGTH:
        raise ItemActionError(f"the note is longer than {MAX_TEXT_LENGTH} characters")
    decision = ConcordanceDecision(
        patient_pk=finding.patient_pk, finding_pk=finding.id, finding_key=finding.finding_key,
        verdict=DocumentedVerdict(verdict).value, note=note, decided_by_pk=actor.user_pk,
        decided_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    audit.record(
        session, actor=actor.username, action="document-concordance", object_type="finding",
        object_id=finding.id, patient_pk=finding.patient_pk, remote_addr=actor.remote_addr,
        detail={"verdict": decision.verdict, "decision": decision.id},
    )
    if on_case_changed is not None:
        on_case_changed(session, finding.patient_pk, actor.username)
    return decision


ItemAction = Callable[[], object]
"""A bound service call, for boundaries that run it and translate ItemActionError."""
