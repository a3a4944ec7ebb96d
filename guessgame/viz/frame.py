"""The frame the path figure and the GIF share: the guesses in error space (guess - answer, the
answer at 0) against their loss, on two views, and each run's path clipped to them.

The frame is chosen from the answer and the runs that approach it (and every run's start); a run
that escapes is drawn to the frame's edge. Paths are kept in axis coordinates, three slots a row
(see `clipped_paths`), so the figure and each frame of the GIF draw the same lines.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.errorspace import ErrorSpace, curves, ends, error_space

WIDTH_PATH = 9.5  # inches, the path figure's and the GIF's


class Frame(NamedTuple):
    """Error space and the views it is drawn on; `live`: the rows each run played."""

    space: ErrorSpace
    vx: View
    vy: View
    live: np.ndarray  # (rows, runs)


def frame(run: RunData) -> Frame:
    """The views: x from the answer, the approaching runs and every start; y from their losses and the curve."""
    space = error_space(run)
    live = marks.alive(run)
    need = marks.needed(run, run.loss, growth=False) & np.isfinite(space.x)
    need[0] |= live[0] & np.isfinite(space.x[0]) & np.isfinite(run.loss[0])
    settled = [r for r in marks.unlogged_ends(run) if run.summary[r].status != Status.DIVERGED]
    end_x, end_loss = ends(run, settled)  # where a stopped run ended, when the log did not keep it
    xs = np.concatenate([space.x[need], end_x, [0.0]])
    rest = live & ~need
    vx = choose(xs, kind="value", base=float(np.abs(xs[np.isfinite(xs)]).max()) or 1.0, room=room(xs, space.x[rest]))
    grid = np.linspace(vx.low, vx.high, 401)
    ys = np.concatenate([run.loss[need], end_loss, *curves(run, grid)])
    ys = ys[np.isfinite(ys)]
    vy = choose(ys, kind="value", base=float(np.abs(ys).max(initial=0)) or 1.0, room=room(ys, run.loss[rest]))
    return Frame(space, vx, vy, live)


def room(core: np.ndarray, rest: np.ndarray) -> tuple[bool, bool]:
    """Room on the side where runs leave: (below, above)."""
    if not core.size:
        return False, False
    with np.errstate(invalid="ignore"):
        return bool((rest < core.min()).any()), bool((np.isnan(rest) | (rest > core.max())).any())


def draw_landscape(ax, run: RunData) -> Frame:
    """The frame's views on `ax`, the landscape curve, the answer line and the axis labels."""
    f = frame(run)
    f.vx.apply(ax, "x")
    f.vy.apply(ax, "y")
    grid = np.linspace(f.vx.low, f.vx.high, 801)
    for curve in curves(run, grid):  # one, or a ravine's two bounds
        drawn = marks.trace(f.vy, f.vx.place(grid), curve[:, None], np.ones((len(grid), 1), bool))
        ax.plot(*marks.vertices(drawn.x[:, 0], drawn.y[:, 0]), color="black", lw=1.4, zorder=2)
    ax.axvline(float(f.vx.place(0.0)), color="black", ls="--", lw=1, zorder=1)
    ax.set_xlabel(f.space.label)
    ax.set_ylabel("loss of each logged guess")
    ax.grid(True, alpha=0.3)
    return f


def inside_frame(f: Frame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Where a played row's (x, y) is drawn as itself."""
    return f.live & f.vx.contains(x) & f.vy.contains(y)


def clipped_paths(f: Frame, loss: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, float, float]]]:
    """(3 x rows, runs, 2) vertices in axis coordinates, gaps as NaN, and the exits (run, row, x, y).

    Each row gets three slots: where the segment from the previous row ends, the point itself, and
    where the segment to the next row starts. A segment between a point inside and one outside
    ends where it crosses the frame; segments between two points outside are gaps.
    """
    px, py = unit(f.vx, f.space.x), unit(f.vy, loss)
    inside = inside_frame(f, f.space.x, loss)
    point = np.stack([px, py], axis=-1)
    cross = crossings(point[:-1], point[1:], inside[:-1], inside[1:])  # (rows-1, runs, 2)
    cross[~(f.live[:-1] & f.live[1:])] = np.nan  # a run that stopped early just ends
    nan = np.full_like(point[:1], np.nan)
    into = np.where(inside[..., None], point, np.concatenate([nan, cross]))
    out = np.where(inside[..., None], point, np.concatenate([cross, nan]))
    mid = np.where(inside[..., None], point, np.nan)
    verts = np.stack([into, mid, out], axis=1).reshape(-1, point.shape[1], 2)
    leave = inside[:-1] & ~inside[1:] & f.live[1:] & np.isfinite(cross[..., 0])
    exits = [(int(c), int(k) + 1, *cross[k, c]) for k, c in zip(*np.nonzero(leave))]
    return to_axis(f, verts), [(r, k, *to_axis(f, np.array([[x, y]]))[0]) for r, k, x, y in exits]


def unit(view: View, values: np.ndarray) -> np.ndarray:
    """Values in frame units: 0 .. 1 inside the view; far outside clipped to ±1e6, nan kept."""
    lo, hi = view.limits
    with np.errstate(over="ignore", invalid="ignore"):
        u = (view.u(np.clip(values, -1e300, 1e300)) - lo) / (hi - lo)
    return np.where(np.isnan(values), np.nan, np.clip(u, -1e6, 1e6))


def to_axis(f: Frame, verts: np.ndarray) -> np.ndarray:
    """Frame units (0 .. 1 inside) back to axis coordinates."""
    (x0, x1), (y0, y1) = f.vx.limits, f.vy.limits
    return np.stack([x0 + verts[..., 0] * (x1 - x0), y0 + verts[..., 1] * (y1 - y0)], axis=-1)


def crossings(p: np.ndarray, q: np.ndarray, p_in: np.ndarray, q_in: np.ndarray) -> np.ndarray:
    """Where the segment p-q crosses the unit frame, for pairs with exactly one end inside."""
    one = p_in != q_in
    a = np.where(p_in[..., None], p, q)  # the end inside
    b = np.where(p_in[..., None], q, p)
    b = np.where(np.isnan(b[..., 1:2]), np.stack([a[..., 0], np.full(a.shape[:-1], 1e6)], -1), b)
    b[..., 0] = np.where(np.isnan(b[..., 0]), a[..., 0], b[..., 0])
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d > 0, (1 - a) / d, np.where(d < 0, -a / d, np.inf)).min(axis=-1)
    t = np.clip(np.where(np.isfinite(t), t, 0), 0, 1)
    cross = a + t[..., None] * d
    # an end at an infinite (or overflowing) loss with a known error: leave through the top or bottom
    # above that error (clamped to the frame), not straight up from the point inside
    endless = (np.abs(b[..., 1]) >= 1e6) & np.isfinite(b[..., 0]) & (np.abs(b[..., 0]) < 1e6)
    edge = np.stack([np.clip(b[..., 0], 0, 1), np.where(b[..., 1] > 0, 1.0, 0.0)], -1)
    cross = np.where(endless[..., None], edge, cross)
    return np.where(one[..., None], cross, np.nan)
