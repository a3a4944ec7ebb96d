"""`guessgame examples`: the example configs that ship with guessgame -- listed, shown, copied to edit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from guessgame.cli.common import app, fail, guarded, out_console, shown_path
from guessgame.config import examples as shipped
from guessgame.config.schema import suggest


@app.command()
@guarded
def examples(
    name: Annotated[Optional[str], typer.Argument(
        help="An example to show (its YAML) or, with --copy, to copy; default: list them all.",
        show_default=False)] = None,
    copy: Annotated[Optional[Path], typer.Option(
        "--copy", metavar="DIR", show_default=False,
        help="Copy the example (or, without NAME, every example) into this folder, to edit.")] = None,
) -> None:
    """List the example configs that ship with guessgame; show one, or copy them to a folder to edit.

    Any command that takes a config takes an example's name too: guessgame run l1.

    Example: [bold]guessgame examples l1 --copy my-games/[/]
    """
    chosen = shipped.names() if name is None else [_known(name)]
    if copy is not None:
        _copy(chosen, copy)
    elif name is None:
        width = max(map(len, chosen))
        for each in chosen:
            out_console.print(f"{each:<{width}}  {shipped.about(each)}", markup=False, soft_wrap=True)
        out_console.print("\nrun one: guessgame run NAME; read it: guessgame examples NAME; "
                          "edit a copy: guessgame examples NAME --copy DIR", markup=False, soft_wrap=True)
    else:
        out_console.print(shipped.example(chosen[0]).read_text(encoding="utf-8"), end="", markup=False,
                          soft_wrap=True, highlight=False)


def _known(name: str) -> str:
    """The example's name, or exit 2 listing the names there are."""
    if shipped.example(name) is None:
        fail(f"NAME: got {name!r}{suggest(name, shipped.names())}; the examples: {', '.join(shipped.names())}")
    return name.removesuffix(shipped.SUFFIX)


def _copy(chosen: list[str], folder: Path) -> None:
    """Each example into `folder` (made if needed), never over a file that is there: then nothing is copied."""
    targets = [folder / f"{each}{shipped.SUFFIX}" for each in chosen]
    there = [str(target) for target in targets if target.exists() or target.is_symlink()]
    if there:
        fail(f"--copy: {', '.join(there)} already there; guessgame copies over no file, so choose another "
             "folder or move the file away")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for each, target in zip(chosen, targets):
            with target.open("xb") as handle:
                handle.write(shipped.example(each).read_bytes())
    except OSError as exc:
        fail(f"--copy: cannot write into {str(folder)!r} ({exc.strerror or exc})")
    for target in targets:
        out_console.print(f"wrote {shown_path(target.absolute())}", soft_wrap=True)
    out_console.print(f"edit, then play: guessgame run {shown_path(targets[0].absolute())}", soft_wrap=True)
