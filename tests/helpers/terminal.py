"""Reading what a command wrote to a pseudo-terminal, for the tests of what a user sees there."""

import os


def read_to_end(leader: int, seen: bytes = b"") -> str:
    """Everything the terminal `leader` gets until the command ends (after `seen`), then closes it."""
    chunks = [seen]
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")
