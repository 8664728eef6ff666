"""The story scorer (``python -m tests.cases.score``) and the floors it holds on ``tests/cases``:
every safety-critical item a story expects open is found (recall 1.0), and at least 95% of the
items the rules open are ones the stories ask for."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cases.score import CRITICAL, main, score_folder

CASES = Path(__file__).resolve().parents[1] / "cases"
CRITICAL_RECALL_FLOOR = 1.0
PRECISION_FLOOR = 0.95


def test_the_story_cases_hold_the_floors() -> None:
    score = score_folder(CASES)
    assert not score.failed, score.failed
    assert score.stories >= 34
    assert score.critical_recall is not None and score.critical_recall >= CRITICAL_RECALL_FLOOR, {
        k: s.missed for k, s in score.kinds.items() if k in CRITICAL and s.missed
    }
    assert score.precision is not None and score.precision >= PRECISION_FLOOR, {
        k: s.wrong for k, s in score.kinds.items() if s.wrong
    }


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
