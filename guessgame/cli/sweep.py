"""compare's options as overrides of the config: its learning rates (--lr, --lrs LOW:HIGH:COUNT) and
its grid (--optimizer, --loss, --schedule, --dtype), each mistake reported naming the option it is in."""

from __future__ import annotations

import math

from guessgame.cli.common import fail
from guessgame.config import Override


def compare_overrides(lr: list[str] | None, lrs: str | None, grid: dict[str, list[str] | None],
                      set_: list[str]) -> list[Override]:
    """The overrides compare puts after the config's `--set`s: its lrs, then each grid option given
    (`grid`: the values of --optimizer, --loss, --schedule and --dtype, by key); exit 2 on a mistake."""
    axes = [grid_option(key, values) for key, values in grid.items() if values]
    if lr and lrs is not None or not (lr or lrs or axes):
        fail("give either --lr (repeatable) or --lrs LOW:HIGH:COUNT, e.g. --lr 0.1 --lr 1 or --lrs 0.01:10:40 "
             "(or compare --optimizer, --loss, --schedule or --dtype at the config's lrs)")
    replaced = {key: f"--{key}" for key, values in grid.items() if values}
    if lr or lrs is not None:
        replaced["lr"] = "--lr" if lr else "--lrs"
    for text in set_:
        key = text.partition("=")[0].strip().split(".")[0]
        if key in replaced:
            fail(f"--set {text}: compare's {replaced[key]} replaces the config's {key}, so this would be ignored; "
                 f"give it in {replaced[key]} instead (or leave {replaced[key]} out)")
    chosen = []
    if lr:
        values = [_learning_rate(text, f"--lr: got {_typed(text)}") for text in lr]
        chosen = [Override(f"lr=[{', '.join(repr(v) for v in values)}]", " ".join(f"--lr {text}" for text in lr))]
    elif lrs is not None:
        low, high, count = _lr_sweep(lrs)
        chosen = [Override(f"lr={{logspace: [{low!r}, {high!r}, {count}]}}", f"--lrs {lrs}")]
    return [*chosen, *axes]


def grid_option(key: str, values: list[str]) -> Override:
    """`--optimizer sgd --optimizer adam` -> optimizer=[sgd, adam]; each item's errors name its option."""
    from guessgame.config.yamlsafe import load_yaml

    typed = [f"--{key} {text}" for text in values]
    for text, where in zip(values, typed):
        if not text.strip():
            fail(f"--{key}: got an empty value; a name or a YAML mapping, e.g. --{key} "
                 + {"optimizer": "adam", "loss": "l1", "schedule": "'{name: cosine, T_max: 50}'",
                    "dtype": "float16"}[key])
        load_yaml(text, where)  # a YAML mistake names the one option it is in
    return Override(f"{key}=[{', '.join(values)}]", " ".join(typed), tuple(typed))


def _typed(text: str) -> str:
    """What the user typed, as a message shows it: numbers bare (`inf`, `0`), anything else quoted."""
    try:
        float(text)
    except ValueError:
        return repr(text)
    return text.strip()


def _learning_rate(text: str, where: str) -> float:
    """A learning rate typed on the command line: a positive finite number, or exit 2 saying so."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        fail(f"{where}; a learning rate is a positive finite number, e.g. 0.1 or 1e-3")
    return value


def _lr_sweep(text: str) -> tuple[float, float, int]:
    """`--lrs LOW:HIGH:COUNT` -> (low, high, count), or exit 2 naming the part that is wrong."""
    from guessgame.config.schema import MAX_RUNS

    example = "e.g. --lrs 0.01:10:40 for 40 learning rates from 0.01 to 10"
    parts = text.split(":")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        fail(f"--lrs: got {text!r}; expected LOW:HIGH:COUNT, {example}")
    low = _learning_rate(parts[0], f"--lrs: got {text!r}, whose LOW is {_typed(parts[0])}")
    high = _learning_rate(parts[1], f"--lrs: got {text!r}, whose HIGH is {_typed(parts[1])}")
    if high < low:
        fail(f"--lrs: got {text!r}; LOW must not be above HIGH, {example}")
    try:
        count = float(parts[2])
    except ValueError:
        count = math.nan
    if not (count.is_integer() and 1 <= count <= MAX_RUNS):
        fail(f"--lrs: got {text!r}, whose COUNT is {_typed(parts[2])}; COUNT is a whole number from 1 to "
             f"{MAX_RUNS:,}, {example}")
    return low, high, int(count)
