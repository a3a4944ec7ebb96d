"""What closed-form gradient descent predicts, with no simulation: the engine's independent oracle.

With plain SGD every element of the error e = guess - answer moves on its own:

    mse        e(t+1) = (1 - lr h) e(t),  h = 2/N (mean) or 2 (sum)
               converges iff lr < 2/h (N, or 1 with sum), fastest at lr = 1/h (N/2), rate |1 - lr h|
    l1         |e| shrinks by s = lr/N (lr with sum) each attempt until |e| <= s, then
               bounces in that band for ever (unless it lands exactly on the answer)
    huber      mse-like with h = 1/N inside |e| <= delta, l1-like steps of lr delta/N outside
    smooth_l1  mse-like with h = 1/(beta N) inside |e| <= beta, l1-like steps outside
    bad        every element moves by -lr/N each attempt, whatever the answer: never converges

Heavy-ball momentum mu on mse converges iff 0 < lr h < 2 (1 + mu).
"""

from __future__ import annotations

import cmath
import math
from typing import Any, Sequence

FIELDS = ("critical_lr", "best_lr", "rate", "predicted", "predicted_converged_at", "band",
          "band_reached_at", "note")


def predict(*, loss: str, loss_options: dict, reduction: str, optimizer: str, optimizer_options: dict,
            lr: float, error: Sequence[float], attempts: int, tolerance: float) -> dict[str, Any]:
    """The theory block of one run; `error` is guess - answer at the start, flattened."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    n = len(error)
    scale = 1.0 / n if reduction == "mean" else 1.0  # d(reduction)/d(element)
    momentum = _heavy_ball(optimizer, optimizer_options)
    if momentum is None:
        out["note"] = f"no closed form for {optimizer} with these options"
        return out
    if loss == "bad":
        out.update(critical_lr=0.0, predicted="diverged",
                   note=f"gradient is {scale:g} everywhere: the guess drifts by lr*{scale:g} per attempt, "
                        "away from any answer")
        return out
    if loss == "mse":
        return _quadratic(out, 2 * scale, lr, momentum, error, attempts, tolerance, _mse_loss(error, scale))
    if momentum != 0:
        out["note"] = f"no closed form for {loss} with momentum"
        return out
    if loss == "l1" or (loss == "smooth_l1" and loss_options["beta"] == 0):
        return _l1(out, lr * scale, error, attempts)
    width = loss_options["delta"] if loss == "huber" else loss_options["beta"]
    h = scale if loss == "huber" else scale / width
    critical = 2 / h
    out.update(critical_lr=critical, best_lr=1 / h, rate=abs(1 - lr * h),
               predicted="converged" if lr < critical else "oscillating",
               note=f"inside |error| <= {width:g} the error shrinks by |1 - lr/{1 / h:g}| per attempt; "
                    f"converges for lr < {critical:g}, beyond that it bounces but stays bounded")
    return out


def _heavy_ball(optimizer: str, options: dict) -> float | None:
    if optimizer != "sgd" or options["weight_decay"] != 0 or options["nesterov"] or options["dampening"] != 0:
        return None
    return options["momentum"]


def _mse_loss(error: Sequence[float], scale: float) -> float:
    """log of the MSE loss (-inf for 0), scaled so huge errors do not overflow."""
    biggest = max(abs(e) for e in error)
    if biggest == 0:
        return -math.inf
    return 2 * math.log(biggest) + math.log(sum((e / biggest) ** 2 for e in error) * scale)


def _quadratic(out, h, lr, momentum, error, attempts, tolerance, log_loss0) -> dict[str, Any]:
    critical = 2 * (1 + momentum) / h
    if momentum == 0:
        rate = abs(1 - lr * h)
    else:  # spectral radius of the heavy-ball recurrence z^2 - (1 + mu - lr h) z + mu = 0
        b = 1 + momentum - lr * h
        root = cmath.sqrt(b * b - 4 * momentum)
        rate = max(abs((b + root) / 2), abs((b - root) / 2))
    if log_loss0 == -math.inf:
        predicted, at = "converged", 1
    elif rate < 1 and momentum != 0:
        predicted, at = "converged", None  # eventually; the attempt has no simple closed form
    elif rate < 1:
        at = _geometric_hit(log_loss0, rate * rate, tolerance)
        predicted = "converged" if at is not None and at <= attempts else "unfinished"
        at = at if predicted == "converged" else None
    else:
        predicted, at = ("oscillating" if rate == 1 else "diverged"), None
    out.update(critical_lr=critical, best_lr=1 / h if momentum == 0 else None, rate=rate,
               predicted=predicted, predicted_converged_at=at,
               note=(f"error x |1 - lr/{1 / h:g}| per attempt; converges for lr < {critical:g}, "
                     f"fastest at lr = {1 / h:g}") if momentum == 0 else
                    f"heavy ball, momentum {momentum:g}: converges for lr < {critical:g}")
    return out


def _geometric_hit(log_loss0: float, factor: float, tolerance: float) -> int | None:
    """First attempt t (1-based) with loss0 * factor^(t-1) <= tolerance, None if never."""
    if tolerance > 0 and log_loss0 <= math.log(tolerance):
        return 1
    if factor == 0:
        return 2
    if tolerance <= 0:
        return None
    steps = (math.log(tolerance) - log_loss0) / math.log(factor)
    t = math.ceil(steps - 1e-9) + 1
    return t if t < 2**62 else None


def _l1(out, s, error, attempts) -> dict[str, Any]:
    """Steps of size s: element i enters the band |e| <= s after ceil(|e_i|/s) - 1 steps."""
    ratios = [abs(e) / s for e in error]
    band_at = max(max(math.ceil(r) - 1, 0) for r in ratios) + 1
    exact = all(r == math.floor(r) for r in ratios)
    hit_at = max(int(r) for r in ratios) + 1 if exact else None
    if exact and hit_at <= attempts:
        predicted = "converged"
    else:
        predicted = "oscillating" if band_at <= attempts else "unfinished"
    out.update(critical_lr=None, band=s, band_reached_at=band_at, predicted=predicted,
               predicted_converged_at=hit_at if predicted == "converged" else None,
               note=f"steps of lr/N = {s:g} towards the answer, then bounces within {s:g} of it; "
                    "no lr diverges, none converges unless it lands exactly")
    return out
