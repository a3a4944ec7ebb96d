"""Command-line overrides: `dotted.key=yaml-value`, applied to the raw mapping before validation."""

from __future__ import annotations

from typing import NamedTuple

from guessgame.config.schema import kind
from guessgame.config.yamlsafe import load_yaml
from guessgame.errors import ConfigError


class Override(NamedTuple):
    """A `dotted.key=yaml-value` override and what the user typed to ask for it (named in errors)."""

    text: str  # "lr=[0.1, 1.0]"
    origin: str  # "--lr 0.1 --lr 1"
    items: tuple[str, ...] = ()  # for a list: what set each item ("--optimizer adam"), named in its errors


def apply_override(raw: dict, override: str | Override, setters: dict[tuple, str]) -> None:
    """Apply `dotted.key=yaml-value` to the raw mapping, turning `loss: mse` into `{name: mse}` on the way."""
    text_, where, items = override if isinstance(override, Override) else (override, f"--set {override}", ())
    key, sep, text = text_.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError("expected KEY=VALUE, e.g. --set lr=0.5 or --set optimizer.momentum=0.9",
                          source=where)
    value, _ = load_yaml(text, where) if text.strip() else (None, {})
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if depth == 0 and isinstance(child, str) and part in ("loss", "optimizer"):
            child = {"name": child}  # `loss: mse` then `--set loss.delta=2`
        elif child is None:
            child = {}
        if not isinstance(child, dict):
            raise ConfigError(f"{'.'.join(parts[:depth + 1])} is {kind(child)}, not a mapping, so it has "
                              f"no key {parts[depth + 1]!r}", source=where)
        node[part] = child = dict(child)
        node = child
    node[parts[-1]] = value
    setters[tuple(parts)] = where
    for i, item in enumerate(items):
        setters[(*parts, i)] = item
