"""The words a figure shows and where they go: titles and run names, value labels beside their points
(placed once the layout is fixed so that none covers another, a point, or an edge of the axes), and a
legend under the panels.

Importing this loads neither numpy nor matplotlib: `style` reads it, and the command line reads `style`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guessgame.records import Theory

if TYPE_CHECKING:
    from guessgame.rundata import RunData

FONT = 8.0  # points, in the default look
_GAP = 6.0  # points between a point and its label
# where a label may go, in order of preference: (dx, dy) in points, and its alignment there
_SPOTS = [((1, 0), "left", "center"), ((0, -1), "center", "top"), ((0, 1), "center", "bottom"),
          ((-1, 0), "right", "center"), ((1, -1), "left", "top"), ((1, 1), "left", "bottom"),
          ((-1, -1), "right", "top"), ((-1, 1), "right", "bottom")]


def plural(key: str) -> str:
    """`optimizers`, `losses`: what a grid of `key`s compares."""
    return key + ("es" if key.endswith("s") else "s")


def compared(run: RunData) -> str:
    """What a grid compares, from its axes: `5 optimizers`, `2 losses × 3 schedules` (no grid: `one cell`)."""
    return " × ".join(f"{len(items)} {plural(key)}" for key, items in run.config.grid) or "one cell"


def title(run: RunData, what: str) -> str:
    """`name: what` over the game in brackets; a grid's axes said by how many of each it compares."""
    c = run.config
    axes = dict(c.grid)
    part = {key: f"{len(items)} {plural(key)}" for key, items in axes.items()}
    schedule = part.get("schedule", f"{c.schedule} schedule" if c.scheduled else None)
    fixed = [part.get("loss", c.loss), c.reduction, part.get("optimizer", c.optimizer), schedule,
             part.get("dtype", c.dtype)]
    rest = [text for key, text in part.items() if key not in ("loss", "optimizer", "schedule", "dtype")]
    return f"{run.name}: {what}\n({', '.join(p for p in fixed + rest if p)})"


def shared_theory(run: RunData) -> Theory:
    """The theory of the first run that has one; the lrs it names (critical, best) are shared."""
    return next((r.theory for r in run.summary if r.theory is not None), None) or Theory()


def lr_text(lr: float) -> str:
    return f"lr {lr:.4g}"


def run_name(run: RunData, r: int) -> str:
    """`lr 0.5`, or `lr 0.5, game 3` with random games; a grid's cell after it: `lr 0.5 (adam)`."""
    cell = f" ({run.config.cell_labels()[run.cells[r]]})" if run.config.grid else ""
    return lr_text(run.lr[r]) + (f", game {run.game[r]}" if run.games > 1 else "") + cell


def side(run: RunData, r: int) -> str:
    """Which side of theory's critical lr a run is on, or '' without one."""
    critical = (run.summary[r].theory or Theory()).critical_lr
    if not critical:
        return ""
    return " (< critical)" if run.lr[r] < critical else (" (= critical)" if run.lr[r] == critical
                                                          else " (> critical)")


def text_width(lines: list[str], size: float) -> float:
    """A generous estimate of the width in inches of the longest of these lines, at `size` points."""
    longest = max((len(part) for line in lines for part in str(line).split("\n")), default=0)
    return longest * size * 0.55 / 72


def legend_below(fig, handles: list, labels: list[str], heading: str | None, size: float) -> None:
    """The figure's legend under its panels, in as many columns as its width holds; each call adds to it."""
    held = fig.__dict__.setdefault("legend_below", {"handles": [], "labels": [], "titles": [], "size": size})
    held["handles"] += handles
    held["labels"] += labels
    held["titles"] += [heading] if heading else []
    for old in list(fig.legends):
        old.remove()
    fig.legend(held["handles"], held["labels"], loc="lower center", bbox_to_anchor=(0.5, 0.0), frameon=False,
               ncol=_columns(fig, held), fontsize=size, title="; ".join(held["titles"]) or None,
               title_fontsize=size, borderaxespad=0.4)


