"""Noisy hints over many games: each lr's true loss as the median of its games, the band its games fill
(10% to 90%), and theory's expected true loss beside them."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import style
from guessgame.viz.axis import View
from guessgame.viz.style import STATUS_COLORS, TITLE_PAD, WIDTH, legend_outside, margins, points, title

BAND = (0.1, 0.5, 0.9)  # the band's bottom, the line, the band's top: quantiles of the games
FEW_LRS = 12  # lrs (x cells) up to which the legend names each


def spread(run: RunData) -> bool:
    """Whether the loss figure draws `run` as bands: noisy hints and several games per lr."""
    return run.config.noise is not None and run.games > 1


def figure(run: RunData, ax, view: View, marked):
    """The loss figure of noisy hints over several games: each lr's median true loss, its games' band and
    theory's expected true loss; `marked(ax, view)` marks each run where it diverged."""
    new = ax is None
    scheduled = new and run.lr_at is not None  # the lr over the attempts, drawn beneath
    fig = style.figure(WIDTH, 6.8 if scheduled else 5.4) if new else ax.figure
    lrs = None
    if scheduled:
        ax, lrs = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    elif new:
        ax = fig.add_subplot()
    view.apply(ax)
    drawn = draw(ax, run, view)
    marked(ax, view)
    style.attempt_axis(lrs if lrs is not None else ax, run.attempt)
    if lrs is not None:
        for (_, color, _), members in zip(drawn, groups(run)):
            lrs.plot(run.attempt, run.lr_at[:, members[0]], color=color, lw=1.6)
        lrs.set_yscale("log")
        lrs.set_ylabel("lr (log scale)")
        lrs.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="major", alpha=0.3)
    ax.set_ylabel("true loss, to the hidden answer" + (" (log scale)" if view.scale == "log" else ""))
    ax.set_title(title(run, "true loss per attempt, noisy hints"), fontsize=points(11), pad=TITLE_PAD)
    texts = legend_outside(ax, *legend(run, drawn))
    if new:
        margins(fig, left=1.15, wspace=0.3, legend=texts)
    return fig


def groups(run: RunData) -> list[np.ndarray]:
    """The runs of each lr (and cell), in order of their first run."""
    keys = np.stack([run.cells, run.lr]).T
    _, first, which = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    which = which.ravel()  # each run's group, in one pass: a sweep may have a million runs
    members = np.split(np.argsort(which, kind="stable"), np.cumsum(np.bincount(which))[:-1])
    return [members[k] for k in np.argsort(first)]


def quantiles(run: RunData, members: np.ndarray) -> np.ndarray:
    """(3, rows): the 10%, 50% and 90% true loss of the games at each kept attempt (a NaN loss, of a guess no
    longer finite, counts as above every other)."""
    values = run.loss[:, members]
    with np.errstate(invalid="ignore"):
        return np.quantile(np.where(np.isnan(values), np.inf, values), BAND, axis=1)


def expected(run: RunData, members: np.ndarray) -> np.ndarray | None:
    """Theory's expected true loss at each kept attempt, the same for every game of a fixed answer (None
    where theory has no closed form, or the games' answers differ)."""
    from guessgame.theory.noisy import Noisy, closed_form  # torch: only for a figure that needs it

    r = int(members[0])
    config = run.config.cells[run.cells[r]] if run.config.grid else run.config
    if not closed_form(config) or not np.all(run.answer[members] == run.answer[r]) or not run.attempt.size:
        return None
    import torch

    error = torch.from_numpy(run.guess[0, r:r + 1] - run.answer[r:r + 1])
    lrs = None if run.lr_at is None else torch.from_numpy(run.lr_at[:, r:r + 1])
    if lrs is not None and not np.array_equal(run.attempt, np.arange(1, len(run.attempt) + 1)):
        return None  # a schedule's lr at every attempt is needed, and only the kept ones are at hand
    game = Noisy(config, torch.tensor([run.lr[r]], dtype=torch.float64), error)
    curve = game.expected(int(run.attempt[-1]), lrs)[:, 0].numpy()
    return curve[run.attempt - 1]


