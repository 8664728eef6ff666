"""All models, imported here so the metadata is complete for Alembic and for tests."""

from worklist.db.models.accounts import ApiToken, AuditEntry, Role, User
from worklist.db.models.clinical import (
    ConcordanceDecision,
    Finding,
    Image,
    PathologyResult,
    Procedure,
    Report,
)
from worklist.db.models.hl7 import Hl7Result
from worklist.db.models.inbox import (
    Channel,
    ConflictChoice,
    ConflictKind,
    InboxObject,
    InboxState,
    ObjectCategory,
    ObjectConflict,
)
from worklist.db.models.items import (
    Digest, Item, ItemEvent, ItemStatus, Notification, OutreachAttempt, OutreachChannel,
    OutreachOutcome,
)
from worklist.db.models.patients import Patient, Study
from worklist.db.models.security import AssociationRejection, LoginThrottle, WebSession

__all__ = [
    "ApiToken", "AuditEntry", "Channel", "ConcordanceDecision", "Digest", "Finding", "Hl7Result", "Image",
    "InboxObject", "InboxState", "ConflictChoice", "ConflictKind", "ObjectConflict",
    "Item", "ItemEvent", "ItemStatus", "Notification", "OutreachAttempt", "OutreachChannel",
    "OutreachOutcome", "ObjectCategory", "PathologyResult", "Patient",
    "Procedure", "Report", "Role", "Study", "User",
    "AssociationRejection", "LoginThrottle", "WebSession",
]
