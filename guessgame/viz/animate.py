"""An animated GIF of the guesses moving over the loss: for an answer of 2+ elements over its contours on a
plane through the answer (see `contour`), for one element over its curve, in error space."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from matplotlib.colors import to_rgb

from guessgame.status import Status
from guessgame.viz import contour, gif_legend
from guessgame.viz.frame import WIDTH_PATH, clipped_paths
from guessgame.viz.labels import run_name
from guessgame.viz.style import STATUS_COLORS, TITLE_PAD, figure, margins, run_colors, run_data

GIF_DPI = 96  # WIDTH_PATH inches -> 912 px wide


def animate(source: Any, path: str | Path, max_frames: int = 80, fps: int = 8, dpi: float = GIF_DPI) -> int:
    """Write an animated GIF of the guesses over the loss landscape; returns the frame count.

    The landscape and the faint paths are drawn once; each frame restores them and draws only the
    dots and the attempt (blitting). A dot past the frame sits on its edge as a triangle, and the
    runs that left are listed with the attempt they left.
    """
    run = run_data(source)
    fig = figure(WIDTH_PATH, 5.6)
    fig.set_dpi(dpi)
    ax = fig.add_subplot()
    f, y, keys, heading = contour.stage(ax, run)
    colors = np.array(run_colors(run))
    verts, exits = clipped_paths(f, y)
    from matplotlib.collections import LineCollection

    order = _on_top_last(run)
    ax.add_collection(LineCollection(list(verts.transpose(1, 0, 2)[order]), colors=colors[order], alpha=0.25, lw=0.8,
                                     zorder=3),
                      autolim=False)
    ax.set_title(heading, fontsize=11, pad=TITLE_PAD)
    legend = gif_legend.legend(ax, run, keys, colors)
    margins(fig, left=1.2, bottom=0.75, top=0.5 + 0.2 * heading.count("\n"), legend=legend.longest)
    inside_dots = ax.scatter([], [], s=60, edgecolors="black", linewidths=0.6, zorder=6, animated=True)
    edge_dots = ax.scatter([], [], s=90, marker="^", edgecolors="black", linewidths=0.6, zorder=6,
                           animated=True, clip_on=False)
    label = ax.text(0.01, 0.98, "", transform=ax.transAxes, va="top", fontsize=10, animated=True, zorder=8,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.85})
    left = {}
    for r, k, _, _ in exits:
        left.setdefault(r, k)
    scene = _Scene(fig, run, f, y, colors, (inside_dots, edge_dots, label), order, _crossed(run, exits), legend)
    images = _blitted(scene, left, max_frames)
    _save(images, path, fps, colors)
    return len(images)


class _Scene(NamedTuple):
    fig: Any
    run: Any
    f: Any  # the frame the dots are placed in: f.space.x, each guess's x
    y: np.ndarray  # (rows, runs): each guess's y (its loss, or its place on the plane)
    colors: np.ndarray
    artists: tuple  # the dots inside the frame, the dots on its edge, the attempt label
    order: np.ndarray  # the runs in drawing order (`_on_top_last`)
    crossed: np.ndarray  # (rows, runs, 2): where each run last crossed the frame's edge by that row; NaN if not yet
    legend: gif_legend.Legend  # its entries for the runs change as their statuses are decided


def _crossed(run, exits) -> np.ndarray:
    """Per row and run, the point on the edge where the run's path last left the frame (by that row):
    a dot past the frame waits there, so runs that left at different places stay apart."""
    at = np.full((len(run.attempt), run.runs, 2), np.nan)
    for r, k, x, y in sorted(exits, key=lambda e: e[1]):
        at[k:, r] = (x, y)
    return at


def _blitted(scene: _Scene, left: dict, max_frames: int) -> list:
    """The frames: the still background drawn once, then only the dots, the label and the legend drawn on it
    -- the legend (beside the axes, where no dot goes) drawn once for each set of words it shows, and its
    pixels put back for the frames that show them again."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig, run, (inside_dots, edge_dots, label) = scene.fig, scene.run, scene.artists
    ax = label.axes
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the still background, laid out once
    background = canvas.copy_from_bbox(fig.bbox)
    legends: dict[tuple[str, ...], Any] = {}
    images = []
    for row in _frames(len(run.attempt), max_frames):
        canvas.restore_region(background)
        _place_dots(scene, row)
        gone = [r for r, k in left.items() if k <= row]
        label.set_text(f"attempt {run.attempt[row]}" + _one_dot(scene, row) + _gone_text(run, gone, left))
        for artist in (inside_dots, edge_dots, label):
            ax.draw_artist(artist)
        gif_legend.draw(canvas, scene.legend, tuple(gif_legend.words_at(run, row)), legends)
        images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy()))
    return images