def draw(ax, run: RunData, view: View) -> list[tuple[str, object, bool]]:
    """Each lr's band, median and expected curve on `ax`, a colour per lr (darker = larger); returns
    (label, colour, whether theory's curve is drawn) for the legend."""
    from matplotlib import colormaps

    drawn, every = [], groups(run)
    shades = colormaps["viridis_r"](np.linspace(0.15, 0.95, len(every)))
    for color, members in zip(shades, every):
        low, middle, high = quantiles(run, members)
        ax.fill_between(run.attempt, view.place(low), view.place(high), color=color, alpha=0.18, lw=0, zorder=1)
        ax.plot(run.attempt, view.place(middle), color=color, lw=1.8, zorder=3)
        curve = expected(run, members)
        if curve is not None:
            ax.plot(run.attempt, view.place(curve), color=color, lw=1.2, ls="--", zorder=2.5)
        cell = run.config.cell_labels()[run.cells[members[0]]] if run.config.grid else ""
        drawn.append(((f"{cell}, " if cell else "") + f"lr {run.lr[members[0]]:.3g}", color, curve is not None))
    return drawn


def legend(run: RunData, drawn: list[tuple[str, object, bool]]) -> tuple[list, list[str]]:
    """One entry per lr with its games' statuses (up to FEW_LRS lrs; beyond, the first and the last and the
    share of each status), and what the line, the band and the dashes are."""
    handles, labels = [], []
    every = groups(run)
    shown = range(len(drawn)) if len(drawn) <= FEW_LRS else (0, len(drawn) - 1)
    for k in shown:
        label, color, _ = drawn[k]
        statuses = [run.summary[r].status.value for r in every[k]]
        common = max(set(statuses), key=statuses.count)
        handles.append(Line2D([], [], color=color, lw=2.5))
        labels.append(f"{label}: {common} {statuses.count(common) / len(statuses):.0%}")
    if len(drawn) > FEW_LRS:
        labels[-1] += f"\n(and {len(drawn) - 2} lrs between:\ndarker = larger)"
        for status in Status:
            count = sum(s.status == status for s in run.summary)
            if count:
                handles.append(Line2D([], [], ls="none"))
                labels.append(f"{status.value}: {count / run.runs:.0%} of the games")
    handles += [Line2D([], [], color="gray", lw=1.8), Patch(color="gray", alpha=0.18)]
    labels += [f"median true loss of {run.games} games", "10%–90% of the games"]
    if any(theory for _, _, theory in drawn):
        handles.append(Line2D([], [], color="gray", lw=1.2, ls="--"))
        labels.append("theory: expected (mean) true loss,\nabove the median: some games sit high")
    if any(s.status == Status.DIVERGED and s.diverged_at for s in run.summary):
        handles.append(Line2D([], [], marker="X", ls="none", ms=8, color=STATUS_COLORS[Status.DIVERGED]))
        labels.append("a game diverged here")
    return handles, labels


def floors(ax, run: RunData, x: np.ndarray, view: View) -> tuple[list, list[str]]:
    """On the lr figure's final losses: per lr, theory's noise floor (a bar) and the mean final true loss
    of its games (a ring) -- the price of a larger lr's speed. Returns the legend's entries."""
    if run.config.noise is None:
        return [], []
    drawn = False
    for members in groups(run):
        floor = run.summary[members[0]].theory.noise_floor if run.summary[members[0]].theory else None
        final = np.array([run.summary[r].final_loss for r in members], dtype=float)
        mean = float(final.mean()) if np.isfinite(final).all() else np.nan
        at = float(x[members].mean())
        if floor is not None and view.contains(floor):
            ax.scatter([at], [view.place(floor)], marker="_", s=900, color="black", lw=2.5, zorder=5)
            drawn = True
        if view.contains(mean):
            ax.scatter([at], [view.place(mean)], marker="o", s=90, facecolors="none", edgecolors="black", lw=1.8,
                       zorder=5)
    handles = [Line2D([], [], marker="o", ls="none", mfc="none", mec="black", mew=1.8, ms=9)]
    labels = ["mean final true loss\nof the lr's games"]
    if drawn:
        handles.insert(0, Line2D([], [], marker="_", ls="none", color="black", mew=2.5, ms=20))
        labels.insert(0, "theory: noise floor")
    return handles, labels
