"""Small inline SVG charts drawn on the server: no script, print as they show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    link: str
    x: float = 0.0
    y: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class LineChart:
    title: str
    unit: str
    points: list[Point]
    width: int
    height: int
    top: float
    band: tuple[float, float] | None
    """The acceptable range, drawn as a shaded band (y of its top and bottom)."""
    band_values: tuple[float | None, float | None]
    polyline: str
    gridlines: list[tuple[float, str]]


PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 30


def line_chart(title: str, unit: str, points: Sequence[Point],
               low: float | None = None, high: float | None = None,
               width: int = 520, height: int = 190) -> LineChart:
    """Values by quarter; missing values leave a gap in the labels and no point."""
    values = [p.value for p in points if p.value is not None]
    top = max([*values, *(v for v in (low, high) if v is not None), 1.0]) * 1.15
    inner_w, inner_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points), 1)

    def y_of(value: float) -> float:
        return round(PAD_TOP + inner_h * (1 - value / top), 1)

    placed = [Point(p.label, p.value, p.link, round(PAD_LEFT + step * (i + 0.5), 1),
                    y_of(p.value) if p.value is not None else float(height - PAD_BOTTOM), p.note)
              for i, p in enumerate(points)]
    band = None
    if low is not None or high is not None:
        band = (y_of(high if high is not None else top), y_of(low if low is not None else 0.0))
    polyline = " ".join(f"{p.x},{p.y}" for p in placed if p.value is not None)
    grid = [(y_of(top * f / 1.15), f"{top * f / 1.15:.1f}") for f in (0.0, 0.575, 1.15)]
    return LineChart(title, unit, placed, width, height, top, band, (low, high), polyline, grid)
