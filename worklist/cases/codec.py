"""JSON round-trip for the rules' frozen dataclasses, so facts are read once and stored as data.

Generic over the type hints: a new optional field in ``rules.facts`` needs no change here, and a
stored document missing that field decodes to its default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """Encode dataclasses, enums, datetimes, tuples and frozensets as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(to_json(v) for v in value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(kind: Any, data: Any) -> Any:
    """Decode ``data`` as ``kind`` (a dataclass, enum, or typing construct)."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return from_json(options[0], data) if len(options) == 1 else _first_fitting(options, data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v) for v in data)
        return tuple(from_json(a, v) for a, v in zip(args, data, strict=True))
    if origin in (frozenset, set, list):
        (arg,) = typing.get_args(kind)
        return origin(from_json(arg, v) for v in data)
    if origin is dict:
        return dict(data)
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            hints = _hints(kind)
            fields = {f.name for f in dataclasses.fields(kind) if f.init}
            return kind(**{k: from_json(hints[k], v) for k, v in data.items() if k in fields})
        if issubclass(kind, Enum):
            return kind(data)
        if kind is datetime:
            return datetime.fromisoformat(data)
        if kind is date:
            return date.fromisoformat(data)
        if kind is float and isinstance(data, int):
            return float(data)
    return data


def _first_fitting(options: list[Any], data: Any) -> Any:
    for option in options:
        try:
            return from_json(option, data)
        except (TypeError, ValueError, KeyError):
            continue
    raise ValueError(f"no type in {options} accepts the stored value")


def decode(cls: type[T], data: Any) -> T:
    result: T = from_json(cls, data)
    return result


def compact(value: Any) -> dict[str, Any]:
    """A dataclass as JSON without its empty (None) fields: how locations are stored."""
    return {k: v for k, v in to_json(value).items() if v is not None}
