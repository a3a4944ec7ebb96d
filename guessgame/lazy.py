"""A list of one entry per run, made the first time it is read."""

from __future__ import annotations

from typing import Callable, Sequence


class Later(Sequence):
    """A list of one entry per run, made the first time it is read: a sweep's Python objects cost more
    than the tensors they are read from, and its caller may want only those."""

    def __init__(self, make: Callable[[], list]) -> None:
        self._make: Callable[[], list] | None = make
        self._items: list | None = None

    def _list(self) -> list:
        if self._items is None:
            self._items, self._make = list(self._make()), None
        return self._items

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self):
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        return self._list() == (list(other) if isinstance(other, (list, tuple, Later)) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._list())
