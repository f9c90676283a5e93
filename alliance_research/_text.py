"""Reading text files and YAML with the line numbers a user sees in an editor."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

# libyaml's parser when PyYAML was built with it (much faster on large libraries); same nodes, marks and errors.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

UTF8_EXPECTED = "UTF-8 text (save the file as UTF-8; UTF-8 with a byte-order mark is accepted too)"


def read_text(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (a byte-order mark is dropped). On bad bytes, report the line they are on."""
    try:
        data = path.read_bytes()
    except OSError as err:  # missing, a folder, a broken link, no permission
        return None, [Problem(shown, None, None, path.name, f"an existing, readable file ({err.strerror or err})")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.end]
        return None, [Problem(shown, line, None, f"byte 0x{bad.hex()}", UTF8_EXPECTED)]


def load_yaml(text: str, shown: str, line_offset: int = 0) -> tuple[Any, dict[tuple, int], list[Problem]]:
    """Parse YAML and return (data, lines, problems).

    ``lines`` maps every key path (a tuple of mapping keys and list indexes) to the 1-based line where it
    starts, so that a problem found later can name its line. ``line_offset`` is added to every line (the
    number of lines that precede the YAML in its file, e.g. a front-matter delimiter).
    """
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        # Walk the nodes before building the data, to learn every key's line and refuse keys that are not
        # text; an alias (*name) is not walked again, so recursive or exponential documents stay cheap.
        lines: dict[tuple, int] = {}
        problems: list[Problem] = []
        _walk(node, (), lines, problems, shown, line_offset, set())
        if problems:
            return None, lines, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        return None, {}, [Problem(shown, line, None, _yaml_snippet(text, mark), f"valid YAML ({err.problem})")]
    except yaml.reader.ReaderError as err:  # a control character YAML does not allow
        # libyaml counts the position in bytes of UTF-8, PyYAML in characters
        before = text.encode("utf-8")[: err.position] if _Loader is not yaml.SafeLoader else text[: err.position]
        line = before.count(b"\n" if isinstance(before, bytes) else "\n") + 1 + line_offset
        return None, {}, [Problem(shown, line, None, f"character U+{err.character:04X}",
                                  "YAML text without control characters")]
    except yaml.YAMLError as err:  # pragma: no cover - other PyYAML errors carry a mark
        return None, {}, [Problem(shown, None, None, None, f"valid YAML ({err})")]
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines, problems


def _yaml_snippet(text: str, mark: Any) -> str | None:
    if mark is None:
        return None
    all_lines = text.splitlines()
    return all_lines[mark.line].strip() if mark.line < len(all_lines) else ""


# Keys are text, or whole numbers (a rubric's level descriptors are keyed by score).
_KEY_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int")


def _walk(node: yaml.Node, path: tuple, lines: dict, problems: list, shown: str, offset: int, seen: set) -> None:
    line = node.start_mark.line + 1 + offset
    lines.setdefault(path, line)
    if id(node) in seen:  # an alias (*name) of a node met before: its lines are the anchor's; don't expand it
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS or not str(key).strip():
                problems.append(Problem(shown, key_line, key_path(path) or None,
                                        key if isinstance(key, str) else None,
                                        "a key of letters (e.g. 'name:'), not a list, a mapping or nothing"))
                continue
            if key in keys_seen:
                problems.append(Problem(shown, key_line, key_path(path + (key,)), key,
                                        f"each key once (it is already given on line {keys_seen[key]})"))
            keys_seen[key] = key_line
            lines[path + (key,)] = key_line
            _walk(value_node, path + (key,), lines, problems, shown, offset, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, problems, shown, offset, seen)


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the longest prefix of ``loc`` that has one."""
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return None


def key_path(loc: tuple) -> str:
    """A dotted key path as a user reads it: ``areas[0].practices[3].levels``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(value: object, choices: list[str]) -> str:
    """"; did you mean 'x'?" when one of ``choices`` is close to ``value``, else ""."""
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def pydantic_problems(error: Any, shown: str, lines: dict[tuple, int], model: Any = None) -> list[Problem]:
    """Turn a pydantic ValidationError into problems with lines and key paths.

    With ``model`` (the pydantic model class validated), an unknown key gets a "did you mean" hint.
    """
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        # Drop pydantic's internal location parts (e.g. the name of a union member or a dict key's "[key]").
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        value = err.get("input")
        if err["type"] == "missing":
            value = None
        elif value is None:
            value = ""  # given but empty, as in `partners:` with nothing after it
        elif isinstance(value, (dict, list)) and err["type"] != "extra_forbidden":
            value = None
        expected = _expected_from_pydantic(err)
        if err["type"] == "extra_forbidden" and model is not None:
            expected += _suggest_key(model, loc)
        problems.append(Problem(shown, line_of(lines, loc), key_path(loc), value, expected))
    return problems


def _suggest_key(model: Any, loc: tuple) -> str:
    """"; did you mean 'lessons'?" for an unknown key at ``loc``, from the fields of the model there."""
    import typing

    from pydantic import BaseModel

    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return ""
        candidates = [field.annotation]
        current = None
        while candidates:
            annotation = candidates.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                current = annotation
                break
            candidates.extend(typing.get_args(annotation))
        if current is None:
            return ""
    names = list(getattr(current, "model_fields", {}))
    return did_you_mean(loc[-1], names) or f"; the keys allowed here are {', '.join(names)}"


def _expected_from_pydantic(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "this required key"
    if kind == "extra_forbidden":
        return "no such key (check its spelling)"
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    if kind in ("string_type", "string_too_short"):
        return "non-empty text"
    if kind == "string_pattern_mismatch":
        return "an id of lowercase letters, digits and single hyphens (e.g. 'north-coast-water')"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "a whole number"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return "a number"
    if kind in ("list_type", "too_short"):
        return "a list with at least one item" if kind == "too_short" else "a list, e.g. [A, B]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys to values"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return err["msg"].replace("Input should be", "a value").strip()
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg[0].lower() + msg[1:] if msg else kind
