"""Read a tenant document safely: bytes → plain data (dicts, lists, scalars).

A tenant document comes from an operator's file, so it is read as hostile
input. Every refusal is a :class:`ValidationFailed` with a stable id and a
sentence, never a traceback, and each is decided before anything big is
built:

- size: at most :data:`MAX_BYTES`, checked before decoding or parsing (the
  CLI reads no more than that plus one byte). 10 MB is plenty: an exported
  line takes about 420 bytes, its login 150, its phone 450 and its directory
  entry 200, so 10 MB holds a company of about 8,000 fully equipped lines,
  or 50,000 directory contacts, where a Centrex tenant has tens to a few
  hundred lines;
- encoding: UTF-8 only (what ``tenant export`` writes), with or without a BOM;
- anchors and aliases (``&a`` / ``*a``) are refused: export never writes
  them, and they are how a few hundred bytes expand to gigabytes;
- nesting: at most :data:`MAX_DEPTH` levels (the deepest real structure, a
  directory ten groups deep, needs about 25);
- one document per file, plain mapping keys, no duplicate keys, only the
  standard scalar tags.

The structure is built from the parser's events with an explicit stack (no
recursion, unlike PyYAML's composer and constructor), one event at a time,
so a refusal happens as soon as the offending event is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from orchestrator.domain.errors import FieldError, ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 40
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same events, faster


def _refuse(error_id: str, where: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(error_id, where, message)])


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "document"


def read_bytes(raw: bytes) -> Any:
    """The data of a document given as the bytes of a file."""
    if len(raw) > MAX_BYTES:
        raise _refuse("document.too_large", "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB, "
                      "the limit of a tenant document")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("document.encoding", "", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                      f"offset {exc.start}); tenant documents are UTF-8 YAML, as 'tenant export' writes "
                      "them") from None
    return read_text(text)


def read_text(text: str) -> Any:
    """The data of a document given as text."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise _refuse("document.too_large", "", f"the document is larger than {MAX_BYTES // (1024 * 1024)} MB, "
                      "the limit of a tenant document")
    try:
        return _build(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        if "nesting depth" in problem:  # libyaml's own limit (1000 levels) can be reached before ours
            raise _refuse("yaml.depth", _at(exc.problem_mark), f"the document nests more than {MAX_DEPTH} levels "
                          "deep; a tenant document needs far fewer") from None
        raise _refuse("yaml.syntax", _at(exc.problem_mark), f"not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise _refuse("yaml.syntax", "document", f"not valid YAML: {exc}") from None
    except UnicodeEncodeError:  # text with lone surrogates: cannot have come from a UTF-8 file
        raise _refuse("document.encoding", "", "the document is not valid Unicode text") from None


@dataclass
class _Frame:
    container: dict[Any, Any] | list[Any]
    mark: Any
    key: Any = None
    has_key: bool = False
    keys_at: dict[Any, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.resolver = Resolver()
        self.constructor = SafeConstructor()

    def event(self, ev: yaml.Event) -> None:
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
            raise _refuse("yaml.alias", _at(ev.start_mark), "anchors and aliases (&name, *name) are not allowed "
                          "in a tenant document: write each value out")
        if isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _refuse("yaml.documents", _at(ev.start_mark), "one tenant document per file ('---' starts "
                              "a second one)")
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            mapping = isinstance(ev, yaml.MappingStartEvent)
            if ev.tag not in (_MAP_TAGS if mapping else _SEQ_TAGS):
                raise _refuse("yaml.tag", _at(ev.start_mark), f"the tag {ev.tag!r} is not allowed here")
            if len(self.stack) >= MAX_DEPTH:
                raise _refuse("yaml.depth", _at(ev.start_mark), f"the document nests more than {MAX_DEPTH} levels "
                              "deep; a tenant document needs far fewer")
            self.stack.append(_Frame({} if mapping else [], ev.start_mark))
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.add(self.stack.pop().container, ev.start_mark)
        elif isinstance(ev, yaml.ScalarEvent):
            self.add(self.scalar(ev), ev.start_mark)

    def scalar(self, ev: yaml.ScalarEvent) -> Any:
        tag = ev.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, ev.value, ev.implicit)
        if tag == "tag:yaml.org,2002:merge":
            raise _refuse("yaml.merge", _at(ev.start_mark), "merge keys (<<) are not allowed in a tenant document")
        if tag not in _SCALAR_TAGS:
            raise _refuse("yaml.tag", _at(ev.start_mark), f"the tag {tag!r} is not allowed in a tenant document")
        node = yaml.ScalarNode(tag, ev.value, style=ev.style)
        try:
            return SafeConstructor.yaml_constructors[tag](self.constructor, node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:  # 5000-digit integers, 31/02 dates
            raise _refuse("yaml.value", _at(ev.start_mark), f"{ev.value[:40]!r} cannot be read as a "
                          f"{tag.rsplit(':', 1)[-1]}: {str(exc)[:120]}") from None

    def add(self, value: Any, mark: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
        elif not top.has_key:
            if isinstance(value, (dict, list)):
                raise _refuse("yaml.key", _at(mark), "a mapping key must be a plain value, not a list or a mapping")
            if value in top.keys_at:
                raise _refuse("yaml.duplicate_key", _at(mark), f"the key {value!r} appears twice in this mapping "
                              f"(first at {top.keys_at[value]})")
            top.key, top.has_key = value, True
            top.keys_at[value] = _at(mark)
        else:
            top.container[top.key] = value
            top.key, top.has_key = None, False


def _build(events: Any) -> Any:
    builder = _Builder()
    for ev in events:
        builder.event(ev)
    return builder.root
