"""Cells of the CSV files the product writes, made safe to open in a spreadsheet.

A cell that starts with ``= + - @``, a tab or a line break is read as a formula by Excel,
LibreOffice and Sheets (``=HYPERLINK(...)`` from a calling AE title would run on an
administrator's machine). Such a cell gets a leading apostrophe, which shows the text as text.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in values]
