"""The changes people make to items and cases. Each writes an item event (the item's history)
and an audit entry (who did what from where). Services never commit: the request does.

Reasons and notes go to the item's history only; the audit entry records the action, never
free text that may hold patient details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.facts import ConcordanceVerdict
from rules.items import ItemKind
from worklist import audit
from worklist.accounts.actor import Actor
from worklist.db.base import utcnow
from worklist.db.models import (
    ConcordanceDecision, Finding, Item, ItemEvent, ItemStatus, OutreachAttempt, OutreachChannel,
    OutreachOutcome, Role, User,
)
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
    items: Sequence[Item] = (),
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
    said = DocumentedVerdict(verdict).value.replace("-", " ")
    for item in items:
        # The item's own history names the radiologist and the verdict, whatever the rules
        # then do to the item (close it, or leave it for another step).
        session.add(ItemEvent(item_pk=item.id, actor=actor.username, action="concordance",
                              at=decision.decided_at,
                              reason=f"{said.capitalize()}, documented by {actor.username}"
                                     + (f": {note}" if note else ""),
                              data={"status": str(item.status), "verdict": decision.verdict,
                                    "decision": decision.id}))
    session.flush()
    if on_case_changed is not None:
        on_case_changed(session, finding.patient_pk, actor.username)
    return decision


ItemAction = Callable[[], object]
"""A bound service call, for boundaries that run it and translate ItemActionError."""


# A coordinator's morning: ownership, holds, outreach and lost to follow-up.

MAX_USERNAME_LENGTH = 64


def assign(session: Session, item: Item, actor: Actor, assignee: str | None) -> ItemEvent:
    """Give the item to a person (an active user who reads the worklist), or to nobody."""
    _require_active(item, "assign")
    name = (assignee or "").strip() or None
    if name is not None and name not in assignable_users(session):
        raise ItemActionError("that person is not an active coordinator or radiologist")
    if name == item.assignee:
        raise ItemActionError("the item is already assigned so", conflict=True)
    item.assignee = name
    event = _event(session, item, actor, "assigned" if name else "unassigned",
                   f"to {name}" if name else "", audit_action="assign-item")
    event.data = {**event.data, "assignee": name}
    return event


def assignable_users(session: Session) -> list[str]:
    """Usernames an item can be given to: active coordinators and radiologists."""
    return list(session.scalars(
        select(User.username).where(User.active.is_(True),
                                    User.role.in_([Role.COORDINATOR, Role.RADIOLOGIST]))
        .order_by(User.username)))


def hold(session: Session, item: Item, actor: Actor, until: datetime, reason: str,
         now: datetime | None = None) -> ItemEvent:
    """Put the item aside until ``until`` (the start of a local day): it leaves the active list
    and the reminders, and comes back by itself then."""
    reason = _text(reason, "reason")
    _require_active(item, "hold")
    now = now or utcnow()
    if until <= now:
        raise ItemActionError("the hold must end in the future")
    item.held_until = until
    item.hold_reason = reason
    event = _event(session, item, actor, "held", reason, audit_action="hold-item", now=now)
    event.data = {**event.data, "held_until": until.isoformat()}
    return event


def release_hold(session: Session, item: Item, actor: Actor, now: datetime | None = None
                 ) -> ItemEvent:
    now = now or utcnow()
    if item.held_until is None or item.held_until <= now:
        raise ItemActionError("the item is not on hold", conflict=True)
    item.held_until = None
    item.hold_reason = ""
    return _event(session, item, actor, "hold-released", audit_action="release-hold", now=now)


def record_outreach(session: Session, item: Item, actor: Actor, channel: OutreachChannel,
                    outcome: OutreachOutcome, note: str = "") -> OutreachAttempt:
    """A call, letter or message to the patient about this item. The note goes to the item's
    history; the audit entry records channel and outcome only."""
    note = (note or "").strip()
    if len(note) > MAX_TEXT_LENGTH:
        raise ItemActionError(f"the note is longer than {MAX_TEXT_LENGTH} characters")
    now = utcnow()
    attempt = OutreachAttempt(item_pk=item.id, actor=actor.username, at=now,
                              channel=OutreachChannel(channel), outcome=OutreachOutcome(outcome),
                              note=note)
    session.add(attempt)
    session.add(ItemEvent(item_pk=item.id, actor=actor.username, action="outreach", at=now,
                          reason=note, data={"status": str(item.status), "channel": channel.value,
                                             "outcome": outcome.value}))
    audit.record(
        session, actor=actor.username, action="record-outreach", object_type="item",
        object_id=item.id, patient_pk=item.patient_pk, remote_addr=actor.remote_addr,
        detail={"kind": item.kind, "channel": channel.value, "outcome": outcome.value},
    )
    return attempt


def mark_lost_to_follow_up(session: Session, item: Item, actor: Actor, reason: str) -> ItemEvent:
    """The patient could not be brought back: the item closes as ``lost-to-follow-up`` (counted
    apart from steps done), and the rules leave it closed as they do any person's decision."""
    reason = _text(reason, "reason")
    _require_active(item, "mark lost to follow-up")
    now = utcnow()
    item.status = ItemStatus.LOST_TO_FOLLOW_UP
    item.closed_at = now
    item.held_until = None
    return _event(session, item, actor, "lost-to-follow-up", reason,
                  audit_action="lost-to-follow-up", now=now)
