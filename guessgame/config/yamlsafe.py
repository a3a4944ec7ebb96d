"""Safe YAML with line numbers: every key's line is kept, duplicate keys and tags are refused.

PyYAML follows YAML 1.1, where `1e-3` is a string; YAML 1.2 and every user read it as a number,
so the float resolver below is the YAML 1.2 one. A document that starts with `%YAML 1.2` is read
with YAML 1.2's core schema throughout: `010` is ten (not 1.1's octal eight), `0o10` is eight, and
only true and false are booleans (`yes` is text).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from guessgame.errors import ConfigError

Path = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose floats follow YAML 1.2 (`1e-3`, `2E5`, `.5` are numbers)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)



class _Loader12(_Loader):
    """YAML 1.2's core schema: its integers and booleans too."""

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
        base = 8 if digits.startswith("0o") else 16 if digits.startswith("0x") else 10
        return sign * int(digits[2:] if base != 10 else digits, base)

    def construct_yaml_bool(self, node):
        return self.construct_scalar(node).lower() == "true"


_Loader12.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:bool")]
    for key, resolvers in _Loader.yaml_implicit_resolvers.items()
}
_Loader12.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                list("-+0123456789"))
_Loader12.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                list("tTfF"))
_Loader12.add_constructor("tag:yaml.org,2002:int", _Loader12.construct_yaml_int)
_Loader12.add_constructor("tag:yaml.org,2002:bool", _Loader12.construct_yaml_bool)

_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
DEPTH = 64  # the deepest a config may nest: no key needs more (an answer of 62 dimensions would fit)
_MAX_NODES = 1_000_000  # an alias bomb expands past any real config long before this


def load_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML text into plain Python values and a map from key path to 1-based line."""
    loader, node = _parse(text, source, _Loader)
    if loader.yaml_version == (1, 2):
        loader, node = _parse(text, source, _Loader12)
    elif loader.yaml_version not in (None, (1, 1)):
        major, minor = loader.yaml_version
        raise ConfigError(f"the document says %YAML {major}.{minor}; guessgame reads YAML 1.1 and 1.2",
                          source=source, line=1)
    if node is None:
        return None, {}
    lines: dict[Path, int] = {}
    budget = [_MAX_NODES]
    return _to_python(loader, node, (), lines, source, budget), lines


def _parse(text: str, source: str, kind: type):
    loader = kind(text)
    try:
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"{exc.problem or ''} {exc.context or ''}".strip()
        raise ConfigError(f"invalid YAML: {problem}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=source) from None
    except RecursionError:
        raise ConfigError(f"the YAML nests deeper than {DEPTH} levels; no key of a config needs that many",
                          source=source) from None
    finally:
        loader.dispose()


def _to_python(loader, node, path: Path, lines, source, budget) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError("the YAML document is too large (aliases expand too far)", source=source)
    line = node.start_mark.line + 1
    if len(path) > DEPTH:
        raise ConfigError(f"the YAML nests deeper than {DEPTH} levels; no key of a config needs that many",
                          key=_dotted(path[:3]) + "...", source=source, line=line)
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            _refuse_tag(node, path, source)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise ConfigError(
                    "keys must be plain names", key=_dotted(path), source=source, line=line
                )
            key = str(loader.construct_object(key_node))
            key_line = key_node.start_mark.line + 1
            if key in result:
                raise ConfigError(
                    f"duplicate key (first given on line {lines[path + (key,)]})",
                    key=_dotted(path + (key,)),
                    source=source,
                    line=key_line,
                )
            lines[path + (key,)] = key_line
            result[key] = _to_python(loader, value_node, path + (key,), lines, source, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            _refuse_tag(node, path, source)
        items = []
        for index, item in enumerate(node.value):
            lines.setdefault(path + (index,), item.start_mark.line + 1)
            items.append(_to_python(loader, item, path + (index,), lines, source, budget))
        return items
    if node.tag not in _SCALAR_TAGS:
        _refuse_tag(node, path, source)
    return loader.construct_object(node)


def _refuse_tag(node, path: Path, source: str) -> None:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise ConfigError(
        f"the tag {tag} is not allowed: guessgame reads plain YAML only (numbers, text, lists, mappings)",
        key=_dotted(path) or None,
        source=source,
        line=node.start_mark.line + 1,
    )


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)