def _columns(fig, held: dict) -> int:
    """How many columns of the widest entry (its handle and gaps too) the figure's width holds."""
    column = text_width(held["labels"], held["size"]) + 4.8 * held["size"] / 72
    return int(max(1, min(len(held["labels"]), (fig.get_figwidth() - 0.3) // column)))


def below_height(fig) -> float:
    """Inches under the panels that the figure's legend below takes (0 without one)."""
    held = fig.__dict__.get("legend_below")
    if not held:
        return 0.0
    line = held["size"] / 72
    count, ncol = len(held["labels"]), _columns(fig, held)
    ends = [sum(count // ncol + (k < count % ncol) for k in range(i)) for i in range(ncol + 1)]
    columns = [held["labels"][a:b] for a, b in zip(ends, ends[1:])]  # as matplotlib splits them
    tallest = max(sum(1.1 * (label.count("\n") + 1) + 0.45 for label in column) for column in columns)
    return (tallest + 1.5 * bool(held["titles"]) + 0.8) * line  # and a gap above it


def grow_below(fig, inches: float) -> None:
    """`inches` more room under the panels, once the layout is set: the figure grows taller, the panels
    keep their size and the room above them."""
    height, params = fig.get_figheight(), fig.subplotpars
    bottom, top = params.bottom * height + inches, (1 - params.top) * height
    fig.set_figheight(height + inches)
    fig.subplots_adjust(bottom=bottom / (height + inches), top=1 - top / (height + inches))


def name_groups(fig, ax, groups: list[tuple[float, float, str]]) -> None:
    """Under the tick labels of `ax`, each group of columns (from x0 to x1, in data) named at its middle,
    its words wrapped to its width; the axis label moves below them and the figure grows to hold them."""
    import textwrap

    ticks = ax.xaxis.get_major_ticks()
    size = ticks[0].label1.get_fontsize()
    low, high = ax.get_xlim()
    per = ax.get_position().width * fig.get_figwidth() / (high - low)  # inches per unit of x
    drop = max(t.get_pad() for t in ticks) + ticks[0].tick1line.get_markersize() + 1.3 * size + 3  # points
    lines = 1
    for x0, x1, name in groups:
        chars = max(4, int((x1 - x0) * per * 0.95 / (size * 0.6 / 72)))
        text = "\n".join(textwrap.wrap(name, chars, break_long_words=False))
        ax.annotate(text, ((x0 + x1) / 2, 0), xycoords=("data", "axes fraction"), xytext=(0, -drop),
                    textcoords="offset points", ha="center", va="top", fontsize=size, annotation_clip=False)
        lines = max(lines, text.count("\n") + 1)
    room = lines * 1.25 * size + 4  # points
    ax.xaxis.labelpad += room
    grow_below(fig, room / 72)


def fit_ylabel(fig, ax) -> None:
    """The y label of `ax` wrapped anew where a line of it is longer than the laid-out axes is tall."""
    import re
    import textwrap

    label = ax.yaxis.label
    chars = int(ax.get_position().height * fig.get_figheight() / (label.get_fontsize() * 0.6 / 72))
    if max(len(line) for line in label.get_text().split("\n")) > chars:
        words = re.sub(r"[ \n]+", " ", label.get_text())  # a no-break space holds a mark to its word
        label.set_text("\n".join(textwrap.wrap(words, max(chars, 8), break_long_words=False)))


def place_labels(fig, ax, wanted: list[tuple[float, float, str]], marker: float = 5.0, size: float = FONT) -> None:
    """Annotate each (x, y, text) in data coordinates at the first spot, around its point, whose box
    stays inside the axes and clear of the labels placed so far and of every point (`marker`: a
    point's radius in points), in `size` points; where none is clear, the spot that overlaps least -- and
    none at all where every spot would print over another label."""
    import numpy as np

    if not wanted:
        return
    scale = fig.dpi / 72  # points to pixels, at the figure's dpi (saving at another dpi scales it all)
    points = ax.transData.transform(np.array([(x, y) for x, y, _ in wanted], dtype=float))
    frame = ax.get_window_extent()
    inside = (frame.x0 + scale, frame.y0 + scale, frame.x1 - scale, frame.y1 - scale)
    dots = [(px - marker * scale, py - marker * scale, px + marker * scale, py + marker * scale) for px, py in points]
    placed: list[tuple[float, float, float, float]] = []
    for (x, y, text), (px, py) in zip(wanted, points):
        w, h = (len(text) * 0.65 * size + 2) * scale, 1.35 * size * scale
        best, least = None, np.inf
        for (dx, dy), ha, va in _SPOTS:
            ox, oy = (dx * (_GAP + marker) * scale, dy * (_GAP + marker - (3 if dx else 0)) * scale)
            left = px + ox - {"left": 0, "center": w / 2, "right": w}[ha]
            low = py + oy - {"bottom": 0, "center": h / 2, "top": h}[va]
            box = (left, low, left + w, low + h)
            if dx and dy:  # a slanting spot: its line to the point takes the room between them too
                box = (min(box[0], px), min(box[1], py), max(box[2], px), max(box[3], py))
            cost = 100 * sum(_overlap(box, other) for other in placed) + sum(_overlap(box, dot) for dot in dots) \
                + _outside(box, inside)  # text over text is the worst
            if cost < least:
                best, least = (ox / scale, oy / scale, ha, va, box), cost
            if cost == 0:
                break
        ox, oy, ha, va, box = best
        if any(_overlap(box, other) for other in placed):
            continue
        placed.append(box)
        leader = {"arrowstyle": "-", "color": "gray", "lw": 0.6, "shrinkA": 0, "shrinkB": marker} if ox and oy else None
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(ox, oy), ha=ha, va=va, fontsize=size,
                    annotation_clip=False, zorder=7, arrowprops=leader)  # a slanting spot: a line to its point


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _outside(box, frame) -> float:
    """How much of the box is outside the frame (weighted: an edge through a label is worst)."""
    w, h = box[2] - box[0], box[3] - box[1]
    return 10 * (w * h - _overlap(box, frame))
