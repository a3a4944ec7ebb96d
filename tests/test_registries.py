"""The loss and optimizer records against torch: every torch name they give exists, and every default
they expose is torch's own."""

import inspect

import pytest
import torch
import torch.nn.functional as F

from guessgame.config.schema import LOSSES as LOSS_DEFAULTS
from guessgame.config.schema import OPTIMIZERS as OPTIMIZER_DEFAULTS
from guessgame.losses import LOSSES
from guessgame.optimizers import OPTIMIZERS

from helpers.reference import LOSSES as REFERENCE_FUNCTIONS
from helpers.reference import OPTIMIZERS as REFERENCE_CLASSES


def torch_defaults(function):
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_is_a_torch_optim_class_with_torchs_defaults(name):
    record = OPTIMIZERS[name]
    cls = getattr(torch.optim, record.torch)
    assert isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)
    defaults = torch_defaults(cls)
    for option, default in record.defaults.items():
        assert option in defaults, f"torch.optim.{record.torch} has no option {option!r}"
        assert default == inspect.signature(cls).parameters[option].default, option
    # what guessgame leaves out: each run's own lr, and how torch runs an update, not what it computes
    left_out = set(defaults) - set(record.defaults) - {"lr", "foreach", "fused", "capturable", "differentiable",
                                                       "maximize"}
    assert left_out == ({"decoupled_weight_decay"} if name == "adam" else set())  # adam's is adamw


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_declares_a_range_for_every_number_and_what_onecycle_cycles(name):
    record = OPTIMIZERS[name]
    numbers = {k for k, v in record.defaults.items() if not isinstance(v, bool)}
    assert set(record.ranges) == numbers
    assert all(record.ranges[k].holds(v) for k, v in record.defaults.items() if k in numbers and not isinstance(
        v, tuple))
    assert all(record.ranges[k].holds(x) for k, v in record.defaults.items() if isinstance(v, tuple) for x in v)
    assert record.cycles is None or record.cycles in record.defaults
    assert record.rule(record.defaults) is None and record.formula(record.defaults)
    assert set(inspect.signature(record.build).parameters) == {"lr", *record.defaults}  # built from its options


@pytest.mark.parametrize("name", [name for name in LOSSES if LOSSES[name].torch is not None])
def test_each_loss_is_a_torch_functional_with_torchs_defaults(name):
    record = LOSSES[name]
    function = getattr(F, record.torch)
    defaults = torch_defaults(function)
    for option, default in record.defaults.items():
        assert option in defaults, f"F.{record.torch} has no option {option!r}"
        assert default == defaults[option], option
    assert set(record.ranges) == set(record.defaults)


def test_only_the_bad_loss_has_no_torch_function():
    assert [name for name, record in LOSSES.items() if record.torch is None] == ["bad"]


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_loss_names_its_kernels_and_a_closed_form_theory_has(name):
    from guessgame.theory import closed_forms

    record = LOSSES[name]
    value, grad, both = record.kernels()[:3]
    assert callable(value) and callable(grad) and (both is None or callable(both))
    assert record.closed_form is not None and callable(closed_forms.path_of(record))


def test_each_loss_is_its_own_modules_record_listed_in_place_order():
    import importlib
    import subprocess
    import sys

    modules = [importlib.import_module(f"guessgame.losses.{name}") for name in LOSSES]
    assert [module.SPECS for module in modules] == [(record,) for record in LOSSES.values()]
    assert [module.PLACE for module in modules] == sorted(module.PLACE for module in modules)
    assert list(LOSSES) == ["l1", "mse", "huber", "smooth_l1", "bad"]
    code = "import sys, guessgame.losses as l; l.effective('smooth_l1', {'beta': 0}); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"


def test_the_tables_read_elsewhere_are_the_records():
    assert OPTIMIZER_DEFAULTS == {name: record.defaults for name, record in OPTIMIZERS.items()}
    assert LOSS_DEFAULTS == {name: record.defaults for name, record in LOSSES.items()}
    assert REFERENCE_CLASSES == {name: getattr(torch.optim, record.torch) for name, record in OPTIMIZERS.items()}
    assert REFERENCE_FUNCTIONS == {"l1": F.l1_loss, "mse": F.mse_loss, "huber": F.huber_loss,
                                   "smooth_l1": F.smooth_l1_loss}
