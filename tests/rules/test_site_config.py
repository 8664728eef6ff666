"""The site file: defaults load, a site overrides key by key, a bad file stops start-up by name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rules.evaluation import evaluate
from rules.items import ItemKind, Priority
from rules.site import SiteConfigError, load_site_config
from tests.rules.factories import DAY0, case
from tests.rules.test_pathways import _mass_biopsy, _mass_report


def test_defaults_cover_every_kind_with_the_design_figures() -> None:
    config = load_site_config()
    assert set(config.kinds) == set(ItemKind)
    assert config.policy(ItemKind.PATHOLOGY_PENDING).due_days == 5
    assert config.policy(ItemKind.CONCORDANCE_PENDING).due_days == 7
    assert config.policy(ItemKind.DISCORDANT_PATHOLOGY).due_days == 14
    assert config.follow_up.short_interval_months == 6
    assert config.follow_up.window_before_days == config.follow_up.window_after_days == 30


def test_a_site_file_overrides_one_interval_and_keeps_the_rest(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("kinds:\n  pathology-pending: {due_days: 3}\n", encoding="utf-8")
    config = load_site_config(site)
    assert config.policy(ItemKind.PATHOLOGY_PENDING).due_days == 3
    assert config.policy(ItemKind.PATHOLOGY_PENDING).priority is Priority.ROUTINE
    (item,) = [
        i
        for i in evaluate(case([_mass_report(), _mass_biopsy()]), DAY0, config).open
        if i.kind is ItemKind.PATHOLOGY_PENDING
    ]
    assert item.due_at - item.opened_at == timedelta(days=3)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("kinds:\n  pathology-pending: {due_days: -2}\n", "kinds.pathology-pending.due_days"),
        ("kinds:\n  pathology-pending: {due_dayz: 2}\n", "kinds.pathology-pending.due_dayz"),
        ("kinds:\n  pathology-waiting: {due_days: 2, priority: high}\n", "kinds.pathology-waiting"),
        ("follow_up: {window_before_days: lots}\n", "follow_up.window_before_days"),
        ("correlation: {clock_same_hours: 3, clock_different_hours: 2}\n", "correlation"),
        ("colour: blue\n", "colour"),
        ("kinds: [1, 2\n", "not valid YAML"),
    ],
)
def test_a_bad_file_raises_naming_the_file_and_the_key(
    tmp_path: Path, text: str, named: str
) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(text, encoding="utf-8")
    with pytest.raises(SiteConfigError) as raised:
        load_site_config(site)
    assert str(site) in str(raised.value) and named in str(raised.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match="cannot read"):
        load_site_config(tmp_path / "absent.yaml")
