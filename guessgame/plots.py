"""Figures that explain a run. Each takes a `Result`, a `RunData` or a run folder and returns a
matplotlib `Figure`; nothing here saves or shows (the CLI saves, a notebook shows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib import colormaps

from guessgame.rundata import RunData

STATUS_COLORS = {"converged": "#2a9d3f", "oscillating": "#e08a00", "unfinished": "#3b6fd6",
                 "diverged": "#d62728"}
_MANY = 8  # more runs than this: colour by lr with a colourbar instead of a legend
_SHOWN_ELEMENTS = 6


def as_run(source: Any) -> RunData:
    if isinstance(source, RunData):
        return source
    if isinstance(source, (str, Path)):
        return RunData.load(source)
    return RunData.from_result(source)


def _lr_colors(run: RunData):
    """A colour per run: by log10(lr) when there are many, else a qualitative cycle."""
    if run.runs > _MANY:
        logs = np.log10(run.lr)
        norm = Normalize(logs.min(), logs.max() if logs.max() > logs.min() else logs.min() + 1)
        cmap = colormaps["viridis"]
        return [cmap(norm(v)) for v in logs], (cmap, norm)
    cycle = colormaps["tab10"]
    return [cycle(i % 10) for i in range(run.runs)], None


def _named(config: dict, key: str) -> tuple[str, dict]:
    """`loss` or `optimizer` of a config, written `mse` or `{name: huber, delta: 2}` -> (name, options)."""
    entry = config[key] if isinstance(config[key], dict) else {"name": config[key]}
    return entry["name"], {k: v for k, v in entry.items() if k != "name"}


def _title(run: RunData, what: str) -> str:
    c = run.config
    loss, opt = _named(c, "loss")[0], _named(c, "optimizer")[0]
    return f"{run.name}: {what}  ({loss}, {c.get('reduction', 'mean')}, {opt}, {c.get('dtype', 'float64')})"


def _shared_theory(run: RunData) -> dict:
    """The theory block of the first run that has one; the lrs it names (critical, best) are shared."""
    return next((r["theory"] for r in run.summary if r.get("theory")), None) or {}


def _lr_label(lr: float) -> str:
    return f"lr={lr:.4g}"


def loss_figure(source: Any) -> Figure:
    """Loss against attempt, one curve per run; divergence marked, theory's curve dashed."""
    run = as_run(source)
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    colors, scale = _lr_colors(run)
    loss = run.loss
    finite = np.isfinite(loss)
    values = loss[finite]
    negative = values.size and values.min() < 0
    positive = values[values > 0]
    # Exact zeros (an L1 landing) have no place on a log axis: they sit on a marked floor line.
    floor = positive.min() / 1e3 if positive.size else 1e-12
    top = positive.max() * 10 if positive.size else 1.0
    if negative:
        ax.set_yscale("symlog", linthresh=max(floor, 1e-12))
    else:
        ax.set_yscale("log")
    zero_drawn = diverged_drawn = False
    for r in range(run.runs):
        y = loss[:, r].copy()
        ok = np.isfinite(y)
        shown = np.where((y <= 0) & ~negative, floor, y) if not negative else y
        label = _lr_label(run.lr[r]) if scale is None else None
        ax.plot(run.attempt[ok], shown[ok], color=colors[r], lw=1.6 if scale is None else 0.9,
                label=label, alpha=0.95)
        zeros = ok & (y == 0) & ~negative
        if zeros.any():
            if not zero_drawn:
                ax.axhline(floor, color="gray", ls=":", lw=1)
                ax.annotate("loss exactly 0", (0.01, floor), xycoords=("axes fraction", "data"),
                            textcoords="offset points", xytext=(2, 3), fontsize=8, color="gray")
            ax.plot(run.attempt[zeros], np.full(zeros.sum(), floor), "v", color=colors[r], ms=5,
                    label=None if zero_drawn else "loss exactly 0")
            zero_drawn = True
        info = run.summary[r]
        if info["status"] == "diverged" and info.get("diverged_at"):
            at = info["diverged_at"]
            idx = np.searchsorted(run.attempt, at)
            before = np.flatnonzero(ok[: idx + 1])
            if before.size:
                k = before[-1]
                ax.plot(run.attempt[k], shown[k], "X", color="#d62728", ms=9, mec="black", mew=0.6,
                        label=None if diverged_drawn else "diverged here", zorder=5)
                diverged_drawn = True
                if scale is None:
                    note = "loss overflowed" if not ok.all() else "loss grows"
                    ax.annotate(f"diverged at {at}\n({note})", (run.attempt[k], shown[k]),
                                textcoords="offset points", xytext=(-10, 8), ha="right", fontsize=8,
                                color="#d62728")
        predicted = _theory_curve(run, r)
        if predicted is not None and scale is None:
            predicted[predicted > top] = np.nan  # theory past the measured range would only squash it
            ax.plot(run.attempt, predicted, "--", color=colors[r], lw=1.0, alpha=0.8,
                    label="theory: loss0·rate^(2t)" if r == 0 else None)
    ax.set_xlabel("attempt")
    ax.set_ylabel("loss" + (" (symlog: the loss goes negative)" if negative else " (log scale)"))
    ax.set_title(_title(run, "loss per attempt"))
    ax.grid(True, which="major", alpha=0.3)
    if scale is not None:
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(norm=scale[1], cmap=scale[0]), ax=ax, label="log10(lr)")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8, loc="best")
    return fig


