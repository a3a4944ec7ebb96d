"""Every knob of a game, live in a notebook: `explore(config)` returns an ipywidgets widget whose controls
re-simulate and redraw the run at every change.

    >>> from guessgame.notebook import explore
    >>> explore({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 1, "attempts": 60})  # doctest: +SKIP

Its controls: lr (a log slider), the optimizer and its options (momentum, betas ..., those of the one
chosen), the loss and its option, the reduction, the attempts, the dtype, the weights' condition number
and a 2-element answer's rotation, the noise's std and batch, and the lr schedule. It shows the run's
verdict next to theory's in the words of the report, the loss per attempt with theory's curve, the
guesses per attempt with the answer and, for an answer of 2 or more elements, the path over the loss's
contours.

ipywidgets and plotly come with the `notebook` extra: `pip install "guessgame[notebook]"`.
"""

from __future__ import annotations

from typing import Any

EXTRA = 'pip install "guessgame[notebook]"'
NEEDS = ("ipywidgets", "plotly", "anywidget")  # anywidget: plotly's FigureWidget is one


def explore(config: Any):
    """A live widget for `config` (a dict of the YAML keys, a path to a YAML file, or a loaded `Config`):
    its first run, at its first lr, with a control for every knob."""
    import importlib.util

    from guessgame.errors import MissingExtra

    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtra(f"explore needs the notebook extra ({', '.join(missing)} is not installed); "
                           f"install it with: {EXTRA}")
    from guessgame.notebook.explorer import Explorer

    return Explorer(config)
