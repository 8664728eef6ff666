"""The project's own story cases (``tests/cases``) at the facts level: reader and rules, no database.

Each case file is in the shared examples' format (events and an ``expected`` block). Reports go
through the report reader, images become image records, and the rules are evaluated after each
event day, as the service would; the end state and the items closed on the way must match the
expected block (examples README, "How expected items are matched").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.rules.test_examples import check_story

CASES = Path(__file__).resolve().parents[1] / "cases"

# Stories the product does not get right yet, each with the reason; strict, so a fix shows up.
KNOWN_GAPS: dict[str, str] = {
    # Issue 15 stories (fail-safe reading), written from the clinical rules.
    # End of the issue 15 stories.
}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _stories() -> list[Any]:
    return [
        pytest.param(
            p,
            id=p.stem,
            marks=pytest.mark.xfail(reason=KNOWN_GAPS[p.stem], strict=True),
        )
        if p.stem in KNOWN_GAPS
        else pytest.param(p, id=p.stem)
        for p in sorted(CASES.glob("*.yaml"))
    ]


def test_every_story_case_is_collected() -> None:
    assert len(list(CASES.glob("*.yaml"))) >= 34


@pytest.mark.parametrize("path", _stories())
def test_story_case(path: Path) -> None:
    problems = check_story(_load(path))
    assert not problems, "\n".join(problems)
