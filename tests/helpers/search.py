"""How long the property tests search: each asks for `examples(n)`, n times GUESSGAME_SEARCH (a positive
number, 1 when unset). The suite's own sizes keep it within minutes on 2 cores; `GUESSGAME_SEARCH=5
python -m pytest` looks at five times as many random configs and trajectories."""

import math
import os

_NAME = "GUESSGAME_SEARCH"


def _scale() -> float:
    text = os.environ.get(_NAME, "1")
    try:
        scale = float(text)
    except ValueError:
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"{_NAME}={text!r}: a positive number of times the suite's own search, e.g. 5")
    return scale


SCALE = _scale()


def examples(n: int) -> int:
    """How many examples a property test that searches n by default looks at."""
    return max(1, round(n * SCALE))
