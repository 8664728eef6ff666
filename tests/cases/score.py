"""Score the rules on a folder of story cases: ``python -m tests.cases.score [dir]``.

Every story (``*.yaml`` in the folder, examples format) is replayed at the facts level, through the
report reader and the rules, after each event day as the service would (the machinery of
``tests.rules.test_examples.check_story``). Then, per item kind:

- **recall**, over the safety-critical kinds (the examples README's three and
  ``malignancy-referral``): of the items a story expects open at the end, how many are open;
- **precision**, over every kind: of the items the rules opened at some point (open after some
  event day, at the end or closed later; an item satisfied before it was ever open is on nobody's
  worklist and is not counted), how many the story expects or leaves unscored. An item open at the end is right when an entry of
  the story's ``open`` list claims it (one per breast, as the story test matches them); an item
  closed on the way, when an ``open`` or ``closed`` entry asks for an item of its kind, side and
  finding type (a re-biopsy's first concordance item, closed by its verdict, was right to open). An item of a kind the story does not mention at all is counted as not
  expected: a story that does not list a kind has not asked for it.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from rules.anatomy import Laterality
from rules.case import Case
from rules.items import ItemDecision, ItemKind
from rules.evaluation import evaluate
from tests.rules.expected import _matches
from tests.rules.test_examples import events_through_reader, replay_steps

CRITICAL: tuple[str, ...] = (
    ItemKind.UNSAMPLED_FINDING.value,
    ItemKind.DISCORDANT_PATHOLOGY.value,
    ItemKind.CONCORDANCE_PENDING.value,
    ItemKind.MALIGNANCY_REFERRAL.value,
)
HERE = Path(__file__).resolve().parent


@dataclass
class KindScore:
    expected_open: int = 0
    """Items the stories expect open at the end (recall's denominator)."""
    recalled: int = 0
    opened: int = 0
    """Items the rules opened at some point (precision's denominator)."""
    correct: int = 0
    missed: list[str] = field(default_factory=list)
    """Story ids of the expected open items not found open."""
    wrong: list[str] = field(default_factory=list)
    """Story ids of opened items the story does not expect."""

    @property
    def recall(self) -> float | None:
        return self.recalled / self.expected_open if self.expected_open else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.opened if self.opened else None


@dataclass
class Score:
    stories: int = 0
    failed: list[str] = field(default_factory=list)
    """Stories that could not be replayed at all (an exception), with the error."""
    kinds: dict[str, KindScore] = field(default_factory=lambda: defaultdict(KindScore))

    def _sum(self, kinds: Iterable[str]) -> KindScore:
        total = KindScore()
        for k in kinds:
            s = self.kinds.get(k)
            if s is None:
                continue
            total.expected_open += s.expected_open
            total.recalled += s.recalled
            total.opened += s.opened
            total.correct += s.correct
        return total

    @property
    def critical_recall(self) -> float | None:
        return self._sum(CRITICAL).recall

    @property
    def precision(self) -> float | None:
        return self._sum(self.kinds).precision


def score_story(data: dict[str, Any], into: Score) -> None:
    """Add one story's recall and precision counts to ``into``."""
    story = str(data.get("id"))
    expected = data.get("expected") or {}
    open_items, closed_items, ever_open = replay_open(replay_steps(events_through_reader(data)))
    into.stories += 1
    for entry in expected.get("open") or []:
        kind = into.kinds[entry["kind"]]
        kind.expected_open += 1
        if _matches(entry, open_items):
            kind.recalled += 1
        else:
            kind.missed.append(story)
    entries = [*(expected.get("open") or []), *(expected.get("closed") or [])]
    # Open at the end: right only when an expected open entry claims it (one per breast, as the
    # story test matches them). Closed on the way: right when the story asks for an item like it.
    claimed = {i.key for entry in expected.get("open") or [] for i in _matches(entry, open_items)}
    still_open = {i.key for i in open_items}
    unscored = set(expected.get("unscored") or [])
    for item in (*open_items, *closed_items):
        if item.key not in ever_open:
            continue  # satisfied before anyone saw it open: on nobody's worklist
        kind = into.kinds[item.kind.value]
        kind.opened += 1
        if (
            item.kind.value in unscored
            or item.key in claimed
            or (item.key not in still_open and any(_expects(e, item) for e in entries))
        ):
            kind.correct += 1
        else:
            kind.wrong.append(story)


def replay_open(
    steps: Iterable[tuple[datetime, Case]],
) -> tuple[list[ItemDecision], list[ItemDecision], set[str]]:
    """``tests.rules.expected.replay`` (open at the end, closed at the end), and the keys of the
    items open after some step: an item satisfied before it was ever open cost nobody a look."""
    ever: dict[str, ItemDecision] = {}
    ever_open: set[str] = set()
    final: tuple[ItemDecision, ...] = ()
    for now, case in steps:
        result = evaluate(case, now)
        final = result.open
        ever_open |= {i.key for i in final}
        for item in (*result.open, *result.satisfied):
            ever.setdefault(item.key, item)
    open_keys = {i.key for i in final}
    return list(final), [i for k, i in ever.items() if k not in open_keys], ever_open


def _expects(entry: dict[str, Any], item: ItemDecision) -> bool:
    """The entry asks for this item: its kind, finding type and side (``B`` and ``any`` accept
    either breast), whatever its status (whether it should still be open is the story test's
    question; here it is whether opening it was right)."""
    side = str(entry.get("laterality", "any"))
    if side not in ("B", "any") and item.laterality is not Laterality(side):
        return False
    return bool(_matches({**entry, "laterality": "any"}, [item]))


def score_folder(folder: Path, leave_out: Iterable[str] = ()) -> Score:
    """Score every story of the folder, but those named in ``leave_out`` (story ids)."""
    score = Score()
    skipped = set(leave_out)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem in skipped:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            score_story(data, score)
        except Exception as error:  # one broken story must not hide the others' figures
            score.failed.append(f"{path.stem}: {type(error).__name__}: {error}")
    return score


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(score: Score) -> str:
    rows = [
        f"{'kind':34} {'exp.open':>8} {'found':>6} {'recall':>7} {'opened':>7} {'correct':>8} "
        f"{'precision':>9}"
    ]
    for name in [k.value for k in ItemKind if k.value in score.kinds]:
        s = score.kinds[name]
        mark = "*" if name in CRITICAL else " "
        rows.append(
            f"{mark}{name:33} {s.expected_open:>8} {s.recalled:>6} {_fraction(s.recall):>7} "
            f"{s.opened:>7} {s.correct:>8} {_fraction(s.precision):>9}"
        )
    critical = score._sum(CRITICAL)
    every = score._sum(score.kinds)
    rows.append(
        f"{'critical (*) recall':34} {critical.expected_open:>8} {critical.recalled:>6} "
        f"{_fraction(critical.recall):>7}"
    )
    rows.append(
        f"{'precision, every kind':34} {'':>8} {'':>6} {'':>7} {every.opened:>7} "
        f"{every.correct:>8} {_fraction(every.precision):>9}"
    )
    rows.append(f"stories: {score.stories}, could not be replayed: {len(score.failed)}")
    return "\n".join(rows)


def details(score: Score) -> str:
    """Which stories miss a critical item or open an unexpected one (story ids only)."""
    lines = []
    for name, s in sorted(score.kinds.items()):
        if s.missed:
            lines.append(f"missed {name}: {', '.join(sorted(set(s.missed)))}")
        if s.wrong:
            lines.append(f"not expected {name}: {', '.join(sorted(set(s.wrong)))}")
    lines += [f"failed {f}" for f in score.failed]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=HERE)
    parser.add_argument(
        "--details", action="store_true", help="list the stories behind each miss (story ids)"
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"not a folder: {args.folder}")
    score = score_folder(args.folder)
    print(table(score))
    if args.details:
        print(details(score))
    return 1 if score.failed else 0


if __name__ == "__main__":
    sys.exit(main())
