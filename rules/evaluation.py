"""One entry point: a patient's case and a moment in, the items that should be open (and those whose
closing condition is now met) out. The service layer reconciles its stored items against this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.case import AssembledCase, Case, assemble
from rules.correlation import Correlations, correlate
from rules.items import Evaluation, ItemDecision
from rules.pathways import RULES, Context
from rules.pathways.safety import safety_net
from rules.site import SiteConfig, default_site_config
from rules.timeline import utc


@dataclass(frozen=True)
class FullEvaluation:
    """The evaluation with what it was computed from, for a caller that also shows the case."""

    evaluation: Evaluation
    case: AssembledCase
    correlations: Correlations


def evaluate_in_full(case: Case, now: datetime, config: SiteConfig | None = None) -> FullEvaluation:
    """``evaluate``, also returning the assembled case and the biopsy-finding correlations, so a
    caller never assembles or correlates a second time (or with other thresholds)."""
    config = config or default_site_config()
    moment = utc(now)
    assert moment is not None
    thresholds = config.correlation.thresholds()
    assembled = assemble(case, moment, thresholds)
    correlations = correlate(assembled, thresholds)
    ctx = Context(assembled, correlations, config, moment)
    items: dict[str, ItemDecision] = {}
    for rule in RULES:
        for item in rule(ctx):
            items.setdefault(item.key, item)
    for item in safety_net(ctx, items):  # what a pathology result calls for, whatever the links
        items.setdefault(item.key, item)
    open_items: list[ItemDecision] = []
    satisfied: list[ItemDecision] = []
    for key in sorted(items):
        item = items[key]
        (satisfied if item.closing_evidence else open_items).append(item)
    evaluation = Evaluation(open=tuple(open_items), satisfied=tuple(satisfied))
    return FullEvaluation(evaluation, assembled, correlations)


def evaluate(case: Case, now: datetime, config: SiteConfig | None = None) -> Evaluation:
    """Evaluate the case as it stands at ``now`` (facts dated later are left out).

    Pure and deterministic: the same facts in any order, evaluated any number of times, give the
    same items with the same keys.
    """
    return evaluate_in_full(case, now, config).evaluation
