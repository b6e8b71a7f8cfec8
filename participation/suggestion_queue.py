"""Theme suggestions for new contributions, after the answer has gone out.

A submission only adds its contribution's id to this per-process queue; one consumer tags
whatever has arrived meanwhile, as a batch (one worker-thread call and one transaction per
200), with the background engine's connection. So 64 people sending at once make a few
batches, not 64 taggers competing for the request pool and SQLite's write lock.

The queue is bounded (`LIMIT` ids): past it, new ids are left out and a sweep finds them
afterwards, as it finds everything else that never got suggestions (the process stopped
with ids waiting, the tagger failed): contributions of processes with action fields whose
`theme_uncertainty` was never set. The sweep runs at start, after an overflow and every
`SWEEP_INTERVAL`. With several app processes each sweeps; tagging twice does no harm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.models import Process
from participation.services.tagging import suggest_themes, untagged

log = logging.getLogger("participation")

LIMIT: Final = 10_000  # ids waiting, over all processes
SWEEP_INTERVAL: Final = 600.0  # seconds
SWEEP_BATCH: Final = 1_000  # contributions found per sweep query


class SuggestionQueue(BackgroundLoop):
    name = "theme-suggestions"

    def __init__(
        self,
        sessionmaker: SessionMaker,
        var_dir: Path,
        *,
        limit: int = LIMIT,
        sweep_interval: float = SWEEP_INTERVAL,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.var_dir = var_dir
        self.limit = limit
        self.sweep_interval = sweep_interval
        self._waiting: dict[int, dict[int, None]] = {}  # process -> ids, in order of arrival
        self._count = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._sweep_due = True  # at start
        # Counters for tests, the benchmark and the log.
        self.tagged = 0
        self.left_out = 0
        self.batches = 0
        self.swept = 0

    @property
    def backlog(self) -> int:
        """Ids waiting now (not counting those being tagged)."""
        return self._count

    def add(self, process_id: int, contribution_ids: Iterable[int]) -> None:
        """Queue contributions for suggestions. Never waits and never raises: past the limit
        the ids are left to the sweep."""
        waiting = self._waiting.setdefault(process_id, {})
        for contribution_id in contribution_ids:
            if contribution_id in waiting:
                continue
            if self._count >= self.limit:
                self.left_out += 1
                self._sweep_due = True
                continue
            waiting[contribution_id] = None
            self._count += 1
        self._idle.clear()
        self._wake.set()

    async def drained(self) -> None:
        """Wait until everything queued (and a due sweep) is done."""
        await self._idle.wait()

    async def _work(self) -> None:
        while True:
            if self._count == 0 and self._sweep_due:
                self._sweep_due = False
                await self.sweep()
            if self._count == 0:
                self._idle.set()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.sweep_interval)
                except TimeoutError:
                    self._sweep_due = True
                    continue
            self._wake.clear()
            waiting, self._waiting, self._count = self._waiting, {}, 0
            for process_id, ids in waiting.items():
                if ids:
                    await self._suggest(process_id, list(ids))

    async def _suggest(self, process_id: int, ids: list[int]) -> int:
        """Never raises: the contributions are stored already; the sweep tries again."""
        try:
            async with self.sessionmaker() as session:
                process = await session.get(Process, process_id)
                if process is None:
                    return 0
                tagged = await suggest_themes(session, self.var_dir, process, ids)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Could not suggest themes for contributions %s", ids[:20])
            return 0
        self.tagged += tagged
        self.batches += 1
        return tagged

    async def sweep(self) -> int:
        """Suggest themes for contributions that never got any; how many were tagged."""
        total = 0
        while True:
            try:
                async with self.sessionmaker() as session:
                    found = await untagged(session, SWEEP_BATCH)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Could not look for contributions without suggested themes")
                return total
            tagged = 0
            for process_id, ids in found.items():
                tagged += await self._suggest(process_id, ids)
            total += tagged
            self.swept += tagged
            # Stop when all were found, or nothing could be tagged (no endless retries).
            if sum(len(ids) for ids in found.values()) < SWEEP_BATCH or tagged == 0:
                if total:
                    log.info("Suggested themes for %d contributions that had none", total)
                return total
