"""The thread a run folder is saved in: Ctrl-C reaches the caller waiting for it at once; one press is
told and the save goes on, the next stops the waiting."""

import os
import signal
import threading
import time

import pytest

from guessgame.rundir.worker import Worker


def test_after_an_interrupted_simulation_one_ctrl_c_stops_the_save(command_line_ctrl_c):
    started, release, written = threading.Event(), threading.Event(), []

    def slow_write():
        started.set()
        release.wait(30)
        written.append(True)

    def ctrl_c():
        assert started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    os.kill(os.getpid(), signal.SIGINT)  # the Ctrl-C that stopped the simulation
    presser = threading.Thread(target=ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            Worker(slow_write, notify=print).wait()
        assert not written  # it stopped waiting instead of letting the write finish
    finally:
        release.set()
        presser.join(15)


def test_one_ctrl_c_while_saving_lets_the_save_finish_and_says_so(command_line_ctrl_c):
    started, told = threading.Event(), []

    def slow_write():
        started.set()
        time.sleep(1)

    def ctrl_c():
        assert started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=ctrl_c, daemon=True)
    presser.start()
    assert Worker(slow_write, notify=told.append).wait() is True
    presser.join(15)
    assert told == ["interrupted while saving; finishing the run folder (Ctrl-C again to stop at once)"]
