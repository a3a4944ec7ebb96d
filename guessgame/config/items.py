"""The checks of a config's items -- a loss, an optimizer, a schedule or a dtype, or a list of them (a
grid) -- each option against its record: its default, its allowed values, the rules between options.

The records are read as each config is checked, not copied when this module loads: a loss or an
optimizer is known to validation the moment it is in its registry.
"""

from __future__ import annotations

from typing import Any

from guessgame import losses, optimizers
from guessgame.config.fields import suggest
from guessgame.config.labels import has_options
from guessgame.config.schema import DEFAULTS, DTYPES, SCHEDULES
from guessgame.ranges import Range


def _records(key: str) -> dict[str, Any]:
    """The loss or optimizer records by name, each with its `defaults` and `ranges`."""
    return losses.LOSSES if key == "loss" else optimizers.OPTIMIZERS


def _table(key: str) -> dict[str, dict]:
    """The names a key's items may take, each with its options' defaults (a dtype has none)."""
    if key == "schedule":
        return SCHEDULES
    if not has_options(key):
        return {name: {} for name in DTYPES}
    return {name: record.defaults for name, record in _records(key).items()}


class ItemChecks:
    """Mixed into the Validator: `fail`, `bad`, `number`, `boolean`, `choice` come from Fields, and
    `schedule_options` from ScheduleChecks."""

    def items(self, value: Any, key: str, **context: Any) -> list[tuple[str, dict]]:
        """One item (`mse`, `{name: huber, delta: 2}`, `float16`) or a list of them (a grid): [(name, options)]."""
        table = _table(key)
        if not isinstance(value, list):
            return [self.named(value, (key,), table, **context)]
        if not value:
            self.bad((key,), value, f"one {key}, or a non-empty list of them to compare (a grid)")
        return [self.named(item, (key, i), table, **context) for i, item in enumerate(value)]

    def named(self, value: Any, path: tuple, table: dict, **context: Any) -> tuple[str, dict]:
        """`mse` or `{name: huber, delta: 2}` -> ('huber', {'delta': 2.0}), defaults filled in."""
        key = path[0]
        if not has_options(key):  # a dtype: its name alone
            return self.choice(path, value, table), {}
        if key == "schedule" and value is None:
            value = "none"
        options: dict = {}
        if isinstance(value, dict):
            options = dict(value)
            if "name" not in options:
                self.fail(path, f"a mapping needs `name`, e.g. {{name: {DEFAULTS[key]}}}")
            value = options.pop("name")
        name = self.choice(path + ("name",) if options or isinstance(value, dict) else path, value, table)
        defaults = table[name]
        for option in options:
            if option not in defaults:
                allowed = ", ".join(defaults) or "none"
                self.fail(path + (option,), f"{name} has no option `{option}`{suggest(str(option), defaults)}; "
                                            f"its options: {allowed}")
        if key == "schedule":
            return name, self.schedule_options(path, name, options, **context)
        return name, self.resolved(path, _records(key)[name], options)

    def resolved(self, path: tuple, record: Any, given: dict) -> dict[str, Any]:
        """Every option of a loss or optimizer, given or its default, each in the range its record declares
        (torch's own checks, stricter where a value would make the update meaningless: every eps divides,
        and 0 gives 0/0 at a zero gradient); then the record's rule between them, if any."""
        resolved = {k: self.option(path + (k,), given.get(k, default), default, record.ranges.get(k))
                    for k, default in record.defaults.items()}
        rule = getattr(record, "rule", None)  # an optimizer's; losses have none
        refused = rule(resolved) if rule else None
        if refused:
            self.bad(path + (refused[0],), resolved[refused[0]], refused[1])
        return resolved

    def option(self, path: tuple, value: Any, default: Any, range_: Range | None) -> Any:
        """A boolean, a number in its range, or a pair of them (betas) -- as the default is."""
        if isinstance(default, bool):
            return self.boolean(path, value)
        if isinstance(default, tuple):
            if not (isinstance(value, (list, tuple)) and len(value) == 2):
                self.bad(path, value, f"two numbers in {range_.interval()}, e.g. {list(default)}")
            return tuple(self.number(path + (i,), v, range_, f"a number in {range_.interval()}")
                         for i, v in enumerate(value))
        return self.number(path, value, range_, range_.allowed())
