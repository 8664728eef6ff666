"""The quick location check used during assembly gives the verdict of the explained comparison."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.geometry import compare_locations, location_fit
from rules.thresholds import DEFAULT_THRESHOLDS, CorrelationThresholds

_locations = st.builds(
    Location,
    clock=st.none() | st.sampled_from([h / 2 for h in range(2, 25)]),
    quadrant=st.none() | st.sampled_from(list(Quadrant)),
    depth=st.none() | st.sampled_from(list(Depth)),
    nipple_distance_mm=st.none() | st.integers(0, 120).map(float),
)
_sides = st.none() | st.sampled_from(list(Laterality))
_thresholds = st.just(DEFAULT_THRESHOLDS) | st.builds(
    CorrelationThresholds,
    clock_same_hours=st.sampled_from([0.5, 1.0, 1.5]),
    clock_different_hours=st.sampled_from([1.5, 2.0, 3.0]),
    nipple_same_mm=st.sampled_from([10.0, 15.0, 20.0]),
    nipple_different_mm=st.sampled_from([20.0, 30.0, 40.0]),
    quadrant_clock_tolerance_hours=st.sampled_from([0.0, 0.5, 1.0]),
)


@settings(max_examples=600, deadline=None)
@given(_locations, _locations, _sides, _thresholds)
def test_location_fit_agrees_with_compare_locations(
    a: Location, b: Location, side: Laterality | None, th: CorrelationThresholds
) -> None:
    explained = compare_locations(a, b, side, th)
    expected = None if explained.contradicts else explained.support
    assert location_fit(a, b, side, th) == expected
