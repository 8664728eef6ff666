"""``computed_once``: an attribute worked out on first use and kept on the object.

Like ``functools.cached_property`` without its lock (Python 3.11 takes one on every first use;
3.12 dropped it): an evaluation runs on one thread and builds fresh objects, so every first use
counts. The value is stored in the instance ``__dict__``, so later reads are plain attribute
reads, and frozen dataclasses can use it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class computed_once(Generic[T]):  # noqa: N801 - used as a decorator, like cached_property
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = getattr(func, "__name__", "")  # compiled functions may lack it; see below
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:  # the name it is bound to wins
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> computed_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | computed_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value
