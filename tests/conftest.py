import os
from pathlib import Path

import pytest

# pytest-xdist's workers set COLUMNS=80; output captured from a command is a pipe's, as a user's is
os.environ.pop("COLUMNS", None)


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text to a file and return its path."""

    def write(text: str, name: str = "game.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
