"""Comparing two descriptions of where something is in one breast, and whether two lesion types can
be one lesion.

Clock faces are read as the radiologist faces the patient: the outer (lateral) half of the right
breast is the 9 o'clock side, of the left breast the 3 o'clock side (BI-RADS location convention).
"""

from __future__ import annotations

from typing import NamedTuple

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.facts import FindingType
from rules.thresholds import CorrelationThresholds

UO, UI, LO, LI = "UO", "UI", "LO", "LI"

_QUADRANT_SECTORS: dict[Quadrant, frozenset[str]] = {
    Quadrant.UPPER_OUTER: frozenset({UO}),
    Quadrant.UPPER_INNER: frozenset({UI}),
    Quadrant.LOWER_OUTER: frozenset({LO}),
    Quadrant.LOWER_INNER: frozenset({LI}),
    Quadrant.UPPER: frozenset({UO, UI}),
    Quadrant.LOWER: frozenset({LO, LI}),
    Quadrant.OUTER: frozenset({UO, LO}),
    Quadrant.INNER: frozenset({UI, LI}),
    Quadrant.AXILLARY_TAIL: frozenset({UO}),
    # Retroareolar and central lesions sit behind the nipple, where every quadrant meets.
}


def clock_distance(a: float, b: float) -> float:
    """Circular distance in hours on the clock face (12 and 1 are one hour apart)."""
    d = abs(a - b) % 12
    return min(d, 12 - d)


# Enum members read on every comparison: on Python 3.11 ``Enum.MEMBER`` goes through the enum
# metaclass's __getattr__ hook, several times the cost of a module-level name.
_RIGHT = Laterality.RIGHT
_LEFT_OR_RIGHT = (Laterality.LEFT, Laterality.RIGHT)
_ANTERIOR_AND_POSTERIOR = frozenset({Depth.ANTERIOR, Depth.POSTERIOR})


def _sector_at(hour: float, laterality: Laterality) -> frozenset[str]:
    h = hour % 12
    upper = h >= 9 or h <= 3
    lower = 3 <= h <= 9
    three_side = 0 <= h <= 6
    nine_side = h >= 6 or h == 0
    outer, inner = (nine_side, three_side) if laterality is _RIGHT else (three_side, nine_side)
    sectors = set()
    if upper and outer:
        sectors.add(UO)
    if upper and inner:
        sectors.add(UI)
    if lower and outer:
        sectors.add(LO)
    if lower and inner:
        sectors.add(LI)
    return frozenset(sectors)


def sectors(
    location: Location, laterality: Laterality | None, tolerance: float
) -> frozenset[str] | None:
    """The quadrant sectors a location may lie in, or None when it does not say."""
    if location.quadrant is not None:
        return _QUADRANT_SECTORS.get(location.quadrant)
    if location.clock is not None and laterality in _LEFT_OR_RIGHT:
        c = location.clock
        return (
            _sector_at(c - tolerance, laterality)
            | _sector_at(c, laterality)
            | _sector_at(c + tolerance, laterality)
        )
    return None


class LocationAgreement(NamedTuple):
    """How two locations compare: ``support`` grows with agreeing parts; ``conflicts`` names disagreements."""

    support: float
    conflicts: tuple[str, ...]
    agreements: tuple[str, ...]

    @property
    def contradicts(self) -> bool:
        return bool(self.conflicts)


def is_unplaced(location: Location) -> bool:
    """No part of the location is known (cheaper than comparing with ``Location()``)."""
    return (
        location.clock is None
        and location.quadrant is None
        and location.depth is None
        and location.nipple_distance_mm is None
    )


_NOTHING_TO_COMPARE = LocationAgreement(0.0, (), ())


#: Clock positions are written to the half hour: their distances, as the reasons word them.
_HOURS_APART = {h / 2: f"clock positions {h / 2:g} h apart" for h in range(13)}


def _hours_apart(d: float) -> str:
    return _HOURS_APART.get(d) or f"clock positions {d:g} h apart"


