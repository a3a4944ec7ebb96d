"""Where the repository's files are, for the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIGS = ROOT / "guessgame" / "examples"  # the example configs, shipped in the package; configs/ links here
