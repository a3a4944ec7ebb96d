"""Figures of a run. Each takes a `Result`, a `RunData` or a run folder and returns a matplotlib
`Figure`; nothing here saves or shows (the CLI saves, a notebook shows), except `animate`, which
writes the GIF it is asked for.

`axis` is the one way a value is put on an axis; every figure goes through it.
"""
