"""Reading a config: a YAML file, a dict of YAML keys or a Config, with overrides, validated once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from guessgame.config.overrides import Override, apply_override
from guessgame.config.schema import Config, kind
from guessgame.config.validate import Validator
from guessgame.config.yamlsafe import load_yaml
from guessgame.errors import ConfigError


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
        apply_override(raw, override, setters)
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
