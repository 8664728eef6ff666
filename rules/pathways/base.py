"""What every pathway rule receives (the assembled case, the correlations, the site policy, the
moment of evaluation) and the one way items are built, so due dates and priorities are uniform."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from mypy_extensions import mypyc_attr

from rules.anatomy import Laterality, Location
from rules.case import AssembledCase, Biopsy, Finding
from rules.correlation import Correlations
from rules.decisions import Documented, DocumentedAction
from rules.documents import ImageRecord, Modality
from rules.facts import Evidence, FindingType
from rules.items import ItemDecision, ItemKind, Priority
from rules.memo import computed_once
from rules.priority import raise_priority
from rules.site import ItemDefaults, SiteConfig
from rules.timeline import UNDATED

_NOWHERE = Location()
_NO_RISK: tuple[Priority | None, tuple[str, ...]] = (None, ())
# Read for every item: on Python 3.11 ``Enum.MEMBER`` goes through the enum metaclass's
# __getattr__ hook, several times the cost of a module-level name.
_URGENT = Priority.URGENT
_BOTH = Laterality.BOTH
_KEY_PREFIX = {kind: str(kind) + ":" for kind in ItemKind}
#: ``_new_item((...every field...))``: an ItemDecision without the generated keyword-aware __new__.
_new_item = partial(tuple.__new__, ItemDecision)


# Compiled builds keep this an ordinary class: its computed_once caches live in the instance dict.
@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Context:
    case: AssembledCase
    correlations: Correlations
    config: SiteConfig
    now: datetime

    def targets(self, biopsy: Biopsy) -> tuple[Finding, ...]:
        """The findings the biopsy sampled (several rules ask, so it is worked out once)."""
        found = self._targets.get(biopsy.key)
        if found is None:
            keys = self.correlations.targets_of(biopsy.key)
            found = tuple(f for f in self.case.findings if f.key in keys)
        return found

    @computed_once
    def item_defaults(self) -> dict[ItemKind, ItemDefaults]:
        """The site's per-kind priority and due intervals (read once per evaluation)."""
        return self.config.item_defaults

    @computed_once
    def _targets(self) -> dict[str, tuple[Finding, ...]]:
        out: dict[str, tuple[Finding, ...]] = {}
        for b in self.case.biopsies:
            keys = self.correlations.targets_of(b.key)
            out[b.key] = tuple(f for f in self.case.findings if f.key in keys) if keys else ()
        return out

    def documented(
        self, kind: ItemKind, subject: str, *actions: DocumentedAction
    ) -> tuple[Evidence, ...]:
        """Documented actions that close the item of this kind about ``subject``."""
        if not self.case.decisions:
            return ()  # nothing documented (the usual case): skip building the generator
        return tuple(
            decision_evidence(d.action.value, d.note)
            for d in self.documented_decisions(kind, subject, *actions)
        )

    def documented_decisions(
        self, kind: ItemKind, subject: str, *actions: DocumentedAction
    ) -> tuple[Documented, ...]:
        if not self.case.decisions:
            return ()
        item_key = item_key_of(kind, subject)
        return tuple(
            d
            for d in self.case.decisions
            if isinstance(d, Documented) and d.item_key == item_key and d.action in actions
        )

    def images(
        self,
        side: Laterality | None,
        since: datetime | None,
        modalities: frozenset[Modality] | None = None,
    ) -> tuple[ImageRecord, ...]:
        """Images of that breast (bilateral images count for each), acquired on or after ``since``
        (by day: same-day images and reports come in either order; an undated image counts)."""
        # Every time here is UTC (assembly made it so): 'same day or later' is 'from midnight on'.
        start = since.replace(hour=0, minute=0, second=0, microsecond=0) if since else None
        # Laterality.covers written out, and decided once when any image side will do.
        any_side = side is None or side is _BOTH
        found: list[ImageRecord] = []
        for i in self.case.images:
            if not any_side:
                image_side = i.laterality
                if not (image_side is None or image_side is side or image_side is _BOTH):
                    continue
            if start is not None:
                at = i.acquired_at
                if at is not None and at < start:
                    continue
            if modalities is None or i.modality in modalities:
                found.append(i)
        return tuple(found)


def decision_evidence(what: str, note: str = "") -> Evidence:
    return Evidence(source_uid=f"decision:{what}", text=note or f"{what} documented")


def image_evidence(image: ImageRecord, what: str) -> Evidence:
    return Evidence(source_uid=image.sop_instance_uid, text=what)


def build(
    ctx: Context,
    kind: ItemKind,
    subject: str,
    *,
    laterality: Laterality | None,
    opened_at: datetime | None,
    evidence: Sequence[Evidence],
    next_step: str,
    closes_when: str,
    closing: Sequence[Evidence] = (),
    finding: Finding | None = None,
    finding_type: FindingType | None = None,
    location: Location | None = None,
    risk: tuple[Priority | None, tuple[str, ...]] = _NO_RISK,
    due_at: datetime | None = None,
) -> ItemDecision:
    defaults = ctx.item_defaults[kind]
    raised, reasons = risk
    priority = defaults.priority if raised is None else raise_priority(defaults.priority, raised)
    # An undated start (a report whose header has no date sorts last) opens at the moment evaluated.
    opened = ctx.now if opened_at is None or opened_at == UNDATED else opened_at
    if due_at is None:
        due_at = opened + (defaults.urgent_due if priority is _URGENT else defaults.due)
    finding_key = None
    if finding is not None:  # an item about a finding takes its side, type and place by default
        laterality = finding.laterality if laterality is None else laterality
        finding_type = finding.type
        location = finding.location if location is None else location
        finding_key = finding.key
    # In the field order of ItemDecision, built from one tuple: an evaluation builds one per item.
    return _new_item(
        (
            _KEY_PREFIX[kind] + subject,  # key: item_key_of(kind, subject)
            kind,
            laterality,
            finding_type,
            _NOWHERE if location is None else location,
            finding_key,
            priority,
            reasons,  # priority_reasons
            opened,  # opened_at
            due_at,
            next_step,
            tuple(evidence) if len(evidence) < 2 else _unique(evidence),
            closes_when,
            tuple(closing) if len(closing) < 2 else _unique(closing),  # closing_evidence
        )
    )


def item_key_of(kind: ItemKind, subject: str) -> str:
    """``{kind}:{subject}``: stable, so the service finds the same item again."""
    return str(kind) + ":" + subject


def _unique(evidence: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """In order, each piece of evidence once (the same document and sentence)."""
    if len(evidence) < 2:
        return tuple(evidence)  # nothing can repeat
    seen: set[tuple[str, str]] = set()
    out: list[Evidence] = []
    for e in evidence:
        identity = (e.source_uid, e.text)
        if identity not in seen:
            seen.add(identity)
            out.append(e)
    return tuple(out)
