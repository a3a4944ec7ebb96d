"""Texts fitted to the room a figure gives them: their words wrapped into lines no wider than that room,
measured in their own font (matplotlib's unhinted measure, a little over what is drawn); a note put
where it meets no other text, measured as it is drawn.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

GAP = 6  # points between a note and the axis label beside it
NBSP = "\u00a0"


def wide(line: str, text: Text) -> float:
    """Inches that one line takes in the font of `text`."""
    font = text.get_fontproperties()
    return _wide(line, (tuple(font.get_family()), font.get_style(), font.get_variant(), font.get_weight(),
                        font.get_stretch(), font.get_size_in_points(), font.get_file()))


@functools.lru_cache(maxsize=4096)
def _wide(line: str, font: tuple) -> float:
    """A line's width in a font (`wide`'s key: what picks the font file and its size), measured once: the
    same words are measured again and again while they are wrapped, in figure after figure."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    family, style, variant, weight, stretch, size, file = font
    properties = FontProperties(family=list(family), style=style, variant=variant, weight=weight, stretch=stretch,
                                size=size, fname=file)
    return TextToPath().get_text_width_height_descent(line, properties, ismath=False)[0] / 72


def widest(text: Text) -> float:
    """Inches that the widest line of `text` takes."""
    return max(wide(line, text) for line in text.get_text().split("\n"))


def fitted(text: Text, inches: float) -> str:
    """Wrap the words of `text` anew into lines at most `inches` wide; returns its new text. Its lines keep
    their breaks; a no-break space (NBSP) holds words together while they fit on one line; a word wider
    than that stays whole, on a line of its own.

        title = ax.set_title("lr 10 (mse · sgd · cosine T_max=60): diverged", fontsize=15)
        fitted(title, 2.5)   # 'lr 10 (mse · sgd ·' / 'cosine T_max=60):' / 'diverged'
    """
    lines: list[str] = []
    for line in text.get_text().split("\n"):
        words = [part for word in line.split(" ") for part in ([word] if wide(word, text) <= inches
                                                               else word.split(NBSP))]
        lines.append(words[0])
        for word in words[1:]:
            if wide(f"{lines[-1]} {word}", text) <= inches:
                lines[-1] += " " + word
            else:
                lines.append(word)
    text.set_text("\n".join(lines).replace(NBSP, " "))
    return text.get_text()


def under_axis(ax, note: Text, renderer) -> Bbox:
    """Where the note on a cut x axis goes (an Annotation's `xycoords`, its top right corner at (1, 1)):
    under the tick labels, right of the axis label -- or under that label, where the two would meet.
    Inside the axes, it would cover the ends of the lines."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    label, right = ax.xaxis.label.get_window_extent(renderer), ax.bbox.x1
    beside = right - Text.get_window_extent(note, renderer).width >= label.x1 + renderer.points_to_pixels(GAP)
    top = label.y1 if beside else label.y0 - renderer.points_to_pixels(2)
    return Bbox.from_extents(right - 1, top - 1, right, top)


def room_under(notes: list, panel: float) -> float:
    """Inches under panels `panel` inches wide for their notes (None: no note) that may go under the axis
    label (see `under_axis`), measured before they are drawn: with a tenth to spare, as text drawn at a
    low dpi takes a little more room."""
    tall = [(1.25 * note.get_fontsize() * (note.get_text().count("\n") + 1) + 2) / 72 for note in notes
            if note and panel / 2 - widest(note.axes.xaxis.label) / 2 - GAP / 72 < 1.1 * widest(note)]
    return max(tall, default=0.0)
