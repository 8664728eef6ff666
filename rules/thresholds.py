"""How close two descriptions of a position must be to be the same place: every threshold in one place.

Clock positions are compared by circular distance on the clock face, distances from the nipple in
millimetres. Between the 'same' and 'different' limits the evidence says nothing either way, and a
biopsy that cannot be placed goes to a person (docs/items.md, correlation-review): never a guess.
A site may override these in its configuration file (``correlation:``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CorrelationThresholds:
    clock_same_hours: float = 1.0
    """At most this far apart on the clock face: the same place (ultrasound and mammographic clock
    positions of one lesion commonly differ by up to an hour)."""
    clock_different_hours: float = 2.0
    """At least this far apart: different places."""
    nipple_same_mm: float = 15.0
    nipple_different_mm: float = 30.0
    quadrant_clock_tolerance_hours: float = 0.5
    """A clock position this close to a quadrant boundary is compatible with both quadrants."""


DEFAULT_THRESHOLDS = CorrelationThresholds()
