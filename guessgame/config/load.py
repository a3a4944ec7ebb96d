"""Reading a config: a YAML file, a dict of YAML keys or a Config, with overrides, validated once."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from guessgame.config.examples import hint, located
from guessgame.config.overrides import Override, apply_override
from guessgame.config.schema import NAME_BYTES, Config, kind
from guessgame.config.validate import Validator
from guessgame.config.yamlsafe import DEPTH, load_yaml
from guessgame.errors import ConfigError


def load_config(source: str | Path | dict | Config, overrides: Sequence[str | Override] = ()) -> Config:
    """Read and validate a config from a YAML file, a dict of YAML keys, or a Config.

    A file that is not there may be named as one of guessgame's examples: `load_config("l1")` reads
    the packaged `l1.yaml` (a file `l1` here is read first).

    `overrides` are `dotted.key=yaml-value` strings (errors name them as `--set key=value`) or
    `Override`s, applied before validation:
    `load_config("configs/mse.yaml", ["lr=[0.1, 1]", "optimizer.name=adam"])`.
    """
    if isinstance(overrides, (str, Override)):
        overrides = [overrides]
    if not isinstance(overrides, (list, tuple)) or not all(isinstance(o, (str, Override)) for o in overrides):
        raise ConfigError(f"overrides: got {kind(overrides)}; a list of 'key=value' texts, e.g. ['lr=0.5']")
    if isinstance(source, Config):
        if not overrides:
            return source
        source = source.to_dict()
    if isinstance(source, dict):
        raw, lines, origin, default_name = plain(source), {}, None, "game"
    elif isinstance(source, (str, os.PathLike)):
        raw, lines, origin, default_name = _read_file(source)
    else:
        raise ConfigError(f"got {kind(source)}; a config is a dict of its keys ({{'answer': [2, 77, 91], ...}}), "
                          "the path of a YAML file, or a Config from load_config")
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


def _read_file(source: str | os.PathLike) -> tuple[Any, dict, str, str]:
    """A config file's YAML (or an example's, by name), its line numbers, where it came from and the
    name it gives a run."""
    path = located(source)
    origin = str(source) if path == Path(source) else str(path)
    raw, lines = load_yaml(_read_text(path, origin), origin)
    if raw is None:
        raise ConfigError("the file is empty; a config needs at least `answer`", source=origin)
    return raw, lines, origin, name_of(path.stem)


def replaced(config: Config, **changes: Any) -> Config:
    """`config` with some keys changed, as YAML values, and validated like any other:
    `replaced(config, optimizer="sgd", games=1)`."""
    return load_config({**config.to_dict(), **changes})


def plain(value: Any, depth: int = 0) -> Any:
    """A config given in Python as YAML would give it: numpy and torch numbers and arrays as Python
    numbers and lists (what `.tolist()` gives), tuples as lists; no deeper than DEPTH."""
    if depth > DEPTH:
        raise ConfigError(f"the config nests deeper than {DEPTH} levels; no key of a config needs that many")
    if isinstance(value, dict):
        return {key: plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    if not isinstance(value, (str, bytes, bool, int, float)) and callable(getattr(value, "tolist", None)):
        return plain(value.tolist(), depth)
    return value


def name_of(stem: str) -> str:
    """The run's name when the config gives none: its file's stem, each run of what a name may not
    hold as one '-', at most 100 characters; 'game' if nothing is left."""
    name = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFC", stem)).strip(".-")[:100]
    while len(name.encode()) > NAME_BYTES:
        name = name[:-1]
    return name.rstrip(".-") or "game"


def _read_text(path: Path, origin: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file" + hint(origin), source=origin) from None
    except IsADirectoryError:
        raise ConfigError("this is a directory, not a config file", source=origin) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", source=origin) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text", source=origin) from None
