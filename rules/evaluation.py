"""One entry point: a patient's case and a moment in, the items that should be open (and those whose
closing condition is now met) out. The service layer reconciles its stored items against this."""

from __future__ import annotations

from datetime import datetime

from rules.case import Case, assemble
from rules.correlation import correlate
from rules.items import Evaluation, ItemDecision
from rules.pathways import RULES, Context
from rules.site import SiteConfig, default_site_config
from rules.timeline import utc


def evaluate(case: Case, now: datetime, config: SiteConfig | None = None) -> Evaluation:
    """Evaluate the case as it stands at ``now`` (facts dated later are left out).

    Pure and deterministic: the same facts in any order, evaluated any number of times, give the
    same items with the same keys.
    """
    config = config or default_site_config()
    moment = utc(now)
    assert moment is not None
    thresholds = config.correlation.thresholds()
    assembled = assemble(case, moment, thresholds)
    ctx = Context(assembled, correlate(assembled, thresholds), config, moment)
    items: dict[str, ItemDecision] = {}
    for rule in RULES:
        for item in rule(ctx):
            items.setdefault(item.key, item)
    ordered = [items[k] for k in sorted(items)]
    return Evaluation(
        open=tuple(i for i in ordered if i.is_open),
        satisfied=tuple(i for i in ordered if not i.is_open),
    )