def _frames(rows: int, most: int) -> np.ndarray:
    """Every row when they fit; else half the frames spread evenly, half packed at the start, where
    runs move most (a diverging run leaves within a few attempts)."""
    if rows <= most:
        return np.arange(rows)
    even = np.linspace(0, rows - 1, most // 2).round()
    early = np.geomspace(1, rows, most - most // 2).round() - 1
    chosen = np.unique(np.concatenate([even, early]).astype(int))
    rest = np.setdiff1d(np.arange(rows), chosen)  # rounding merged a few: fill up evenly
    extra = rest[np.linspace(0, rest.size - 1, most - chosen.size).round().astype(int)] if chosen.size < most else []
    return np.union1d(chosen, extra).astype(int)


def _on_top_last(run) -> np.ndarray:
    """Runs in drawing order: those that leave first, the converged (often the many) last, on top."""
    return np.argsort([Status(s).layer for s in run.status], kind="stable")


def _place_dots(scene: _Scene, row: int) -> None:
    f, order, (inside_dots, edge_dots, _) = scene.f, scene.order, scene.artists
    x, y, colors = f.space.x[row][order], scene.y[row][order], scene.colors[order]
    live = f.live[row][order]
    inside = live & f.vx.contains(x) & f.vy.contains(y)
    out = live & ~inside
    inside_dots.set_offsets(np.column_stack([f.vx.place(x[inside]), f.vy.place(y[inside])]))
    inside_dots.set_facecolors(colors[inside])
    (x0, x1), (y0, y1) = f.vx.limits, f.vy.limits
    with np.errstate(invalid="ignore"):  # past the frame: where it crossed the edge, else clipped to it
        ys = np.where(np.isnan(y[out]), y1, np.clip(f.vy.place(y[out]), y0, y1))
        xs = np.where(np.isnan(x[out]), (x0 + x1) / 2, np.clip(f.vx.place(x[out]), x0, x1))
    crossed = scene.crossed[row][order][out]
    known = np.isfinite(crossed[:, 0])
    xs, ys = np.where(known, crossed[:, 0], xs), np.where(known, crossed[:, 1], ys)
    edge_dots.set_offsets(np.column_stack([xs, ys]) if out.any() else np.empty((0, 2)))
    edge_dots.set_facecolors(colors[out])
    edge_dots.set_paths(_pointing((xs - (x0 + x1) / 2) / (x1 - x0), (ys - (y0 + y1) / 2) / (y1 - y0)))


def _pointing(dx: np.ndarray, dy: np.ndarray) -> list:
    """A triangle per dot on the edge, pointing out through the side it is on."""
    from matplotlib.markers import MarkerStyle

    shapes = {m: MarkerStyle(m).get_path().transformed(MarkerStyle(m).get_transform()) for m in "^v<>"}
    if not len(dx):
        return [shapes["^"]]
    way = np.where(np.abs(dy) >= np.abs(dx), np.where(dy > 0, "^", "v"), np.where(dx > 0, ">", "<"))
    return [shapes[m] for m in way]


def _gone_text(run, gone: list[int], left: dict) -> str:
    if not gone:
        return ""
    if len(gone) <= 4:
        return "".join(f"\n{run_name(run, r)} left the frame at attempt {run.attempt[left[r]]}" for r in gone)
    return f"\n{len(gone)} runs left the frame (▲ on its edge)"


def _one_dot(scene: _Scene, row: int) -> str:
    """On the first frame, when every run is drawn at one place: that they share their start."""
    if row or scene.run.runs < 2:
        return ""
    inside, edge = (np.asarray(a.get_offsets()) for a in scene.artists[:2])
    with np.errstate(over="ignore", invalid="ignore"):  # a dot far past the view rounds to inf, as it is
        where = np.unique(np.vstack([inside.reshape(-1, 2), edge.reshape(-1, 2)]).round(9), axis=0)
    if len(where) != 1 or not scene.f.live[0].all():
        return ""
    values = np.unique(scene.run.guess[0, 0])
    start = f"{values[0]:g}" if values.size == 1 else "the same guess"
    who = "both runs" if scene.run.runs == 2 else f"all {scene.run.runs} runs"
    return f"\n{who} start at {start}: one dot"


def _save(images: list, path: str | Path, fps: int, colors: np.ndarray) -> None:
    """One palette for every frame, so the GIF stays small: taken from the first frame and a block of
    each run's colour, so a colour that covers few pixels keeps its hue, and every status's colour as it is."""
    from PIL import Image

    if not images:
        images = [Image.new("RGB", (8, 8), "white")]
    rgb = [tuple(int(round(255 * c)) for c in to_rgb(color)) for color in [*colors[:, :3], *STATUS_COLORS.values()]]
    swatches, exact = rgb[:len(colors)], rgb[len(colors):]
    source = Image.new("RGB", (images[0].width, images[0].height + 16 * (1 + len(swatches) // 64)), "white")
    source.paste(images[0], (0, 0))
    for k, color in enumerate(swatches):
        source.paste(color, (16 * (k % 64), images[0].height + 16 * (k // 64), 16 * (k % 64) + 16,
                             images[0].height + 16 * (k // 64) + 16))
    palette = source.quantize(colors=192, method=Image.Quantize.MEDIANCUT)
    palette.putpalette(palette.getpalette()[:3 * 192] + [c for color in exact for c in color])
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0,
                   optimize=False)
