"""Recording the SQL statements the app runs (SQLAlchemy's cursor events), with their
parameters and times: for counting statements per page and reading their plans."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Run:
    statement: str
    parameters: Any
    seconds: float


@dataclass
class Statements:
    """The statements run while `recording` is true."""

    recording: bool = True
    runs: list[Run] = field(default_factory=list)
    _started: float = 0.0

    def before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.recording:
            self.runs.append(Run(statement, parameters, time.perf_counter() - self._started))


@contextmanager
def recorded(engine: type[Engine] | Engine = Engine) -> Iterator[Statements]:
    """Every statement `engine` runs while the block lasts (by default every engine's: the
    app makes its own)."""
    statements = Statements()
    event.listen(engine, "before_cursor_execute", statements.before)
    event.listen(engine, "after_cursor_execute", statements.after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", statements.before)
        event.remove(engine, "after_cursor_execute", statements.after)
