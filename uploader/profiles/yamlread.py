"""YAML text → plain values plus where each key and value was written (the yaml border).

`yaml.safe_load` semantics (the SafeLoader's resolver and scalar constructors), but built from
the composed node tree so every key path keeps its line and column, and stricter where a
profile needs it: duplicate keys, non-text keys and merge keys are errors (safe_load silently
keeps the last duplicate). Aliases are expanded with a bound on nodes and depth, so an alias
bomb or a self-referencing anchor gives a clean error. Every yaml exception, and the odd
ValueError a scalar constructor raises for `!!int abc`, becomes a ProfileError here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from uploader.exceptions import ProfileError

#: A key path: ("members", 0, "role") is `members[0].role`.
KeyPath = tuple[str | int, ...]

MAX_NODES = 20_000  # a real profile has a few hundred
MAX_DEPTH = 32  # a real profile nests 3 deep
MAX_BYTES = 1 << 20

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
# Scalar tags safe_load would construct and a profile can meaningfully hold.
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)


@dataclass(frozen=True)
class Pos:
    """1-based line and column, as editors count."""

    line: int
    column: int


@dataclass
class Document:
    """A parsed profile: its data and the positions of every key and value in it."""

    file: Path
    data: object
    keys: dict[KeyPath, Pos] = field(default_factory=dict)
    values: dict[KeyPath, Pos] = field(default_factory=dict)


def format_path(path: KeyPath) -> str:
    """("members", 0, "role") → "members[0].role"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _pos(mark: object) -> Pos:
    line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
    return Pos(line + 1, column + 1)


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag


def describe(value: object) -> str:
    """A value as an error message shows it: YAML words for YAML things."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date):
        return f"a date ({value.isoformat()})"
    return f"a {type(value).__name__}"


class _Builder:
    def __init__(self, loader: object, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0

    def fail(self, node: object, path: KeyPath, problem: str) -> ProfileError:
        pos = _pos(getattr(node, "start_mark", None))
        return ProfileError(problem, file=self.doc.file, line=pos.line, column=pos.column,
                            key=format_path(path) or None)

    def build(self, node: object, path: KeyPath, depth: int) -> object:
        import yaml

        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise self.fail(node, path[:1], "the document is too large or nests too deep "
                            "(an alias loop?) — a profile is a few plain keys")
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self.fail(node, path, f"unsupported tag {_short(node.tag)} — remove it")
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, path, f"unsupported tag {_short(node.tag)} — remove it")
            items = []
            for index, item in enumerate(node.value):
                self.doc.values[(*path, index)] = _pos(item.start_mark)
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        assert isinstance(node, yaml.ScalarNode)
        if node.tag not in _SCALARS:
            raise self.fail(node, path, f"unsupported tag {_short(node.tag)} — remove it")
        try:
            return self.loader.construct_object(node)  # type: ignore[attr-defined]
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError,
                OverflowError) as exc:
            raise self.fail(node, path, f"cannot read {node.value!r} as "
                            f"{_short(node.tag)} ({type(exc).__name__}) — "
                            "quote it or fix the value") from None

    def mapping(self, node: object, path: KeyPath, depth: int) -> dict[str, object]:
        import yaml

        assert isinstance(node, yaml.MappingNode)
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise self.fail(key_node, path, "merge keys (<<) are not supported — write "
                                "the keys out")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                shown = (describe(self.build(key_node, path, depth + 1))
                         if isinstance(key_node, yaml.ScalarNode) else "a collection")
                raise self.fail(key_node, path, f"expected a text key, got {shown}"
                                " — quote it")
            key = str(key_node.value)
            sub = (*path, key)
            if key in result:
                first = self.doc.keys[sub]
                raise self.fail(key_node, sub, f"duplicate key (first at line {first.line}) "
                                "— keep one")
            self.doc.keys[sub] = _pos(key_node.start_mark)
            self.doc.values[sub] = _pos(value_node.start_mark)
            result[key] = self.build(value_node, sub, depth + 1)
        return result


def parse_yaml(text: str, file: Path) -> Document:
    """Parse one YAML document; ProfileError (with line and column) for anything wrong."""
    import yaml

    doc = Document(file=file, data=None)
    if len(text) > MAX_BYTES:
        raise ProfileError(f"the file is over {MAX_BYTES} characters — is this a profile?",
                           file=file)
    try:
        loader = yaml.SafeLoader(text)  # the Reader rejects control characters right here
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = _pos(mark) if mark is not None else None
            problem = exc.problem or "cannot parse"
            if exc.context:
                problem += f" ({exc.context})"
            raise ProfileError(f"invalid YAML: {problem}", file=file,
                               line=pos.line if pos else None,
                               column=pos.column if pos else None) from None
        except yaml.reader.ReaderError as exc:
            raise _reader_error(exc, text, file) from None
        except yaml.YAMLError as exc:
            raise ProfileError(f"invalid YAML: {exc}", file=file) from None
        except RecursionError:
            raise ProfileError("invalid YAML: nested too deep", file=file) from None
        if node is not None:
            doc.values[()] = _pos(node.start_mark)
            doc.data = _Builder(loader, doc).build(node, (), 0)
    finally:
        loader.dispose()
    return doc


def _reader_error(exc: object, text: str, file: Path) -> ProfileError:
    """A character YAML does not allow (a control character): say where it is."""
    position = getattr(exc, "position", 0)
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    char = getattr(exc, "character", 0)  # PyYAML stores the code point
    shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return ProfileError(f"invalid YAML: character {shown} is not allowed — remove it",
                        file=file, line=line, column=column)


def read_profile_text(path: Path) -> str:
    """The file's text (UTF-8, a BOM allowed); ProfileError when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read the file ({exc.strerror or exc}) — check the path "
                           "and permissions", file=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        raise ProfileError("not UTF-8 text — save the file as UTF-8", file=path,
                           line=before.count(b"\n") + 1,
                           column=exc.start - (before.rfind(b"\n") + 1) + 1) from None
