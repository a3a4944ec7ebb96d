"""TensorBoard event files of a run: one TensorBoard run per learning rate (and game), with
`global_step` = attempt and the scalars `loss`, `norm/error` (|guess - answer|), `norm/grad` and
`norm/step`; with noisy hints also `true_loss` (to the hidden answer: `loss` is the one the optimizer saw)
and `norm/hint_error` (|hint - answer|).

Events are TensorBoard's own protocol buffers in its record format; each attempt is one event that
carries the four scalars. Needs the optional extra: `pip install "guessgame[tensorboard]"`.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import time
from pathlib import Path

from guessgame.errors import MissingExtra
from guessgame.rundir.layout import TENSORBOARD

TAGS = ("loss", "norm/error", "norm/grad", "norm/step")
NOISY_TAGS = ("true_loss", "norm/hint_error")
INSTALL = 'pip install "guessgame[tensorboard]"'


def require() -> None:
    """Fail with the way to install it when the tensorboard extra is missing; call before any work."""
    try:
        import google_crc32c  # noqa: F401
        from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: F401
    except ImportError as exc:
        missing = exc.name or "tensorboard"
        raise MissingExtra(f"needs the optional TensorBoard support ({missing} is not installed); "
                           f"install it with: {INSTALL}") from None


def run_names(lr: list[float], game: list[int], games: int, cells: list[str] | None = None) -> list[str]:
    """A TensorBoard run name per run: `lr=0.1`, or `lr=0.1/game=3` with random games; a grid's cell
    first, `cells` holding each run's cell label: `sgd_momentum=0.9/lr=0.1`."""
    names = [f"lr={value:.6g}" + (f"/game={g}" if games > 1 else "") for value, g in zip(lr, game)]
    if cells is not None:
        names = [f"{_folder(cell)}/{name}" for cell, name in zip(cells, names)]
    if len(set(names)) < len(names):  # the same lr twice, or lrs equal to 6 digits
        names = [f"run={r}-{name}" for r, name in enumerate(names)]
    return names


def write_events(run_dir: Path, result) -> Path:
    """Write `<run_dir>/tensorboard/<run name>/events.out.tfevents...`; returns the tensorboard folder."""
    import torch

    require()
    folder = Path(run_dir) / TENSORBOARD
    rows, runs = result.loss.shape
    answer = result.answer.reshape(1, runs, -1).double()

    def norm(values: torch.Tensor) -> list[list[float]]:  # (rows, runs, ...) -> [run][row]
        return torch.linalg.vector_norm(values.reshape(rows, runs, -1).double(), dim=2).T.tolist()

    columns = [result.loss.double().T.tolist(), norm(result.guess.reshape(rows, runs, -1) - answer),
               norm(result.grad), norm(result.step)]
    tags = TAGS
    if result.true_loss is not None:
        columns += [result.true_loss.double().T.tolist(), norm(result.hint.reshape(rows, runs, -1) - answer)]
        tags += NOISY_TAGS
    steps = result.attempt.tolist()
    labels = result.config.cell_labels()
    cells = [labels[k] for k in result.cell.tolist()] if result.config.grid else None
    names = run_names(result.lr.tolist(), result.game.tolist(), result.config.games, cells)
    now = time.time()
    for r, name in enumerate(names):
        values = zip(*(column[r] for column in columns))
        _write_file(folder / name, now, steps, values, tags)
    return folder


def _folder(label: str) -> str:
    """A cell's label as a folder name: `adam · cosine T_max=50` -> `adam,cosine_T_max=50`."""
    return re.sub(r"[^\w.=,+-]+", "_", label.replace(" · ", ","))


def _write_file(logdir: Path, wall_time: float, steps: list[int], values, tags: tuple[str, ...]) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    logdir.mkdir(parents=True, exist_ok=True)
    name = f"events.out.tfevents.{int(wall_time):010d}.{socket.gethostname()}.{os.getpid()}.0"
    records = [event_pb2.Event(wall_time=wall_time, file_version="brain.Event:2").SerializeToString()]
    Value = summary_pb2.Summary.Value
    for step, row in zip(steps, values):
        summary = summary_pb2.Summary(value=[Value(tag=tag, simple_value=v) for tag, v in zip(tags, row)])
        records.append(event_pb2.Event(wall_time=wall_time, step=step, summary=summary).SerializeToString())
    with open(logdir / name, "wb") as handle:
        handle.write(b"".join(_framed(record) for record in records))


def _framed(data: bytes) -> bytes:
    """One TFRecord: length, masked CRC-32C of the length, data, masked CRC-32C of the data."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", _masked_crc(length)) + data + struct.pack("<I", _masked_crc(data))


def _masked_crc(data: bytes) -> int:
    import google_crc32c

    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
