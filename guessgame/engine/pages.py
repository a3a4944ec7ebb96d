"""Mapping the pages of a big log ahead of the attempts that write it.

Fresh memory costs a page fault at its first write, which on a virtual machine can take as long as
the attempts' arithmetic. The attempts of a big log leave the other core idle: there a helper thread
has the kernel map the log's pages before the attempts reach them (madvise MADV_POPULATE_WRITE,
Linux 5.14 on), which never changes what they hold.
"""

from __future__ import annotations

import ctypes
import functools
import os
import queue
import sys
import threading

from torch import Tensor

_POPULATE_WRITE, _PAGE = 23, 4096
POPULATE_FROM = 1 << 20  # bytes of log from which the pages are mapped ahead


def populate(*tensors: Tensor | None) -> None:
    """Map the pages of big CPU tensors on another thread (nothing where the kernel cannot)."""
    tensors = tuple(t for t in tensors if t is not None and t.device.type == "cpu")
    if sys.platform != "linux" or sum(t.untyped_storage().nbytes() for t in tensors) < POPULATE_FROM:
        return
    pages = _mapper(os.getpid())  # a forked child has no thread of its parent's: its own
    if pages is not None:
        pages.put(tensors)  # held by the queue until mapped: their memory cannot go away meanwhile


@functools.lru_cache(maxsize=1)
def _mapper(pid: int) -> queue.SimpleQueue | None:
    """The queue of a thread that maps what it is given, made once (starting a thread per run costs
    milliseconds); None where the kernel has no madvise."""
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes, madvise.restype = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int], ctypes.c_int
    work: queue.SimpleQueue = queue.SimpleQueue()

    def serve() -> None:
        while True:
            for tensor in work.get():
                begin = tensor.untyped_storage().data_ptr()
                first = -(-begin // _PAGE) * _PAGE
                last = (begin + tensor.untyped_storage().nbytes()) // _PAGE * _PAGE
                if last > first and madvise(first, last - first, _POPULATE_WRITE) != 0:
                    break  # an older kernel: the attempts take the faults themselves, as without this

    threading.Thread(target=serve, name="guessgame-pages", daemon=True).start()
    return work
