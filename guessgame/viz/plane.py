"""A plane through the answer in guess space: its two coordinates, the guesses projected onto it and
the game's loss over it, for the contour picture and the page (numpy only).

For a 2-element answer the plane is guess space itself, (guess[0], guess[1]). For more, it is the plane
through the answer spanned by two of the ravine's directions (`guessgame.ravine.directions`: by default
the stiffest and the flattest), the other coordinates held at the answer; each guess is drawn at its
projection, (guess - answer) · u along each direction u. When the runs do not share one answer (random
games), the coordinates are errors, guess - answer, so every game shares the plane.

The loss at a point of the plane is the game's, exactly as `guessgame.ravine` writes it:

    error = (x - x_answer) u + (y - y_answer) v          # in guess space
    loss  = reduction(weights * curve(R @ error))        # R: the rotation, if any; curve: the loss's own

In a ravine's own axes R @ u is the unit vector of its weight, so along two of its directions the loss
is that of two elements alone (the others contribute curve(0)).

    >>> p = plane(config, answers)   # doctest: +SKIP
    >>> x, y = project(p, guesses, answers); z = loss_on(p, config, xs, ys)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from guessgame import ravine
from guessgame.config import Config
from guessgame.losses import effective

CHUNK = 4_000_000  # numbers held at once while projecting or evaluating


class Plane(NamedTuple):
    axes: np.ndarray  # (2, N): the unit directions u, v in guess space
    inner: np.ndarray  # (2, N): the same in the ravine's axes (R u, R v), where the loss is element by element
    origin: np.ndarray  # (2,): the answer's coordinates (0, 0 in error coordinates)
    labels: tuple[str, str]  # what each coordinate is, for the axes
    rest: str  # where the other coordinates are held ('' when the plane is the whole space)


def element(shape: tuple[int, ...], i: int) -> str:
    """The index of flat element i as Python writes it: `[2]`, `[1,0]`; '' for a scalar."""
    if len(shape) <= 1:
        return f"[{i}]" if shape else ""
    return "[" + ",".join(str(k) for k in np.unravel_index(i, shape)) + "]"


def plane(config: Config, answers: np.ndarray, along: tuple[int, int] = (0, -1)) -> Plane:
    """The plane of `config`'s game for runs of these answers (runs, N): guess space itself for two
    elements, else the one spanned by directions `along` (indices into `ravine.directions`, stiffest first)."""
    n = answers.shape[1]
    shared = bool((answers == answers[:1]).all())
    if n == 2:
        w, turned = ravine.weights(config), config.rotation is not None
        inner = ravine.rotation(config).numpy().T if turned else np.eye(2)  # row j: R @ e_j
        notes = [""] * 2 if turned or w[0] == w[1] else [f"  (weight {v:g})" for v in w]
        return _elements(np.eye(2), inner, answers[0] if shared else None, [0, 1], notes, config.shape, "")
    w, k = ravine.weights(config), [i % n for i in along]
    index = [int(i) for i in np.argsort(-w, kind="stable")[k]]  # the k-th stiffest, as `ravine.directions` sorts
    inner = np.zeros((2, n))
    inner[[0, 1], index] = 1.0  # in the ravine's own axes each direction is its weight's element
    if config.rotation is None:
        notes = [""] * 2 if (w == w[0]).all() else [f"  (weight {w[i]:g})" for i in index]
        return _elements(inner, inner, answers[0] if shared else None, index, notes, config.shape,
                         f"the other {_count(n - 2, 'element')} at the answer")
    kind = ["the stiffest " if j == 0 else "the flattest " if j == n - 1 else "a " for j in k]
    labels = tuple(f"along d{j + 1}, {what}direction\n(weight {w[i]:g}), from the answer"
                   for what, j, i in zip(kind, k, index))
    axes = ravine.rotation(config).numpy()[index]  # R's row of a weight: the direction it lies along
    return Plane(axes, inner, np.zeros(2), labels, f"the other {_count(n - 2, 'direction')} at the answer")


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'s' * (k != 1)}"


def _elements(axes, inner, answer: np.ndarray | None, index: list[int], notes: list[str], shape, rest: str) -> Plane:
    """A plane along two elements: their values where every run has this `answer`, else their errors."""
    names = [element(shape, i) for i in index]
    if answer is not None:
        labels = tuple(f"guess{name}{note}" for name, note in zip(names, notes))
        return Plane(axes, inner, answer[index].astype(float), labels, rest)
    labels = tuple(f"guess{name} − answer{name}{note}" for name, note in zip(names, notes))
    return Plane(axes, inner, np.zeros(2), labels, rest)


def project(p: Plane, guess: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plane's coordinates (x, y) of guesses (rows, runs, N) of runs with these answers (runs, N):
    (guess - answer) · u + the answer's own coordinate. A guess with an inf or nan element along a
    direction is inf or nan there; elements the direction does not use are left out, never 0 * inf."""
    error = _along(guess, p.axes, answers)
    return error[0] + p.origin[0], error[1] + p.origin[1]


