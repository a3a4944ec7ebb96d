"""Records and their JSON: every field survives a round trip, non-finite floats included, and a damaged
field is named."""

import json
import math

import pytest

from guessgame.errors import RunFolderError
from guessgame.records import RunSummary, Theory, where
from guessgame.status import Status


def summary(**changes):
    fields = dict(run=0, lr=0.5, game=0, status=Status.DIVERGED, attempts_run=20, converged_at=None, diverged_at=5,
                  left_at=None, final_loss=math.inf, best_loss=3.25, final_guess=[math.nan, -math.inf, 1e308],
                  answer=[2.0, 77.0, 91.0],
                  theory=Theory(critical_lr=3.0, best_lr=1.5, rate=2.5, predicted=Status.DIVERGED,
                                predicted_diverged_at=5, note="error x |1 - lr/1.5| per attempt"))
    return RunSummary(**{**fields, **changes})


def round_trip(record):
    text = json.dumps(record.to_json(), allow_nan=False)  # strict JSON: no NaN or Infinity literals
    return RunSummary.from_json(json.loads(text), where("summary.json", f"runs.{record.run}", record.run))


def same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("record", [summary(), summary(theory=Theory(note="no closed form for adam with these options"),
                                                       status=Status.CONVERGED, converged_at=3, diverged_at=None,
                                                       final_loss=0.0, best_loss=0.0, final_guess=[2.0, 77.0, 91.0])],
                         ids=["diverged-nonfinite", "converged-no-theory"])
def test_a_summary_survives_json(record):
    back = round_trip(record)
    for name in RunSummary.__dataclass_fields__:
        mine, theirs = getattr(record, name), getattr(back, name)
        if name == "final_guess":
            assert all(same(x, y) for x, y in zip(mine, theirs))
        else:
            assert same(mine, theirs), name
    assert isinstance(back.status, Status)


@pytest.mark.parametrize(("field", "value", "named"), [
    ("status", "exploded", "runs.0.status"),
    ("lr", -1, "runs.0.lr"),
    ("diverged_at", 0, "runs.0.diverged_at"),
    ("final_loss", "lots", "runs.0.final_loss"),
    ("answer", [[1, 2], [3]], "runs.0.answer"),
], ids=["status", "lr", "diverged_at", "final_loss", "answer"])
def test_a_damaged_field_is_named(field, value, named):
    data = summary().to_json()
    data[field] = value
    with pytest.raises(RunFolderError, match=named.replace(".", r"\.")):
        RunSummary.from_json(data, where("summary.json", "runs.0", 0))
