"""The eight example cases, from hand-built facts: the items each expected block names, no more.

Independent of the report reader, so the rules are checked on what a correct reading yields.
"""

from __future__ import annotations

import pytest

from tests.rules.example_facts import EXAMPLES, steps
from tests.rules.expected import CASES, check_closed, check_final, load_case, replay

pytestmark = pytest.mark.skipif(
    not CASES.is_dir(), reason="the shared examples folder is not beside the repository"
)


@pytest.mark.parametrize("case_id", sorted(EXAMPLES))
def test_example_end_state_and_closed_items(case_id: str) -> None:
    expected = load_case(case_id)["expected"]
    open_items, closed_items = replay(steps(EXAMPLES[case_id]()))
    problems = check_final(expected, open_items) + check_closed(expected, closed_items)
    assert not problems, "\n".join(problems)
