"""The config: YAML (or a dict) in, one validated, frozen `Config` out.

Everything is checked here, once, naming the key, the value and what is allowed; the rest of
guessgame trusts what it is given.
"""

from guessgame.config.load import load_config, replaced
from guessgame.config.overrides import Override
from guessgame.config.schema import Config, RandomAnswer, RandomRotation
from guessgame.errors import ConfigError

__all__ = ["Config", "ConfigError", "Override", "RandomAnswer", "RandomRotation", "load_config", "replaced"]
