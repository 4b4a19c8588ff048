"""Render the spec into generated/smsc/: one Jinja2 template per module kind, and links to runtime/smsc/."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from generator.format import format_modules
from generator.load import reply_formats
from generator.model import CODEC_KINDS, Spec
from generator.smpp_views import smpp_views
from generator.views import (
    built_models,
    command_view,
    group_class,
    layout_views,
    method_name,
    param_views,
    parse_method_wanted,
    py_type,
)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
RUNTIME = ROOT / "runtime" / "smsc"
LINE_LENGTH = 120  # as in pyproject.toml

# template, output module, spec sections it is generated from
OUTPUTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("enums.py.j2", "_enums.py", ("enums",)),
    ("models.py.j2", "_models.py", ("models",)),
    ("errors.py.j2", "_api_errors.py", ("errors", "error_maps")),
    ("parsers.py.j2", "_parsers.py", ("layouts", "replies")),
    ("renderers.py.j2", "_renderers.py", ("layouts", "replies")),
    ("requests.py.j2", "_builders.py", ("commands", "auth", "common")),
    ("client.py.j2", "_client.py", ("commands",)),
    ("async_client.py.j2", "_async_client.py", ("commands",)),
    ("init.py.j2", "__init__.py", ("enums", "models", "errors", "commands")),
    ("text_tables.py.j2", "text/_tables.py", ("text",)),  # skipped without a text section
    ("smpp_constants.py.j2", "smpp/_constants.py", ("smpp",)),  # skipped when the spec has no smpp section
    ("smpp_pdus.py.j2", "smpp/_pdus.py", ("smpp",)),
    ("soap.py.j2", "_soap_messages.py", ("soap",)),  # skipped when the spec has no soap section
)


def _wrap(line: str, width: int) -> list[str]:
    """One docstring line wrapped to `width`; a continued `name: text` entry is indented under its text."""
    if len(line) <= width:
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    more = lead + "    " if lead else ""  # an indented line is an entry of an Args or Attributes section
    return textwrap.wrap(line, width=width, subsequent_indent=more, break_on_hyphens=False, break_long_words=False)


def docstring(text: str, indent: int = 0) -> str:
    """A safe triple-quoted docstring, wrapped to the line length; a multi-line one closes on its own line."""
    body = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body += " "
    pad = " " * indent
    width = LINE_LENGTH - indent
    first, *rest = body.split("\n")
    head = _wrap(first, width - 6)  # room for the quotes on both sides: ruff joins a one-line docstring
    if not rest and len(head) == 1:
        return f'"""{head[0]}"""'
    lines = [*head, *(wrapped for line in rest for wrapped in _wrap(line, width))]
    return '"""' + "\n".join([lines[0], *((pad + line) if line else "" for line in lines[1:])]) + "\n" + pad + '"""'


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


def rawstr(text: str) -> str:
    """A raw string literal when one can spell the text (regular expressions read without doubled backslashes)."""
    if text.isprintable() and '"' not in text and not text.endswith("\\"):
        return f'r"{text}"'
    return repr(text)


def field_docs(fields: Iterable[Any]) -> str:
    """Google-style `name: doc` lines for an Attributes or Args section."""
    return "\n".join(f"    {f.name}: {f.doc}" for f in fields)


def types_used(fields: Iterable[Any], kind: str) -> list[str]:
    """Sorted names of the enums or models (`kind`) that these fields refer to."""
    return sorted({getattr(f, kind) for f in fields if getattr(f, kind, None) is not None})


def codec_enums(spec: Spec) -> set[str]:
    """Enums that some reply field is parsed into."""
    return {f.codec.enum for layout in spec.layouts.values() for f in layout.fields if f.codec.enum is not None}


def snake(name: str) -> str:
    """SendResult -> send_result."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


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
    env.filters["rawstr"] = rawstr
    env.filters["docstring"] = docstring
    env.filters["py_type"] = py_type
    env.filters["field_docs"] = field_docs
    env.globals["types_used"] = types_used
    env.globals["codec_enums"] = codec_enums
    env.globals["codec_kinds"] = list(CODEC_KINDS)
    env.globals["codec_kind_table"] = CODEC_KINDS
    env.globals["json_kinds"] = [kind.name for kind in CODEC_KINDS.values() if kind.json]
    env.filters["fill"] = lambda value, pattern: pattern.format(value)  # map("fill", "{} in rec")
    env.filters["snake"] = snake
    env.filters["command_view"] = lambda command, spec: command_view(spec, command)
    env.globals.update(layout_views=layout_views, param_views=param_views, built_models=built_models)
    env.globals.update(smpp_views=smpp_views, reply_formats=reply_formats)
    env.globals.update(method_name=method_name, group_class=group_class, parse_method_wanted=parse_method_wanted)
    env.filters["method_name"] = method_name
    return env


