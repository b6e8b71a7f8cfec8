"""A loop the app runs beside its requests (the mail sender, the retention purge): started and
stopped by the app's lifespan, cancelled cleanly on shutdown."""

from __future__ import annotations

import asyncio
from contextlib import suppress


class BackgroundLoop:
    """Subclasses give the task a `name` and write `_work()`, which loops until cancelled."""

    name = "background"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._work(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _work(self) -> None:
        raise NotImplementedError
