"""Where in the breast: laterality, clock face, quadrant, depth, distance from the nipple."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Laterality(StrEnum):
    LEFT = "L"
    RIGHT = "R"
    BOTH = "B"

    def covers(self, side: Laterality) -> bool:
        """True when an observation of this laterality is about ``side``."""
        return self is side or self is _BOTH or side is _BOTH

    def sides(self) -> tuple[Laterality, ...]:
        return _LEFT_AND_RIGHT if self is _BOTH else (self,)


# Members read in the methods above. On Python 3.11 ``Laterality.BOTH`` goes through the enum
# metaclass's ``__getattr__`` hook, several times the cost of a module name, and ``covers`` is
# asked for nearly every pair of facts.
_BOTH = Laterality.BOTH
_LEFT_AND_RIGHT = (Laterality.LEFT, Laterality.RIGHT)


class Quadrant(StrEnum):
    """Breast regions (CID 6020/6021), including the half-breast terms radiologists use."""

    UPPER_OUTER = "UOQ"
    UPPER_INNER = "UIQ"
    LOWER_OUTER = "LOQ"
    LOWER_INNER = "LIQ"
    UPPER = "upper"
    LOWER = "lower"
    OUTER = "outer"
    INNER = "inner"
    RETROAREOLAR = "retroareolar"
    CENTRAL = "central"
    AXILLARY_TAIL = "axillary-tail"


class Depth(StrEnum):
    """Depth in the breast (CID 6025): anterior, middle or posterior third."""

    ANTERIOR = "anterior"
    MIDDLE = "middle"
    POSTERIOR = "posterior"


@dataclass(frozen=True)
class Location:
    """A position in one breast. Every part is optional: reports rarely give all of them.

    ``clock`` is the clock-face hour as the radiologist wrote it (1-12, half hours as .5).
    """

    clock: float | None = None
    quadrant: Quadrant | None = None
    depth: Depth | None = None
    nipple_distance_mm: float | None = None

    @property
    def is_empty(self) -> bool:
        return self == Location()

    def describe(self) -> str:
        parts: list[str] = []
        if self.clock is not None:
            hour = int(self.clock)
            parts.append(f"{hour}:30" if self.clock != hour else f"{hour} o'clock")
        if self.quadrant is not None:
            parts.append(self.quadrant.value)
        if self.depth is not None:
            parts.append(f"{self.depth.value} depth")
        if self.nipple_distance_mm is not None:
            parts.append(f"{self.nipple_distance_mm / 10:g} cm from nipple")
        return ", ".join(parts)
