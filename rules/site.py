"""Site configuration: per-kind due intervals, reminders, escalations, follow-up windows and the
correlation limits, in one file a site can change (``site_defaults.yaml`` holds the defaults).

A site file overrides the defaults key by key. A bad file stops start-up with a message that names
the file and the key (clinical due dates must never silently fall back to something else).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rules.audit.exams import PurposeWords
from rules.items import ItemKind, Priority
from rules.thresholds import CorrelationThresholds

DEFAULTS_PATH = Path(__file__).with_name("site_defaults.yaml")


class SiteConfigError(ValueError):
    """The site configuration file cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindPolicy(_Strict):
    due_days: int = Field(ge=0)
    urgent_due_days: int | None = Field(default=None, ge=0)
    """A shorter interval for urgent items of this kind, when the site wants one."""
    priority: Priority
    """The priority when no clinical reason raises it."""
    reminder_days_before_due: tuple[int, ...] = ()
    escalation_days_after_due: tuple[int, ...] = ()
    """Each step raises the escalation level by one, this many days after the due date."""


class FollowUpPolicy(_Strict):
    short_interval_months: int = Field(ge=1, le=24)
    annual_months: int = Field(ge=1, le=36)
    window_before_days: int = Field(ge=0, le=180)
    window_after_days: int = Field(ge=0, le=180)


class CorrelationPolicy(_Strict):
    clock_same_hours: float = Field(ge=0, le=6)
    clock_different_hours: float = Field(ge=0, le=6)
    nipple_same_mm: float = Field(ge=0)
    nipple_different_mm: float = Field(ge=0)
    quadrant_clock_tolerance_hours: float = Field(ge=0, le=3)

    @model_validator(mode="after")
    def _ordered(self) -> CorrelationPolicy:
        if self.clock_same_hours > self.clock_different_hours:
            raise ValueError("clock_same_hours must not exceed clock_different_hours")
        if self.nipple_same_mm > self.nipple_different_mm:
            raise ValueError("nipple_same_mm must not exceed nipple_different_mm")
        return self

    def thresholds(self) -> CorrelationThresholds:
        return self._thresholds

    @cached_property
    def _thresholds(self) -> CorrelationThresholds:
        # Once per configuration: every evaluation asks for them.
        return CorrelationThresholds(**self.model_dump())


class AuditPolicy(_Strict):
    """How the outcomes audit tells screening from diagnostic examinations, and which it leaves
    out (words in the report title or study description; see ``rules.audit.exams``)."""

    screening_words: list[str] = Field(default_factory=lambda: list(PurposeWords().screening))
    diagnostic_words: list[str] = Field(default_factory=lambda: list(PurposeWords().diagnostic))
    excluded_words: list[str] = Field(default_factory=lambda: list(PurposeWords().excluded))

    def words(self) -> PurposeWords:
        lower = str.lower
        return PurposeWords(tuple(map(lower, self.screening_words)),
                            tuple(map(lower, self.diagnostic_words)),
                            tuple(map(lower, self.excluded_words)))


class SiteConfig(_Strict):
    kinds: dict[ItemKind, KindPolicy]
    follow_up: FollowUpPolicy
    correlation: CorrelationPolicy
    audit: AuditPolicy = Field(default_factory=AuditPolicy)

    @model_validator(mode="after")
    def _every_kind(self) -> SiteConfig:
        missing = [k.value for k in ItemKind if k not in self.kinds]
        if missing:
            raise ValueError(f"no policy for kinds: {', '.join(missing)}")
        return self

    def policy(self, kind: ItemKind) -> KindPolicy:
        return self.kinds[kind]

    @cached_property
    def item_defaults(self) -> dict[ItemKind, ItemDefaults]:
        """Per kind, what every item starts from; worked out once per configuration."""
        return {
            kind: ItemDefaults(
                priority=p.priority,
                due=timedelta(days=p.due_days),
                urgent_due=timedelta(days=p.urgent_due_days or p.due_days),
            )
            for kind, p in self.kinds.items()
        }


class ItemDefaults(NamedTuple):
    priority: Priority
    """The priority when no clinical reason raises it."""
    due: timedelta
    """From opening to due."""
    urgent_due: timedelta
    """From opening to due for an urgent item (``urgent_due_days`` when the site sets one)."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteConfigError(
            f"{path}: cannot read the site configuration ({exc.strerror})"
        ) from exc
    except yaml.YAMLError as exc:
        raise SiteConfigError(f"{path}: not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteConfigError(f"{path}: the top level must be a mapping of settings")
    return data


def load_site_config(path: Path | None = None) -> SiteConfig:
    """The defaults, overridden by the site file at ``path`` when one is given."""
    data = _read(DEFAULTS_PATH)
    source = DEFAULTS_PATH
    if path is not None:
        data = _merge(data, _read(path))
        source = path
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SiteConfigError(f"{source}: invalid site configuration: {problems}") from None


@lru_cache(maxsize=1)
def default_site_config() -> SiteConfig:
    return load_site_config(None)
