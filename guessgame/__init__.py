"""guessgame: a gradient-descent guessing game.

A hidden answer, a guess, a loss and an optimizer: watch each learning rate converge, oscillate or
diverge, attempt by attempt, and compare what happened with what theory predicts.

    >>> from guessgame import simulate
    >>> result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.1, 10]})
    >>> result.status
    ['unfinished', 'diverged']

torch and matplotlib load on first use, so `import guessgame` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guessgame.config import Config, load_config
    from guessgame.engine import Interrupted, Result, simulate
    from guessgame.errors import ConfigError

__version__ = "0.1.0"
__all__ = ["Config", "ConfigError", "Interrupted", "Result", "load_config", "simulate", "__version__"]

# Loaded on first use: the command line starts by catching Ctrl-C, before anything heavy is imported.
_LAZY = {"simulate": "guessgame.engine", "Result": "guessgame.engine", "Interrupted": "guessgame.engine",
         "Config": "guessgame.config", "load_config": "guessgame.config", "ConfigError": "guessgame.errors"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'guessgame' has no attribute {name!r}")