def _theory_curve(run: RunData, r: int) -> np.ndarray | None:
    """For plain SGD on MSE: loss(t) = loss(1) * rate^(2(t-1)), drawn only while it stays finite."""
    theory = run.summary[r].get("theory") or {}
    c = run.config
    opt_name, opt = _named(c, "optimizer")
    loss_name = _named(c, "loss")[0]
    if loss_name != "mse" or opt_name != "sgd" or opt.get("momentum", 0) or theory.get("rate") is None:
        return None
    loss0 = run.loss[0, r]
    if not np.isfinite(loss0) or loss0 <= 0:
        return None
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        curve = loss0 * np.float64(theory["rate"]) ** (2.0 * (run.attempt - 1))
    curve[~np.isfinite(curve) | (curve <= 0)] = np.nan
    return curve


def _pick_runs(run: RunData, most: int) -> list[int]:
    if run.runs <= most:
        return list(range(run.runs))
    order = np.argsort(run.lr, kind="stable")
    return sorted(int(order[i]) for i in np.linspace(0, run.runs - 1, most).round().astype(int))


def trajectory_figure(source: Any) -> Figure:
    """Each element of the guess against attempt, one panel per run, the answer dashed."""
    run = as_run(source)
    picked = _pick_runs(run, 6)
    cols = min(3, len(picked))
    rows = -(-len(picked) // cols)
    fig = Figure(figsize=(4.2 * cols + 0.6, 3.4 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    n = run.guess.shape[2]
    shown = min(n, _SHOWN_ELEMENTS)
    cycle = colormaps["tab10"]
    for ax, r in zip(axes.flat, picked):
        for i in range(shown):
            y = run.guess[:, r, i]
            ok = np.isfinite(y)
            label = _element(run.shape, i)
            ax.plot(run.attempt[ok], y[ok], "-o", ms=2.5, lw=1.2, color=cycle(i), label=f"guess{label}")
            ax.axhline(run.answer[r, i], ls="--", lw=1.0, color=cycle(i), alpha=0.8,
                       label=f"answer{label}" if i == 0 or shown <= 3 else None)
        top = np.nanmax(np.abs(np.where(np.isfinite(run.guess[:, r, :shown]), run.guess[:, r, :shown], np.nan)))
        base = max(np.abs(run.answer[r, :shown]).max(), np.nanmax(np.abs(run.guess[0, r, :shown])), 1.0)
        if np.isfinite(top) and top > 1e3 * base:
            ax.set_yscale("symlog", linthresh=base)
            _symlog_ticks(ax, base, top)
        status = run.summary[r]["status"]
        ax.set_title(f"{_lr_label(run.lr[r])}: {status}", color=STATUS_COLORS.get(status, "black"), fontsize=10)
        ax.set_xlabel("attempt")
        ax.set_ylabel("guess")
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(picked):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="best")
    note = []
    if shown < n:
        note.append(f"first {shown} of {n} elements shown")
    if len(picked) < run.runs:
        note.append(f"{len(picked)} of {run.runs} runs shown, spread across the learning rates")
    fig.suptitle(_title(run, "guess per attempt (answer dashed)") + ("\n" + "; ".join(note) if note else ""),
                 fontsize=10)
    return fig


def _symlog_ticks(ax, linthresh: float, top: float, most: int = 4) -> None:
    """0 and about `most` decades each side, all outside the linear band, so no labels collide."""
    from matplotlib.ticker import FixedLocator, NullLocator

    low, high = int(np.ceil(np.log10(linthresh))), int(np.floor(np.log10(top)))
    stride = max(1, -(-(high - low + 1) // most))
    decades = [10.0 ** k for k in range(high, low - 1, -stride)]
    ax.yaxis.set_major_locator(FixedLocator(sorted([0.0, *decades, *(-d for d in decades)])))
    ax.yaxis.set_minor_locator(NullLocator())


def _element(shape: tuple[int, ...], i: int) -> str:
    if len(shape) <= 1:
        return f"[{i}]" if shape else ""
    return "[" + ",".join(str(k) for k in np.unravel_index(i, shape)) + "]"


def lr_figure(source: Any) -> Figure:
    """Final loss and attempts-to-converge against lr, coloured by status, theory's lrs marked."""
    run = as_run(source)
    fig = Figure(figsize=(9, 6.5))
    fig.subplots_adjust(left=0.09, right=0.97, top=0.94, bottom=0.08, hspace=0.08)
    top, bottom = fig.subplots(2, 1, sharex=True)
    statuses = run.status
    final = np.array([s["final_loss"] for s in run.summary], dtype=float)
    finite = final[np.isfinite(final)]
    positive = finite[finite > 0]
    floor = positive.min() / 10 if positive.size else 1e-12
    ceiling = finite.max() * 10 if finite.size and finite.max() > 0 else 1.0
    negative = finite.size and finite.min() < 0
    top.set_yscale("symlog", linthresh=floor) if negative else top.set_yscale("log")
    zero_floor = False
    for status, color in STATUS_COLORS.items():
        mask = np.array([s == status for s in statuses])
        if not mask.any():
            continue
        y = final[mask].copy()
        shape_ok = np.isfinite(y)
        y[~shape_ok] = ceiling
        if not negative and (y[shape_ok] <= 0).any():
            y[y <= 0] = floor
            zero_floor = True
        top.scatter(run.lr[mask][shape_ok], y[shape_ok], s=18, color=color, label=status, zorder=3)
        if (~shape_ok).any():
            top.scatter(run.lr[mask][~shape_ok], y[~shape_ok], s=30, marker="^", color=color,
                        label=f"{status} (loss inf/nan, drawn at top)", zorder=3)
        conv = np.array([s["converged_at"] or np.nan for s in np.array(run.summary, dtype=object)[mask]],
                        dtype=float)
        if status == "converged":
            bottom.scatter(run.lr[mask], conv, s=18, color=color, label="attempts to converge", zorder=3)
    theory = _shared_theory(run)
    for ax in (top, bottom):
        ax.set_xscale("log")
        ax.grid(True, which="major", alpha=0.3)
        if theory.get("critical_lr"):
            ax.axvline(theory["critical_lr"], color="#d62728", ls="--", lw=1.2,
                       label=f"theory: critical lr = {theory['critical_lr']:.4g}" if ax is top else None)
        if theory.get("best_lr"):
            ax.axvline(theory["best_lr"], color="#2a9d3f", ls=":", lw=1.2,
                       label=f"theory: best lr = {theory['best_lr']:.4g}" if ax is top else None)
    if zero_floor:  # exact zeros have no place on a log axis: they sit on a marked floor
        top.axhline(floor, color="gray", ls=":", lw=1)
        top.annotate("final loss exactly 0", (0.01, floor), xycoords=("axes fraction", "data"),
                     textcoords="offset points", xytext=(2, 3), fontsize=8, color="gray")
    top.set_ylabel("final loss")
    bottom.set_ylabel("attempts to converge")
    bottom.set_xlabel("learning rate (log scale)")
    if not any(s == "converged" for s in statuses):
        bottom.text(0.5, 0.5, "no run converged", transform=bottom.transAxes, ha="center", va="center",
                    color="gray")
    top.legend(fontsize=8, loc="best")
    top.set_title(_title(run, "learning rates compared"))
    return fig


def score_figure(source: Any) -> Figure:
    """Random games scored: per lr, attempts-to-converge of each game and the share of each status.

    One column per learning rate, in increasing order, so close learning rates stay readable.
    """
    from guessgame.score import STATUSES, scores

    run = as_run(source)
    table = sorted(scores(run.summary), key=lambda s: s["lr"])
    lrs = np.array([s["lr"] for s in table])
    slots = np.arange(len(table))
    fig = Figure(figsize=(max(8.5, min(16.0, 3 + 0.45 * len(table))), 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    rng = np.random.default_rng(0)  # jitter only: where a dot sits inside its column
    slot_of = {s["lr"]: x for x, s in zip(slots, table)}
    xs, took = [], []
    for r in run.summary:
        if r["status"] == "converged":
            xs.append(slot_of[float(r["lr"])])
            took.append(r["converged_at"])
    scored = [(x, s["attempts_to_converge"]) for x, s in zip(slots, table) if s["attempts_to_converge"]]
    if scored:  # one artist per kind, not per column: a sweep of a thousand lrs draws as fast as ten
        x = np.array([x for x, _ in scored], dtype=float)
        spread = {k: np.array([a[k] for _, a in scored], dtype=float) for k in ("min", "q1", "median", "q3", "max")}
        top.scatter(np.array(xs) + rng.uniform(-0.3, 0.3, len(xs)), took, s=10, color=STATUS_COLORS["converged"],
                    alpha=0.35, lw=0, label="one game")
        top.vlines(x, spread["min"], spread["max"], color="black", lw=0.8)
        top.vlines(x, spread["q1"], spread["q3"], color="black", lw=5, label="middle half of the games")
        top.plot(x, spread["median"], "o", color="white", mec="black", ms=6 if len(table) <= 60 else 3, ls="none",
                 label="median")
    if len(table) <= 12:  # with more columns the shares below say it
        for x, s in zip(slots, table):
            if not s["attempts_to_converge"]:
                top.text(x, 0.5, "none\nconverged", transform=top.get_xaxis_transform(), ha="center",
                         va="center", fontsize=7, color="gray")
    below = np.zeros(len(table))
    for status in STATUSES:
        share = np.array([100 * s["shares"][status] for s in table])
        if share.any() and len(table) <= 60:
            bottom.bar(slots, share, width=0.7, bottom=below, color=STATUS_COLORS[status], label=status)
        elif share.any():  # columns that touch, one artist per status
            bottom.stairs(below + share, np.arange(len(table) + 1) - 0.5, baseline=below, fill=True,
                          color=STATUS_COLORS[status], label=status)
        below += share
    theory = _shared_theory(run)
    critical = theory.get("critical_lr")
    if critical and len(lrs) > 1 and lrs[0] <= critical <= lrs[-1]:
        at = np.interp(np.log10(critical), np.log10(lrs), slots)  # between the columns it separates
        for ax in (top, bottom):
            ax.axvline(at, color="#d62728", ls="--", lw=1.2,
                       label=f"theory: critical lr = {critical:.4g}" if ax is top else None)
    every = max(1, len(table) // 20)
    bottom.set_xticks(slots[::every], [f"{lr:.3g}" for lr in lrs[::every]],
                      rotation=45 if len(table) > 8 else 0, ha="right" if len(table) > 8 else "center")
    bottom.set_xlim(-0.6, len(table) - 0.4)
    top.grid(True, axis="y", alpha=0.3)
    top.set_ylabel("attempts to converge\n(the score: fewer is better)")
    bottom.set_ylabel("share of games (%)")
    bottom.set_ylim(0, 100)
    bottom.set_xlabel("learning rate")
    if top.get_legend_handles_labels()[0]:
        top.legend(fontsize=8, loc="best")
    bottom.legend(fontsize=8, loc="lower left", ncols=4, framealpha=0.9)
    top.set_title(_title(run, f"{run.games} random games per learning rate"))
    return fig


FIGURES = {"loss": loss_figure, "trajectory": trajectory_figure, "lr": lr_figure}  # + path, below


def _loss_1d(loss: str, options: dict, reduction: str, x: np.ndarray, target: float, n: int = 1) -> tuple:
    """Loss and gradient of one element at guesses x (the others at their answers), in numpy."""
    d = x - target
    scale = 1.0 / n if reduction == "mean" else 1.0
    if loss == "l1" or (loss == "smooth_l1" and options.get("beta", 1.0) == 0):
        return np.abs(d) * scale, np.sign(d) * scale
    if loss == "mse":
        return d * d * scale, 2 * d * scale
    if loss == "huber":
        delta = options.get("delta", 1.0)
        z = np.abs(d)
        return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)) * scale, np.clip(d, -delta, delta) * scale
    if loss == "smooth_l1":
        beta = options.get("beta", 1.0)
        z = np.abs(d)
        return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta) * scale, np.clip(d / beta, -1, 1) * scale
    return d * scale, np.full_like(d, scale)  # bad


def landscape_figure(losses: list[str], target: float = 2.0, low: float = -8.0, high: float = 12.0,
                     options: dict | None = None) -> Figure:
    """The notebook's "visualizing the loss function": each loss and its gradient over a range of guesses."""
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    x = np.linspace(low, high, 801)
    points = np.arange(np.ceil(low), np.floor(high) + 1)
    cycle = colormaps["tab10"]
    for i, name in enumerate(losses):
        value, grad = _loss_1d(name, (options or {}).get(name, {}), "mean", x, target)
        pv, pg = _loss_1d(name, (options or {}).get(name, {}), "mean", points, target)
        label = name + ("  (its minimum is not at the answer)" if name == "bad" else "")
        left.plot(x, value, color=cycle(i), label=label)
        left.scatter(points, pv, color=cycle(i), s=12)
        right.plot(x, grad, color=cycle(i), label=name)
        right.scatter(points, pg, color=cycle(i), s=12)
    for ax, what in ((left, "loss"), (right, "gradient d loss / d guess")):
        ax.axvline(target, color="black", ls="--", lw=1, label=f"answer = {target:g}" if ax is left else None)
        ax.axhline(0, color="gray", lw=0.8)
        ax.set_xlabel("guess")
        ax.set_ylabel(what)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    left.set_title("loss at each guess")
    right.set_title("gradient at each guess (the step is -lr x this)")
    return fig


def path_figure(source: Any) -> Figure:
    """The guess's path over the loss landscape of its first element (the others held at their answers)."""
    run = as_run(source)
    c = run.config
    loss, options = _named(c, "loss")
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    picked = _pick_runs(run, 6)
    target = run.answer[picked[0], 0]
    xs = run.guess[:, picked, 0]
    finite = xs[np.isfinite(xs)]
    span = max(np.abs(finite - target).max() if finite.size else 1.0, 1.0)
    span = min(span, 1e6)
    x = np.linspace(target - 1.15 * span, target + 1.15 * span, 801)
    n = run.guess.shape[2]
    curve, _ = _loss_1d(loss, options, c.get("reduction", "mean"), x, target, n)
    ax.plot(x, curve, color="black", lw=1.2, label=f"{loss} loss along element 0")
    cycle = colormaps["tab10"]
    for k, r in enumerate(picked):
        path = run.guess[:, r, 0]
        ok = np.isfinite(path) & (np.abs(path - target) <= 1.15 * span)
        y, _ = _loss_1d(loss, options, c.get("reduction", "mean"), path[ok], target, n)
        ax.plot(path[ok], y, "-o", ms=3, lw=0.8, alpha=0.8, color=cycle(k % 10),
                label=f"{_lr_label(run.lr[r])}: {run.summary[r]['status']}")
    ax.axvline(target, color="black", ls="--", lw=1)
    ax.set_xlabel("guess (element 0)")
    ax.set_ylabel("loss")
    ax.set_title(_title(run, "path of the guess over the loss"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def animate(source: Any, path: str | Path, max_frames: int = 80, fps: int = 8) -> int:
    """An animated GIF of the guesses moving over the loss landscape; returns the frame count.

    The landscape is drawn once; each frame restores it and draws only the moving dots and the
    attempt number on top (blitting), so a GIF takes a second, not a redraw of every frame.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    run = as_run(source)
    fig = path_figure(run)
    ax = fig.axes[0]
    picked = _pick_runs(run, 6)
    frames = np.unique(np.linspace(0, len(run.attempt) - 1, min(max_frames, len(run.attempt))).round().astype(int))
    c = run.config
    loss, options = _named(c, "loss")
    for line in ax.lines[1:]:
        line.set_alpha(0.15)
    cycle = colormaps["tab10"]
    dots = [ax.plot([], [], "o", ms=9, color=cycle(k % 10), mec="black", animated=True)[0]
            for k in range(len(picked))]
    label = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", animated=True)
    target = run.answer[picked[0], 0]

    fig.set_size_inches(6.4, 4.2)
    fig.set_dpi(72)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the still background, laid out once
    fig.set_layout_engine("none")
    background = canvas.copy_from_bbox(fig.bbox)
    images = []
    for frame in frames:
        canvas.restore_region(background)
        for dot, r in zip(dots, picked):
            x = run.guess[frame, r, 0]
            y, _ = _loss_1d(loss, options, c.get("reduction", "mean"), np.array([x]), target,
                            run.guess.shape[2])
            dot.set_data([x], y)
            ax.draw_artist(dot)
        label.set_text(f"attempt {run.attempt[frame]}")
        ax.draw_artist(label)
        images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy()))
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return len(frames)


FIGURES["path"] = path_figure
FIGURES["score"] = score_figure
