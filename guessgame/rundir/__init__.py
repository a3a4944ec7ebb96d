"""The run folder's one owner: its layout, writing it, reading it back, TensorBoard events, and saving
a result with its figures (data first, and never lost to a figure that fails)."""

from guessgame.rundir.layout import ANIMATION, ATTEMPTS, CONFIG, PLOTS, SUMMARY, TENSORBOARD
from guessgame.rundir.read import read_run
from guessgame.rundir.write import create_run_dir, write_run

__all__ = ["ANIMATION", "ATTEMPTS", "CONFIG", "PLOTS", "SUMMARY", "TENSORBOARD", "create_run_dir", "read_run",
           "write_run"]
