"""Value labels beside their points, placed once the layout is fixed so that none covers another, a
point, or an edge of the axes."""

from __future__ import annotations

import numpy as np

FONT = 8.0  # points
_GAP = 6.0  # points between a point and its label
# where a label may go, in order of preference: (dx, dy) in points, and its alignment there
_SPOTS = [((1, 0), "left", "center"), ((0, -1), "center", "top"), ((0, 1), "center", "bottom"),
          ((-1, 0), "right", "center"), ((1, -1), "left", "top"), ((1, 1), "left", "bottom"),
          ((-1, -1), "right", "top"), ((-1, 1), "right", "bottom")]


def place_labels(fig, ax, wanted: list[tuple[float, float, str]], marker: float = 5.0) -> None:
    """Annotate each (x, y, text) in data coordinates at the first spot, around its point, whose box
    stays inside the axes and clear of the labels placed so far and of every point (`marker`: a
    point's radius in points); where none is clear, the spot that overlaps least."""
    if not wanted:
        return
    scale = fig.dpi / 72  # points to pixels, at the figure's dpi (saving at another dpi scales it all)
    points = ax.transData.transform(np.array([(x, y) for x, y, _ in wanted], dtype=float))
    frame = ax.get_window_extent()
    inside = (frame.x0 + scale, frame.y0 + scale, frame.x1 - scale, frame.y1 - scale)
    dots = [(px - marker * scale, py - marker * scale, px + marker * scale, py + marker * scale) for px, py in points]
    placed: list[tuple[float, float, float, float]] = []
    for (x, y, text), (px, py) in zip(wanted, points):
        w, h = (len(text) * 0.62 * FONT + 2) * scale, 1.3 * FONT * scale
        best, least = None, np.inf
        for (dx, dy), ha, va in _SPOTS:
            ox, oy = (dx * (_GAP + marker) * scale, dy * (_GAP + marker - (3 if dx else 0)) * scale)
            left = px + ox - {"left": 0, "center": w / 2, "right": w}[ha]
            low = py + oy - {"bottom": 0, "center": h / 2, "top": h}[va]
            box = (left, low, left + w, low + h)
            cost = sum(_overlap(box, other) for other in placed + dots) + _outside(box, inside)
            if cost < least:
                best, least = (ox / scale, oy / scale, ha, va, box), cost
            if cost == 0:
                break
        ox, oy, ha, va, box = best
        placed.append(box)
        leader = {"arrowstyle": "-", "color": "gray", "lw": 0.6, "shrinkA": 0, "shrinkB": marker} if ox and oy else None
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(ox, oy), ha=ha, va=va, fontsize=FONT,
                    annotation_clip=False, zorder=7, arrowprops=leader)  # a slanting spot: a line to its point


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _outside(box, frame) -> float:
    """How much of the box is outside the frame (weighted: an edge through a label is worst)."""
    w, h = box[2] - box[0], box[3] - box[1]
    return 10 * (w * h - _overlap(box, frame))
