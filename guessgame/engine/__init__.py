"""The batched simulation: every run of a config (learning rates x games) as one tensor.

Attempt t does, for all runs at once, what the notebook's loop does for one:

    loss, grad = loss_fn(guess, answer)           # equal to torch.nn.functional's and autograd's
    guess, step = optimizer(grad, guess)          # plain SGD: step = lr * grad; guess -= step

and records the guess before its step, the loss, the gradient and the step.

    loop      `simulate`, and that loop (`_play`), as it reads above
    direct    the same updates written straight into the log, when every attempt is kept
    storage   how a batch keeps its attempts: one value, chosen once (`Storage`)
    log       what is kept (`Log`), and the losses read from it afterwards
    ring      a tiny batch's attempts, through a ring of slots
    pages     a big log's memory mapped ahead of the attempts, on the idle core
    lost      where a guess stopped being finite, found by halving
    stopping  `stop_early`: each run stops at the attempt that decided its verdict
    result    `Result`: the log with each run's verdict and theory's prediction
    grid      a grid's cells played one after another, put together
    answers   the hidden answers
    memory    whether the log fits in memory
"""

from guessgame.engine.answers import hidden_answers
from guessgame.engine.loop import simulate
from guessgame.engine.memory import log_bytes
from guessgame.engine.result import Interrupted, Result

__all__ = ["Interrupted", "Result", "hidden_answers", "log_bytes", "simulate"]
