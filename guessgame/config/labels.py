"""A grid's items -- a loss, an optimizer, a schedule or a dtype -- as YAML and in words: a cell's
label names what varies (`sgd momentum=0.9 · float16`)."""

from __future__ import annotations

from typing import Any

from guessgame import losses, optimizers, schedules


def has_options(key: str) -> bool:
    """Whether a grid key's items take options (`{name: sgd, momentum: 0.9}`, kept in the Config's
    `<key>_options`); a dtype is its name alone."""
    return key != "dtype"


def item_dict(key: str, name: str, options: dict) -> Any:
    """An item as YAML: `{name: ..., options...}`; a dtype, and no schedule (`none`), by the name alone; a
    noise as `{std, batch}`."""
    if key == "noise":
        return dict(options)
    if not has_options(key) or key == "schedule" and name == "none":
        return name
    return {"name": name, **{k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}}


def item_label(key: str, name: str, options: dict) -> str:
    """`sgd momentum=0.9`: the name and the options that differ from their defaults; `float16`."""
    if key == "schedule" and name == "none":
        return "constant lr"
    if key == "noise":
        return f"noise std={_word(options['std'])} batch={options['batch']}"
    if not has_options(key):
        return name
    records = {"loss": losses.LOSSES, "optimizer": optimizers.OPTIMIZERS}  # read live, as validation reads them
    defaults = schedules.SCHEDULES[name] if key == "schedule" else records[key][name].defaults
    changed = [f"{k}={_word(v)}" for k, v in options.items() if defaults.get(k) is schedules.REQUIRED
               or (defaults.get(k) != v and not (k == "total_steps" and defaults.get(k) is None))]
    return " ".join([name, *changed])


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_word(v) for v in value) + "]"
    return str(value)