def _sources(spec: Spec, sections: Iterable[str]) -> str:
    files = sorted({src for key, src in spec.sources.items() if key.split(".", 1)[0] in sections})
    return ", ".join(files)


def _header(template: str, sources: str) -> str:
    """The comment opening every generated module: DO NOT EDIT, where it comes from, how to change it."""
    origin = f"DO NOT EDIT: generated by generator/templates/{template} from {sources}."
    lines = textwrap.wrap(origin, width=LINE_LENGTH - 2, break_on_hyphens=False, break_long_words=False)
    lines.append("Change the spec or the template and run `make generate`.")
    return "".join(f"# {line}\n" for line in lines)


def render_all(spec: Spec, spec_label: str = "spec") -> dict[str, str]:
    """Every file generated from a template: relative path -> text."""
    env = environment()
    out: dict[str, str] = {}
    for template, target, sections in OUTPUTS:
        if any(getattr(spec, section, None) is None for section in sections):
            continue  # an optional section (smpp) the spec does not have
        header = _header(template, _sources(spec, sections))
        text = env.get_template(template).render(spec=spec)
        out[target] = header + text.rstrip("\n") + "\n"
    return format_modules(out)


def runtime_links(generated: Iterable[str], runtime: Path = RUNTIME) -> dict[str, Path]:
    """Where the hand-written runtime appears in the package: relative path -> its source.

    The runtime is never copied. A runtime directory the generator writes nothing into is linked
    whole (new modules there need no regeneration); any other directory is recreated and each of
    its hand-written files linked, beside the generated ones.
    """
    generated_dirs = {parent.as_posix() for rel in generated for parent in Path(rel).parents}
    links: dict[str, Path] = {}

    def visit(directory: Path) -> None:
        for path in sorted(directory.iterdir()):
            if path.name == "__pycache__":
                continue
            rel = path.relative_to(runtime).as_posix()
            if path.is_dir() and rel in generated_dirs:
                visit(path)
            else:
                links[rel] = path

    visit(runtime)
    return links


def _link_target(source: Path, link: Path) -> str:
    return os.path.relpath(source, link.parent)


def write(files: dict[str, str], out_dir: Path, links: dict[str, Path] | None = None) -> list[str]:
    """Write what changed, link the runtime, delete what is no longer generated; return the changes."""
    links = runtime_links(files) if links is None else links
    changed = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or not path.exists() or path.read_text(encoding="utf-8") != text:
            if path.is_symlink():
                path.unlink()
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(rel)
    for rel, source in links.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        target = _link_target(source, path)
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        path.symlink_to(target, target_is_directory=source.is_dir())
        changed.append(f"{rel} -> {target}")
    expected = set(files) | set(links)
    for path in sorted(_walk(out_dir), reverse=True):
        rel = path.relative_to(out_dir).as_posix()
        if rel in expected or any(rel.startswith(e + "/") for e in expected if e in links):
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
            changed.append(f"{rel} (removed)")
        elif path.is_dir() and not any(e.startswith(rel + "/") for e in expected):
            shutil.rmtree(path)
    return changed


def _walk(root: Path) -> Iterable[Path]:
    """Every path below root, not following links; caches left out."""
    for path in root.iterdir():
        if path.name == "__pycache__":
            continue
        yield path
        if path.is_dir() and not path.is_symlink():
            yield from _walk(path)


def _tree(root: Path) -> dict[str, str | Path]:
    """root's files as relative path -> text, and its links as relative path -> resolved source."""
    out: dict[str, str | Path] = {}
    for path in _walk(root):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = path.resolve()
        elif path.is_file():
            out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out


def drift(spec: Spec, package: Path) -> str | None:
    """Generate into a temporary directory and compare with `package`; None, or the first difference.

    Independent of git: it compares files on disk, naming the first differing file and line.
    """
    with tempfile.TemporaryDirectory(prefix="smsc-drift-") as tmp:
        fresh = Path(tmp) / "smsc"
        write(render_all(spec), fresh)
        want, have = _tree(fresh), _tree(package)
    for rel in sorted(set(want) | set(have)):
        expected, actual = want.get(rel), have.get(rel)
        if expected == actual:
            continue
        where = package / rel
        if actual is None:
            return f"{where}: missing (run `make generate`)"
        if expected is None:
            return f"{where}: not generated by the spec or the runtime (remove it, or run `make generate`)"
        if isinstance(expected, Path) or isinstance(actual, Path):
            return f"{where}: should link to {expected}, is {actual} (run `make generate`)"
        for number, (a, b) in enumerate(zip(expected.splitlines(), actual.splitlines(), strict=False), 1):
            if a != b:
                return (
                    f"{where}:{number}: differs from a fresh generation (edited by hand? change the spec,"
                    f" the template or runtime/ and run `make generate`)\n  expected: {a[:200]}\n"
                    f"  found:    {b[:200]}"
                )
        return f"{where}: differs from a fresh generation in length (run `make generate`)"
    return None