def compare_locations(
    a: Location, b: Location, laterality: Laterality | None, th: CorrelationThresholds
) -> LocationAgreement:
    if is_unplaced(a) or is_unplaced(b):
        return _NOTHING_TO_COMPARE
    a_clock, b_clock = a.clock, b.clock
    support = 0.0
    conflicts: list[str] = []
    agreements: list[str] = []
    if a_clock is not None and b_clock is not None:
        d = abs(a_clock - b_clock) % 12  # clock_distance, written out
        if 12 - d < d:
            d = 12 - d
        if d <= th.clock_same_hours:
            support += 2
            agreements.append(_hours_apart(d))
        elif d >= th.clock_different_hours:
            conflicts.append(_hours_apart(d))
    else:
        sa = sectors(a, laterality, th.quadrant_clock_tolerance_hours)
        sb = sectors(b, laterality, th.quadrant_clock_tolerance_hours)
        if sa is not None and sb is not None:
            if sa & sb:
                support += 1
                agreements.append("same quadrant")
            else:
                conflicts.append("different quadrants")
    if a.nipple_distance_mm is not None and b.nipple_distance_mm is not None:
        d_mm = abs(a.nipple_distance_mm - b.nipple_distance_mm)
        if d_mm <= th.nipple_same_mm:
            support += 1
            agreements.append(f"nipple distances {d_mm:g} mm apart")
        elif d_mm >= th.nipple_different_mm:
            conflicts.append(f"nipple distances {d_mm:g} mm apart")
    if a.depth is not None and b.depth is not None:
        if a.depth is b.depth:
            support += 0.5
            agreements.append("same depth")
        elif {a.depth, b.depth} == _ANTERIOR_AND_POSTERIOR:
            conflicts.append("anterior versus posterior depth")
    return LocationAgreement(support, tuple(conflicts), tuple(agreements))


def location_fit(
    a: Location, b: Location, laterality: Laterality | None, th: CorrelationThresholds
) -> float | None:
    """``compare_locations`` without the reasons: its ``support``, or None when it contradicts.

    Assembly asks this of every candidate finding for every description, so it builds no text
    (and ``clock_distance`` is written out); the checks and limits are the
    same (tests/rules/test_geometry.py holds the two together).
    """
    if is_unplaced(a) or is_unplaced(b):
        return 0.0
    a_clock, b_clock = a.clock, b.clock
    support = 0.0
    if a_clock is not None and b_clock is not None:
        d = abs(a_clock - b_clock) % 12
        if 12 - d < d:
            d = 12 - d
        if d <= th.clock_same_hours:
            support += 2
        elif d >= th.clock_different_hours:
            return None
    else:
        sa = sectors(a, laterality, th.quadrant_clock_tolerance_hours)
        sb = sectors(b, laterality, th.quadrant_clock_tolerance_hours)
        if sa is not None and sb is not None:
            if not sa & sb:
                return None
            support += 1
    if a.nipple_distance_mm is not None and b.nipple_distance_mm is not None:
        d_mm = abs(a.nipple_distance_mm - b.nipple_distance_mm)
        if d_mm <= th.nipple_same_mm:
            support += 1
        elif d_mm >= th.nipple_different_mm:
            return None
    if a.depth is not None and b.depth is not None:
        if a.depth is b.depth:
            support += 0.5
        elif {a.depth, b.depth} == _ANTERIOR_AND_POSTERIOR:
            return None
    return support


def merge_locations(old: Location, new: Location) -> Location:
    """The later description refines the earlier one part by part (work-up adds precision)."""
    if new is old or is_unplaced(new):
        return old  # nothing to refine
    if is_unplaced(old):
        return new
    return Location(
        clock=new.clock if new.clock is not None else old.clock,
        quadrant=new.quadrant if new.quadrant is not None else old.quadrant,
        depth=new.depth if new.depth is not None else old.depth,
        nipple_distance_mm=(
            new.nipple_distance_mm if new.nipple_distance_mm is not None else old.nipple_distance_mm
        ),
    )


#: Asymmetries (focal, global, developing) are one family: work-up refines the word.
_FAMILY = {t: ("asymmetry" if t.is_asymmetry else t.value) for t in FindingType}


def type_family(t: FindingType) -> str:
    return _FAMILY[t]


def same_family(a: FindingType, b: FindingType) -> bool:
    return _FAMILY[a] == _FAMILY[b]


def sides_compatible(a: Laterality | None, b: Laterality | None) -> bool:
    return a is None or b is None or a.covers(b)
