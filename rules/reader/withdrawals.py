"""Withdrawn steps: ConText-like scopes over one sentence that say which steps a withdrawal ("is
withdrawn", "no longer needed", "rather than") takes back, against the cues that ask for them."""

from __future__ import annotations

import re

from rules.lexicon import pattern_list, patterns


def spans(key: str, text: str) -> list[tuple[int, int]]:
    """Where the patterns of ``key`` in ``terms.yaml`` match ``text``."""
    return [m.span() for r in pattern_list("terms.yaml", key) for m in r.finditer(text)]


class Withdrawals:
    """The withdrawal cues of one sentence (``recommendation_withdrawn``, and the patient declining
    unless ``declined`` is False) and the recommendation cues that ask against them."""

    def __init__(self, text: str, declined: bool = True) -> None:
        keys = ("recommendation_withdrawn", "recommendation_declined") if declined else ("recommendation_withdrawn",)
        self.cues = [(direction, m.start(), m.end()) for key in keys
                     for direction, regexes in patterns("terms.yaml", key).items()
                     for r in regexes for m in r.finditer(text)]
        self.breaks = [a for a, _ in spans("recommendation_clause_break", text)]
        self.commas = [m.start() for m in re.finditer(",", text)]
        self.asking: list[tuple[int, int]] = []
        if self.cues:  # the asking cues matter only against a withdrawal
            # words inside a withdrawal or naming an earlier recommendation ask for nothing
            quiet = [(a, b) for _, a, b in self.cues] + spans("recommendation_earlier", text) \
                + spans("recommendation_noun", text)
            self.asking = [(x, y) for x, y in spans("recommendation_cue", text)
                           if not any(a <= x < b for a, b in quiet)]

    def withdraws(self, step: re.Match[str]) -> bool:
        start, end = step.span()
        gaps = []
        for direction, a, b in self.cues:
            if direction == "within" and a <= start and end <= b:
                gaps.append((0, 0))
            elif direction == "forward" and start >= a and not self._between(b, start):
                gaps.append(self._gap(b, start))
            elif direction == "backward" and end <= b and not self._between(end, a):
                gaps.append(self._gap(end, a))
        if not gaps:
            return False
        # the nearer cue wins, commas counted first: "rather than biopsy, follow-up is recommended"
        asked = [self._gap(min(y, end), max(x, start)) for x, y in self.asking
                 if not (x < end and start < y) and not self._broken(min(y, end), max(x, start))]
        return not asked or min(gaps) <= min(asked)

    def _gap(self, a: int, b: int) -> tuple[int, int]:
        return sum(a <= x < b for x in self.commas), max(b - a, 0)

    def _broken(self, a: int, b: int) -> bool:
        return any(a <= x < b for x in self.breaks)

    def _between(self, a: int, b: int) -> bool:
        """A clause break or a request between a withdrawal and a step keeps the step asked for."""
        return self._broken(a, b) or any(a <= x and y <= b for x, y in self.asking)
