"""A progress bar on stderr, shown only on a terminal and only once the work takes more than a second.
A grid's bar also says which of its cells is being played."""

from __future__ import annotations

import time

from guessgame.cli.common import err_console

_EVERY = 0.1  # seconds between two redraws: an attempt can take microseconds


class Progress:
    def __init__(self, enabled: bool, cells: int = 1) -> None:
        self.enabled = enabled and err_console.is_terminal
        self.cells = cells
        self.start = time.monotonic()
        self.shown = 0.0
        self.bar = None
        self.task = None

    def __enter__(self) -> "Progress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.shown < _EVERY and done < total:
            return
        self.shown = now
        if self.bar is None:
            if now - self.start < 1.0:
                return
            from rich.progress import Progress as Bar

            self.bar = Bar(console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("attempts", total=total)
        self.bar.update(self.task, completed=done, description=self._what(done, total))

    def _what(self, done: int, total: int) -> str:
        if self.cells <= 1:
            return "attempts"
        per_cell = total // self.cells
        return f"cell {min(self.cells, done // per_cell + 1):,} of {self.cells:,}"

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
