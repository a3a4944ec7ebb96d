"""The GIF's legend: what the dots move over, a dot per run (or per status), and words that change as each run's
status is decided -- drawn once for each set of words it shows, its pixels put back for the frames that show
them again."""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from guessgame.status import Status
from guessgame.status.rules import settle
from guessgame.viz.labels import run_name
from guessgame.viz.style import FEW, STATUS_COLORS, legend_outside


class Legend(NamedTuple):
    """The legend beside the GIF's axes, where no dot goes."""

    artist: Any  # the legend, drawn with each frame
    texts: list  # its entries for the runs, in the order `words_at` gives their words
    longest: list[str]  # every entry at its longest, for the margin that holds it


def legend(ax, run, keys: tuple[list, list[str]], colors) -> Legend:
    """What the dots move over (`keys`), a dot per run (or per status) whose words change as the run's status
    is decided, and the edge's triangle."""
    from matplotlib.lines import Line2D

    dot = {"marker": "o", "ls": "none", "mec": "black", "ms": 8}
    swatches = [colors[r] for r in range(run.runs)] if run.runs <= FEW else [*STATUS_COLORS.values(), "lightgray"]
    handles = [*keys[0], *(Line2D([], [], color=color, **dot) for color in swatches),
               Line2D([], [], marker="^", ls="none", color="gray", mec="black", ms=8)]
    first, last = words_at(run, 0), words_at(run, len(run.attempt) - 1)
    labels = [*keys[1], *first, "past the frame: on its edge"]
    legend_outside(ax, handles, labels)
    artist = ax.get_legend() or ax.figure.legends[-1]
    artist.set_animated(True)
    texts = artist.get_texts()[len(keys[1]):len(keys[1]) + len(first)]
    return Legend(artist, texts, [*labels, *last])


def words_at(run, row: int) -> list[str]:
    """The legend's words for the runs at this row: each run's lr, and its status from the attempt it
    is decided on (many runs: how many of each status so far)."""
    attempt, end = run.attempt[row], row == len(run.attempt) - 1
    known = [end or attempt >= _decided(info) for info in run.summary]
    if run.runs <= FEW:
        return [run_name(run, r) + (_verdict(info, attempt) if known[r] else "") for r, info in enumerate(run.summary)]
    counts = Counter(info.status for info, yes in zip(run.summary, known) if yes)
    return [f"{status}: {counts[status]}" + " so far" * (not end) for status in STATUS_COLORS] + [
        f"undecided: {known.count(False)}"]


def _decided(info) -> int:
    """The attempt a run's status is known at: its verdict's (`converged_at` once the loss stayed within
    tolerance for the settle window from it), else the end of its attempts."""
    at = _verdict_at(info)
    if at and info.status == Status.CONVERGED:
        at += settle(at) - 1
    return min(at or info.attempts_run, info.attempts_run)


def _verdict_at(info) -> int | None:
    """The attempt a run's verdict names (`converged_at`, `diverged_at`, ...); None for a status without one."""
    return getattr(info, f"{info.status.value}_at", None)


def _verdict(info, attempt: int) -> str:
    at = _verdict_at(info)
    left = f", left at {info.left_at}" if info.left_at and attempt >= info.left_at else ""
    return f": {info.status} at attempt {at}{left}" if at else f": {info.status}"


def draw(canvas, legend: Legend, words: tuple[str, ...], drawn: dict) -> None:
    """The legend with these words: drawn the first time, its pixels (and the pixel or two its frame's line
    reaches past its box) kept in `drawn` and put back from then on."""
    if words in drawn:
        canvas.restore_region(drawn[words])
        return
    for text, entry in zip(legend.texts, words):
        text.set_text(entry)
    canvas.figure.draw_artist(legend.artist)
    drawn[words] = canvas.copy_from_bbox(legend.artist.get_window_extent(canvas.get_renderer()).padded(2))