def _along(guess: np.ndarray, axes: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """(2, rows, runs): (guess - answers) · each axis, over the elements it uses, in chunks of rows."""
    rows, runs, _ = guess.shape
    out = np.empty((2, rows, runs))
    for j, axis in enumerate(axes):
        used = np.flatnonzero(axis)
        step = max(1, CHUNK // max(1, runs * used.size))
        for start in range(0, rows, step):
            part = guess[start:start + step][..., used]
            with np.errstate(over="ignore", invalid="ignore"):
                part = part - answers[None][..., used]
                alone = used.size == 1 and axis[used[0]] == 1  # an element itself: exactly its error
                out[j, start:start + step] = part[..., 0] if alone else part @ axis[used]
    return out


def loss_on(p: Plane, config: Config, xs: np.ndarray, ys: np.ndarray, loss: tuple[str, dict] | None = None,
            ) -> np.ndarray:
    """(len(ys), len(xs)): the game's loss at each point (x, y) of the plane; inf where float64 overflows.
    `loss`: (name, options) of a grid's cell, else the config's own."""
    name, options = loss or (config.loss, config.loss_options)
    definition, options = effective(name, options)
    weights = ravine.weights(config)
    n = weights.size
    per = 1.0 / n if config.reduction == "mean" else 1.0
    a = np.asarray(xs, dtype=float) - p.origin[0]
    b = np.asarray(ys, dtype=float) - p.origin[1]
    used = np.flatnonzero((p.inner != 0).any(axis=0))
    idle = np.setdiff1d(np.arange(n), used)
    total = np.full((b.size, a.size), float((weights[idle] * definition.values(np.zeros(idle.size), options)[0]).sum()))
    step = max(1, CHUNK // max(1, a.size * b.size))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, used.size, step):
            part = used[start:start + step]
            error = b[:, None, None] * p.inner[1, part] + a[None, :, None] * p.inner[0, part]
            total += (weights[part] * definition.values(error, options)[0]).sum(axis=2)
        return total * per


def levels(z: np.ndarray, has_minimum: bool, most: int = 14) -> np.ndarray:
    """Contour levels for the loss values z of a plane: for a loss with a minimum, round numbers spaced
    by ratios (1, 2, 5 x 10^k, or sparser) from near its lowest values to its highest, so a ravine's
    narrow valley and its wide walls both get lines; for one without (the bad loss), evenly spaced."""
    finite = z[np.isfinite(z)]
    if has_minimum:
        positive = finite[finite > 0]
        if not positive.size:
            return np.zeros(0)
        low, high = float(np.quantile(positive, 0.002)), float(positive.max())
        decades = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
        for mantissas in ((1, 1.5, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,)):
            with np.errstate(over="ignore"):
                found = (np.array(mantissas)[None] * 10.0 ** decades[:, None]).ravel()
            found = np.sort(found[(found >= low) & (found <= high)])
            if found.size <= most:
                return found if found.size else np.array([high])
        return found[::-1][::-(-found.size // most)][::-1]
    if not finite.size or finite.min() == finite.max():
        return finite[:1]
    low, high = float(finite.min()), float(finite.max())
    raw = (high / 2 - low / 2) * 2 / most
    base = 10.0 ** np.floor(np.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    return np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step
