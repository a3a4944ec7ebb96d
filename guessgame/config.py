"""The config: YAML (or a dict) in, one validated, frozen `Config` out.

Everything is checked here, once; the engine trusts what it is given.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple, Sequence

from guessgame.errors import ConfigError
from guessgame.schema import Config, RandomAnswer, kind
from guessgame.validate import Validator
from guessgame.yamlsafe import load_yaml

__all__ = ["Config", "ConfigError", "Override", "RandomAnswer", "load_config"]


class Override(NamedTuple):
    """A `dotted.key=yaml-value` override and what the user typed to ask for it (named in errors)."""

    text: str  # "lr=[0.1, 1.0]"
    origin: str  # "--lr 0.1 --lr 1"


def load_config(source: str | Path | dict | Config, overrides: Sequence[str | Override] = ()) -> Config:
    """Read and validate a config from a YAML file, a dict of YAML keys, or a Config.

    `overrides` are `dotted.key=yaml-value` strings (errors name them as `--set key=value`) or
    `Override`s, applied before validation:
    `load_config("configs/mse.yaml", ["lr=[0.1, 1]", "optimizer.name=adam"])`.
    """
    if isinstance(source, Config):
        if not overrides:
            return source
        source = source.to_dict()
    if isinstance(source, dict):
        raw, lines, origin, default_name = source, {}, None, "game"
    else:
        path = Path(source)
        origin = str(source)
        text = _read_text(path, origin)
        raw, lines = load_yaml(text, origin)
        default_name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip(".-") or "game"
        if raw is None:
            raise ConfigError("the file is empty; a config needs at least `answer`", source=origin)
    if not isinstance(raw, dict):
        raise ConfigError(
            f"the top level must be a mapping of keys (answer:, guess:, lr: ...), got {kind(raw)}",
            source=origin,
        )
    raw = dict(raw)
    setters: dict[tuple, str] = {}
    for override in overrides:
        _apply_override(raw, override, setters)
    return Validator(origin, lines, setters).config(raw, default_name)


def _read_text(path: Path, origin: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file", source=origin) from None
    except IsADirectoryError:
        raise ConfigError("this is a directory, not a config file", source=origin) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", source=origin) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text", source=origin) from None


def _apply_override(raw: dict, override: str | Override, setters: dict[tuple, str]) -> None:
    """Apply `dotted.key=yaml-value` to the raw mapping, turning `loss: mse` into `{name: mse}` on the way."""
    text_, where = override if isinstance(override, Override) else (override, f"--set {override}")
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
