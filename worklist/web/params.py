"""Parameter types every route shares, so that a value out of range is refused with a sentence
(a 4xx) before it reaches a query, and never becomes a 500.

- Keys of rows are PostgreSQL ``integer`` columns: 1 to 2**31-1.
- Page numbers stop at ``MAX_PAGE``: enough for any list, small enough that an offset fits.
- Filter text carries no control characters (``patient=%00`` would otherwise reach the
  database: SQLite cuts the pattern at the NUL and matches everything, PostgreSQL refuses it).
- Free text (notes, reasons) may hold tabs and line breaks, no other control character.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(value: str | None) -> str | None:
    if value is not None and _CONTROL.search(value):
        raise ValueError("control characters (such as NUL or a line break) are not allowed here")
    return value


def plain_text(value: str) -> str:
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("control characters other than tabs and line breaks are not allowed")
    return value


RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row's key.")]
"""A key in the path (``/items/{item_id}``)."""
QueryRowId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
FilterText = Annotated[str, Query(max_length=64), AfterValidator(no_control_characters)]
"""A filter's text or choice from a query string."""
LongFilterText = Annotated[str, Query(max_length=200), AfterValidator(no_control_characters)]
OptionalFilterText = Annotated[str | None, Query(max_length=64),
                              AfterValidator(no_control_characters)]
PathText = Annotated[str, Path(max_length=64), AfterValidator(no_control_characters)]
"""Text in the path (a DICOM Patient ID)."""
FormText = Annotated[str, AfterValidator(no_control_characters)]
"""A one-line form or query value; the route adds its ``Form``/``Query`` and length."""
FreeText = Annotated[str, AfterValidator(plain_text)]
"""A note or a reason: lines of text."""
DayText = Annotated[str, Query(max_length=10), AfterValidator(no_control_characters)]
"""A day as YYYY-MM-DD (the route parses it and says which field is wrong)."""
FromDayText = Annotated[str, Query(alias="from", max_length=10),
                        AfterValidator(no_control_characters)]
"""``from=YYYY-MM-DD`` (``from`` is a Python keyword)."""
