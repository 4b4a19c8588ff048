"""Render the spec into generated/smsc/: one Jinja2 template per module kind, plus the runtime."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from generator.model import Spec
from generator.smpp_views import smpp_views, tlv_encoder
from generator.views import layout_views, param_views, py_type

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
RUNTIME = Path(__file__).resolve().parent / "runtime"

# template, output module, spec sections it is generated from
OUTPUTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("enums.py.j2", "_enums.py", ("enums",)),
    ("models.py.j2", "_models.py", ("models",)),
    ("errors.py.j2", "_errors.py", ("errors", "error_maps")),
    ("parsers.py.j2", "_parsers.py", ("layouts", "replies")),
    ("renderers.py.j2", "_renderers.py", ("layouts", "replies")),
    ("requests.py.j2", "_requests.py", ("commands", "auth", "common")),
    ("client.py.j2", "_client.py", ("commands",)),
    ("init.py.j2", "__init__.py", ("enums", "models", "errors", "commands")),
    ("text_tables.py.j2", "_text_tables.py", ("text",)),  # skipped without a text section
    ("smpp_constants.py.j2", "smpp/_constants.py", ("smpp",)),  # skipped when the spec has no smpp section
    ("smpp_pdus.py.j2", "smpp/_pdus.py", ("smpp",)),
)


def docstring(text: str, indent: int = 0) -> str:
    """A safe triple-quoted docstring."""
    body = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body += " "
    pad = " " * indent
    lines = body.split("\n")
    return '"""' + "\n".join([lines[0], *((pad + line) if line else "" for line in lines[1:])]) + '"""'


def pystr(text: str) -> str:
    """A Python string literal that spells every non-ASCII character by name (\\N{...}): unambiguous to read."""
    out = []
    for char in text:
        name = "" if char.isascii() else unicodedata.name(char, "")
        if name:
            out.append(f"\\N{{{name}}}")
        elif char == "'":
            out.append("\\'")
        else:
            out.append(repr(char)[1:-1])
    return "'" + "".join(out) + "'"


def field_docs(fields: Iterable[Any]) -> str:
    """Google-style `name: doc` lines for an Attributes or Args section."""
    return "\n".join(f"    {f.name}: {f.doc}" for f in fields)


def types_used(fields: Iterable[Any], kind: str) -> list[str]:
    """Sorted names of the enums or models (`kind`) that these fields refer to."""
    return sorted({f.type.split(":", 1)[1] for f in fields if f.type.startswith(kind + ":")})


_FROM_IMPORT = re.compile(r"^from (\S+) import(.*)$", re.MULTILINE)


def prune_imports(text: str) -> str:
    """Drop names of single-line `from x import a, b` imports that the module never uses.

    Templates import every enum or model a module might need; this keeps the output clean
    for ruff without teaching each template which names a given spec happens to use.
    """
    def used(name: str, body: str) -> bool:
        return re.search(rf"\b{re.escape(name)}\b", body) is not None

    def keep(m: re.Match[str]) -> str:
        module, names = m.group(1), [n.strip() for n in m.group(2).split(",")]
        if module == "__future__" or " as " in m.group(2):
            return m.group(0)
        body = text[: m.start()] + text[m.end():]
        names = [n for n in names if n and used(n, body)]
        return f"from {module} import {', '.join(names)}" if names else "\x00"

    pruned = _FROM_IMPORT.sub(keep, text)
    return "".join(line for line in pruned.splitlines(keepends=True) if line != "\x00\n")


def codec_enums(spec: Spec) -> set[str]:
    """Enums that some reply field is parsed into."""
    return {f.codec[5:] for layout in spec.layouts.values() for f in layout.fields if f.codec.startswith("enum:")}


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = repr
    env.filters["pystr"] = pystr
    env.filters["docstring"] = docstring
    env.filters["py_type"] = py_type
    env.filters["field_docs"] = field_docs
    env.globals["types_used"] = types_used
    env.globals["codec_enums"] = codec_enums
    env.filters["ctx_item"] = lambda name: f'"{name}": {name}'
    env.globals.update(layout_views=layout_views, param_views=param_views)
    env.globals.update(smpp_views=smpp_views, tlv_encoder=tlv_encoder)
    return env


def _sources(spec: Spec, sections: Iterable[str]) -> str:
    files = sorted({src for key, src in spec.sources.items() if key.split(".", 1)[0] in sections})
    return ", ".join(files)


def render_all(spec: Spec, spec_label: str = "spec") -> dict[str, str]:
    """Every generated file: relative path -> text."""
    env = environment()
    out: dict[str, str] = {}
    for template, target, sections in OUTPUTS:
        if any(getattr(spec, section, None) is None for section in sections):
            continue  # an optional section (smpp) the spec does not have
        header = (f"# Generated by generator/templates/{template} from {_sources(spec, sections)}. "
                  "DO NOT EDIT: change the spec or the template and run `make generate`.\n")
        text = prune_imports(env.get_template(template).render(spec=spec))
        out[target] = header + text.rstrip("\n") + "\n"
    for path in sorted(RUNTIME.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(RUNTIME).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            text = (f"# Copied from generator/runtime/{rel} by `make generate`. "
                    "DO NOT EDIT: edit the source.\n") + text
        out[rel] = text
    return out


def write(files: dict[str, str], out_dir: Path) -> list[str]:
    """Write what changed, delete what is no longer generated; return the changed paths."""
    changed = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(rel)
    for path in sorted(out_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.relative_to(out_dir).as_posix() not in files:
            path.unlink()
            changed.append(f"{path.relative_to(out_dir).as_posix()} (removed)")
    return changed
