"""What the run-folder tests check of a folder: it is there, its data files are whole, no half files."""

import csv
import json

import yaml

DATA = ["attempts.csv", "config.yaml", "summary.json"]


def run_dir_of(out):
    (run_dir,) = list(out.iterdir())
    return run_dir


def assert_data_complete(run_dir, runs, attempts):
    """The data files are on disk in full: every run's every attempt, a summary of every run."""
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    assert len(rows) == runs * attempts
    assert [int(r["run"]) for r in rows] == [r for r in range(runs) for _ in range(attempts)]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert len(summary["runs"]) == runs and summary["interrupted"] is False
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["attempts"] == attempts


def assert_no_half_files(run_dir):
    hidden = [p.name for p in run_dir.rglob(".*")]
    assert hidden == [], hidden
