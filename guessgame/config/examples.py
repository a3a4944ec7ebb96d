"""The example configs that ship inside guessgame (`guessgame/examples/*.yaml`; a checkout's `configs/`
is the same folder): their names, what each shows, and where a config named by one of them is.

A path is read first: `l1` is a file called `l1` if there is one here, else the example `l1.yaml`.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from guessgame.config.fields import suggest
from guessgame.errors import ConfigError

SUFFIX = ".yaml"


def folder():
    """The folder of the examples, inside the installed package."""
    return files("guessgame") / "examples"


def names() -> list[str]:
    """Every example's name (its file's stem), sorted."""
    return sorted(item.name[:-len(SUFFIX)] for item in folder().iterdir()
                  if item.name.endswith(SUFFIX) and item.is_file())


def example(name: str):
    """The file of the example `name` (or `name.yaml`), or None if there is none."""
    stem = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name
    return folder() / f"{stem}{SUFFIX}" if stem in names() else None


def about(name: str) -> str:
    """What an example shows: the first sentence of the comment it opens with."""
    words = []
    for line in example(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        words += line.lstrip("#").split()
    text = " ".join(words)
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def located(source: str | os.PathLike) -> Path:
    """The file a config given by path or name is read from: the path when it exists, else the
    example of that name. A name that is neither is a ConfigError listing the examples."""
    path = Path(source)
    if path.exists() or os.sep in str(source) or (os.altsep and os.altsep in str(source)):
        return path
    found = example(str(source))
    if found is None:
        raise ConfigError(f"no such file, nor an example of that name{suggest(path.stem, names())}; "
                          f"the examples: {', '.join(names())} (`guessgame examples` says what each shows)",
                          source=str(source))
    return Path(str(found))


def hint(source: str | os.PathLike) -> str:
    """For a path that does not exist: '; ...' pointing at the example its file's name names, if any."""
    stem = Path(source).stem
    if Path(source).suffix not in ("", SUFFIX) or example(stem) is None:
        return ""
    return f"; {stem} is one of guessgame's examples: give its name, {stem}, instead of this path"
