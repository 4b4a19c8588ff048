"""A JSON Schema of one spec/*.yaml file, derived from the attrs classes of generator/model.py.

The schema is the model read another way: every class becomes a definition, every field a
property (required when it has no default), and the class docstrings and the comments beside
the fields become descriptions. It is written to docs/spec.schema.json by `make generate` and
compared by the drift check, so that editors and reviewers can rely on it.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import tokenize
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs

from generator import model
from generator.model import CODEC_KINDS, Codec, CsvItem, SpecFile

FLATTENED = frozenset({"fields", "params", "tlvs"})  # lists that may hold lists (YAML aliases), see load._flatten


def _field_comments() -> dict[tuple[str, str], str]:
    """(class, field) -> the comment beside the field in model.py."""
    source = inspect.getsource(model)
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    out: dict[tuple[str, str], str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.lineno in comments:
                    out[(node.name, item.target.id)] = comments[item.lineno]
    return out


def _codec_schema() -> dict[str, Any]:
    kinds = "|".join(sorted(CODEC_KINDS))
    described = "; ".join(f"{k.name}: {k.doc}" for k in CODEC_KINDS.values())
    return {
        "type": "string",
        "pattern": f"^(?:{kinds}|enum:[A-Za-z_][A-Za-z0-9_]*)$",
        "description": f"A codec: {described} enum:<Enum>: a member of that enum, by value.",
    }


class _Builder:
    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}
        self.comments = _field_comments()

    def type_schema(self, hint: Any) -> dict[str, Any]:
        origin, args = get_origin(hint), get_args(hint)
        if hint is Any:
            return {}
        if hint is type(None):
            return {"type": "null"}
        if hint is str:
            return {"type": "string"}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is Codec:
            return {"$ref": "#/$defs/Codec"}
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.type_schema(arg) for arg in args]}
        if origin is list:
            return {"type": "array", "items": self.type_schema(args[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.type_schema(args[1])}
        if attrs.has(hint):
            return {"$ref": f"#/$defs/{self.define(hint)}"}
        raise TypeError(f"no JSON Schema for {hint!r}")

    def define(self, cls: type) -> str:
        name = cls.__name__
        if name in self.definitions:
            return name
        self.definitions[name] = {}  # a placeholder while the fields are visited
        hints = get_type_hints(cls, vars(model))
        properties: dict[str, Any] = {}
        required = []
        for f in attrs.fields(cls):
            prop = self.type_schema(hints[f.name])
            if f.name in FLATTENED and prop.get("type") == "array":
                prop["items"] = {"anyOf": [prop["items"], {"type": "array", "items": prop["items"]}]}
            comment = self.comments.get((name, f.name))
            if comment:
                prop = {**prop, "description": comment}
            properties[f.name] = prop
            if f.default is attrs.NOTHING:
                required.append(f.name)
        schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        if cls.__doc__:
            schema = {"description": inspect.cleandoc(cls.__doc__), **schema}
        if required:
            schema["required"] = required
        if cls is CsvItem:  # a comma-layout item may be written as its key alone
            schema = {"anyOf": [{"type": "string", "description": "the key of a field"}, schema]}
        self.definitions[name] = schema
        return name


def spec_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one spec file, as a dict."""
    builder = _Builder()
    builder.definitions["Codec"] = _codec_schema()
    root = builder.define(SpecFile)
    top = builder.definitions.pop(root)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "smsc spec file (spec/*.yaml)",
        **top,
        "$defs": dict(sorted(builder.definitions.items())),
    }


def schema_text() -> str:
    """The schema as docs/spec.schema.json holds it."""
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_drift(path: Path) -> str | None:
    """None when `path` holds the schema of the current model, else what is wrong with it."""
    if not path.is_file():
        return f"{path}: missing (run `make generate`)"
    if path.read_text(encoding="utf-8") != schema_text():
        return f"{path}: not the schema of generator/model.py (run `make generate`)"
    return None
