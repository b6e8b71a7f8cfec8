"""A small in-process LRU cache with a size limit, for results that are costly to compute and
cheap to check: a survey's counts (services/survey_results.py) and the public pages kept for
a second (page_cache.py).

It holds no rule of when a value is stale: callers put a version stamp of the data into the
key (or a time into the value), so a changed stamp simply misses and the old entry ages out.
Each app process has its own (made in `create_app`); processes never share entries.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Final, Generic, TypeVar

V = TypeVar("V")

MAX_ENTRIES: Final = 256
MAX_COST: Final = 16_000_000  # about the bytes of text the entries hold, all together


class LRUCache(Generic[V]):
    """At most `max_entries` values whose costs add up to at most `max_cost` (the caller
    says what a value costs, e.g. its characters of text); the least recently used go first.
    Not thread-safe: one event loop uses it, with no await between a look-up and its use."""

    def __init__(
        self,
        cost: Callable[[V], int],
        max_entries: int = MAX_ENTRIES,
        max_cost: int = MAX_COST,
    ) -> None:
        self._cost = cost
        self.max_entries = max_entries
        self.max_cost = max_cost
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self.total_cost = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found[0]

    def put(self, key: Hashable, value: V) -> None:
        cost = max(self._cost(value), 1)
        if cost > self.max_cost:
            return  # bigger than the whole cache: computed again when asked for
        self.discard(key)
        self._entries[key] = (value, cost)
        self.total_cost += cost
        while len(self._entries) > self.max_entries or self.total_cost > self.max_cost:
            _key, (_value, old_cost) = self._entries.popitem(last=False)
            self.total_cost -= old_cost

    def discard(self, key: Hashable) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self.total_cost -= found[1]

    def clear(self) -> None:
        self._entries.clear()
        self.total_cost = 0
