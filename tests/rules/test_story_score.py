"""The story scorer (``python -m tests.cases.score``) and the floors it holds on ``tests/cases``:
on the stories without a known gap, every safety-critical item a story expects open is found
(recall 1.0) and at least 95% of the items the rules open are ones the stories ask for; on all of
them, no less than what the corpus reached."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cases.score import CRITICAL, Score, main, score_folder
from tests.rules.test_story_cases import KNOWN_GAPS

CASES = Path(__file__).resolve().parents[1] / "cases"
# On the stories the product gets right by the story test (each known gap is listed there with
# its reason, as a strict xfail): every critical item found, and few items opened in vain.
CRITICAL_RECALL_FLOOR = 1.0
PRECISION_FLOOR = 0.95
# On every story, known gaps included (none are left at this writing: critical recall 58/58,
# precision 300/310 = 0.968 over 105 stories). Lower only with a known gap and its reason.
ALL_CRITICAL_RECALL_FLOOR = 1.0
ALL_PRECISION_FLOOR = 0.95


def _check(score: Score, recall_floor: float, precision_floor: float) -> None:
    assert not score.failed, score.failed
    recall, precision = score.critical_recall, score.precision
    assert recall is not None and recall >= recall_floor, {
        k: s.missed for k, s in score.kinds.items() if k in CRITICAL and s.missed
    }
    assert precision is not None and precision >= precision_floor, {
        k: s.wrong for k, s in score.kinds.items() if s.wrong
    }


def test_the_story_cases_the_product_gets_right_hold_the_floors() -> None:
    score = score_folder(CASES, leave_out=KNOWN_GAPS)
    assert score.stories >= 34
    _check(score, CRITICAL_RECALL_FLOOR, PRECISION_FLOOR)


def test_every_story_case_holds_the_floors_reached() -> None:
    _check(score_folder(CASES), ALL_CRITICAL_RECALL_FLOOR, ALL_PRECISION_FLOOR)


def _story(name: str) -> dict[str, object]:
    return yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))


def test_a_missed_critical_item_and_an_unexpected_one_are_counted(tmp_path: Path) -> None:
    # TC-0119 ends with nothing open; ask for an unsampled finding it does not have, and stop
    # listing the closed malignancy-referral so the referral it opened is not expected.
    story = _story("TC-0119")
    expected = story["expected"]
    assert isinstance(expected, dict)
    expected["open"] = [{"kind": "unsampled-finding", "laterality": "L"}]
    expected["closed"] = [e for e in expected["closed"] if e["kind"] != "malignancy-referral"]
    (tmp_path / "TC-0119.yaml").write_text(yaml.safe_dump(story), encoding="utf-8")
    score = score_folder(tmp_path)
    assert score.critical_recall == 0.0
    assert score.kinds["unsampled-finding"].missed == ["TC-0119"]
    assert score.kinds["malignancy-referral"].wrong == ["TC-0119"]
    assert score.precision is not None and score.precision < 1.0


def test_the_command_prints_the_table(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "TC-0122.yaml").write_text(yaml.safe_dump(_story("TC-0122")), encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "critical (*) recall" in out and "*concordance-pending" in out
    assert "stories: 1, could not be replayed: 0" in out
