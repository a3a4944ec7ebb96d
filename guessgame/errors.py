"""The one error type users see: a config or usage mistake, with where it was made."""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad config value or usage; the message names the file, line, key, value and what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = message
        self.key = key
        self.source = source
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.problem}"
