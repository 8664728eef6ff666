"""Every item the story corpus yields, as decided by the build of the rules engine this process runs.

``test_compiled_rules`` runs this module in a child process on the compiled build and compares its
answers with the interpreted source's, one case-moment at a time. The corpus: the project's story
cases, the demo stories and the shared examples, read by the report reader, each evaluated after
every event day and again 7, 30, 90, 200 and 400 days later (due dates pass, windows open and
close).

Run: ``python -m tests.rules.compiled_parity OUT`` writes the answers to OUT (pickle).
"""

from __future__ import annotations

import pickle
import sys
from datetime import timedelta
from pathlib import Path

import yaml

import rules
from rules.evaluation import evaluate
from rules.items import Evaluation
from tests.rules.expected import CASES as SHARED_CASES
from tests.rules.test_examples import events_through_reader, replay_steps

REPO = Path(__file__).resolve().parents[2]
LATER = (0, 7, 30, 90, 200, 400)


def story_files() -> list[Path]:
    folders = (REPO / "tests" / "cases", REPO / "worklist" / "demo" / "stories", SHARED_CASES)
    return [path for folder in folders for path in sorted(folder.glob("*.yaml"))]


def answers() -> list[tuple[str, Evaluation]]:
    """(case and moment, the evaluation there) for the whole corpus, in a fixed order."""
    out: list[tuple[str, Evaluation]] = []
    for path in story_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step, (moment, case) in enumerate(replay_steps(events_through_reader(data))):
            for days in LATER:
                at = moment + timedelta(days=days)
                out.append((f"{path.stem} step {step} +{days}d", evaluate(case, at)))
    return out


if __name__ == "__main__":
    if rules.build() != "compiled":
        sys.exit(f"expected the compiled rules engine, found {rules.build()} ({rules.__file__})")
    Path(sys.argv[1]).write_bytes(pickle.dumps(answers()))
