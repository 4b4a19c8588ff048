"""The documentation: the site builds with --strict, every public name and spec key is described, references resolve."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import attrs
import griffe
import pytest

import generator.model
from tests.conftest import ROOT

PUBLIC_MODULES = (
    "smsc",
    "smsc.text",
    "smsc.emulator",
    "smsc.smpp",
    "smsc.callbacks",
    "smsc.bulk",
    "smsc.celery",
    "smsc.testing",
)
ADAPTERS = tuple(
    f"smsc.callbacks.{name}" for name in ("wsgi", "asgi", "django", "flask", "starlette", "fastapi", "aiohttp")
)
REFERENCE = ROOT / "docs" / "reference"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with --strict (a broken link or a docstring griffe cannot read fails it)."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    run = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stderr[-4000:]}"
    return out


def inventory(site: Path) -> set[str]:
    """Object names in the site's objects.inv (Sphinx inventory version 2)."""
    data = (site / "objects.inv").read_bytes()
    header, _, body = data.partition(b"compressed using zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2"), header[:60]
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines() if line}


@functools.cache
def load(module: str) -> griffe.Module:
    """The module as the API reference sees it: read from the source, never imported (extras may be missing)."""
    loaded = griffe.load(module, search_paths=[str(ROOT / "generated")], resolve_aliases=True)
    assert isinstance(loaded, griffe.Module)
    return loaded


def exported(module: str) -> list[str]:
    """The module's public names: its __all__, or else what it defines without a leading underscore."""
    package = load(module)
    if package.exports is not None:
        names = [name if isinstance(name, str) else name.name for name in package.exports]
    else:
        names = [n for n, m in package.members.items() if not n.startswith("_") and not m.is_alias]
    assert names, f"{module} has no public names"
    return names


def test_site_builds_and_lists_every_public_name(site: Path) -> None:
    names = inventory(site)
    missing = [f"{m}.{n}" for m in PUBLIC_MODULES for n in exported(m) if f"{m}.{n}" not in names]
    assert not missing, f"public names without an entry in the API reference: {missing}"
    for page in ("index", "design", "api-reference", "spec-language"):
        assert (site / page / "index.html" if page != "index" else site / "index.html").is_file(), page


def test_every_public_subpackage_is_in_the_reference() -> None:
    runtime = ROOT / "runtime" / "smsc"
    packages = {p.parent.name for p in runtime.glob("*/__init__.py")}
    modules = {p.stem for p in runtime.glob("*.py")}
    public = {f"smsc.{name}" for name in packages | modules if not name.startswith("_")}
    assert public - {"smsc.cli"} <= set(PUBLIC_MODULES), "add the new public module to docs/reference/ and here"


def test_every_public_module_has_a_reference_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.md"))
    documented = set(re.findall(r"^::: (\S+)", pages, re.MULTILINE))
    assert documented == {*PUBLIC_MODULES, *ADAPTERS}


def _undocumented(obj: griffe.Object | griffe.Alias, where: str) -> list[str]:
    target = obj.final_target if isinstance(obj, griffe.Alias) else obj
    found = [] if target.docstring and target.docstring.value.strip() else [where]
    if target.is_class:
        for name, member in target.members.items():
            if name.startswith("_") or member.is_attribute:
                continue  # attributes are documented in the class docstring's Attributes section
            member_target = member.final_target if isinstance(member, griffe.Alias) else member
            if not (member_target.docstring and member_target.docstring.value.strip()):
                found.append(f"{where}.{name}")
    return found


def test_every_public_name_has_a_docstring() -> None:
    missing: list[str] = []
    for module in PUBLIC_MODULES:
        for name in exported(module):
            missing += _undocumented(load(module)[name], f"{module}.{name}")
    assert not missing, f"public names and methods without a docstring: {missing}"


_DOC_REF = re.compile(r"docs/([\w-]+)\.md(?:#([\w-]+))?")
_OUTSIDE = re.compile(r"\.\./shared/|\bshared/[\w-]+\.md|smsc-api\.md|transports\.md|seed-examples\.md")


def _sources() -> list[Path]:
    roots = [ROOT / "spec", ROOT / "runtime", ROOT / "generator", ROOT / "tests", ROOT / "bench"]
    files = [p for root in roots for p in root.rglob("*") if p.suffix in (".yaml", ".py", ".j2")]
    return [*files, ROOT / "README.md", ROOT / "CHANGELOG.md"]


def test_references_to_the_docs_lead_somewhere(site: Path) -> None:
    broken = []
    for path in _sources():
        for page, anchor in _DOC_REF.findall(path.read_text(encoding="utf-8")):
            html = site / page / "index.html"
            if not html.is_file() or (anchor and f'id="{anchor}"' not in html.read_text(encoding="utf-8")):
                broken.append(f"{path.relative_to(ROOT)}: docs/{page}.md{'#' + anchor if anchor else ''}")
    assert not broken, f"references to pages or anchors that do not exist: {broken}"


def test_nothing_points_outside_the_repository() -> None:
    me = Path(__file__).resolve()
    outside = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in _sources()
        if path.resolve() != me
        for m in _OUTSIDE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not outside, f"references to documents outside the repository: {outside}"


def test_the_spec_language_page_names_every_key() -> None:
    """Every field of the spec's model classes is a YAML key; docs/spec-language.md must describe it."""
    page = (ROOT / "docs" / "spec-language.md").read_text(encoding="utf-8")
    not_keys = {"Spec", "CodecKind", "Codec"}  # the merged spec and the codec objects are not written in YAML
    missing = [
        f"{name}.{field.name}"
        for name, cls in vars(generator.model).items()
        if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == generator.model.__name__
        if name not in not_keys
        for field in attrs.fields(cls)
        if f"`{field.name}`" not in page
    ]
    assert not missing, f"spec keys that docs/spec-language.md does not describe: {missing}"
