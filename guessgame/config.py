"""The config: YAML (or a dict) in, one validated, frozen `Config` out.

Everything is checked here, once; the engine trusts what it is given.
"""

from __future__ import annotations

import re
from pathlib import Path

from guessgame.errors import ConfigError
from guessgame.schema import Config, RandomAnswer, kind
from guessgame.validate import Validator
from guessgame.yamlsafe import load_yaml

__all__ = ["Config", "ConfigError", "RandomAnswer", "load_config"]


def load_config(source: str | Path | dict | Config, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read and validate a config from a YAML file, a dict of YAML keys, or a Config.

    `overrides` are `dotted.key=yaml-value` strings, applied before validation:
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


def _apply_override(raw: dict, override: str, setters: dict[tuple, str]) -> None:
    """Apply `dotted.key=yaml-value` to the raw mapping, turning `loss: mse` into `{name: mse}` on the way."""
    key, sep, text = override.partition("=")
    key = key.strip()
    where = f"--set {override}"
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError("expected KEY=VALUE, e.g. --set lr=0.5 or --set optimizer.momentum=0.9",
                          source=where)
    value, _ = load_yaml(text, where) if text.strip() else (None, {})
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if isinstance(child, str) and parts[0] in ("loss", "optimizer"):
            child = {"name": child}
        elif not isinstance(child, dict):
            child = {} if child is None else child
        if not isinstance(child, dict):
            raise ConfigError(f"{'.'.join(parts[:depth + 1])} is not a mapping, so it has no key "
                              f"{parts[depth + 1]!r}", source=where)
        node[part] = child = dict(child)
        node = child
    node[parts[-1]] = value
    setters[tuple(parts)] = where


