"""The generator: a small inline spec generated, imported and used; bad specs fail with their path."""

from __future__ import annotations

import ast
import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from generator.load import SpecError, load
from generator.model import Spec
from generator.render import drift, render_all, runtime_links, write
from tests.conftest import ROOT

MINI_SPEC = {
    "enums.yaml": """
        enums:
          - name: ResponseFormat
            doc: "fmt"
            members:
              - {name: TEXT, value: 0}
              - {name: CSV, value: 1}
              - {name: XML, value: 2}
              - {name: JSON, value: 3}
    """,
    "errors.yaml": """
        errors:
          - {name: AuthError, doc: "Error 2."}
        error_maps:
          ping:
            - {code: 2, error: AuthError, description: "authorise error"}
        models:
          - name: ErrorReply
            doc: "An error."
            fields:
              - {name: code, type: int, doc: "Code."}
              - {name: description, type: str, optional: true, doc: "Text."}
              - {name: id, type: message_id, optional: true, doc: "Id."}
        layouts:
          - name: error
            model: ErrorReply
            doc: "Error."
            fields:
              - {key: error, attr: description, codec: str}
              - {key: error_code, attr: code, codec: int}
              - {key: id, codec: message_id, optional: true}
            text: "ERROR = {error_code} ({error})[, ID - {id}]"
            csv: [{key: id, codec: id_or_zero}, {key: error_code, codec: neg_int}]
        replies:
          - {name: error, layouts: [error]}
    """,
    "ping.yaml": """
        auth:
          - {name: login, wire: login, doc: "Login."}
          - {name: password, wire: psw, sensitive: true, doc: "Password."}
          - {name: api_key, wire: apikey, sensitive: true, doc: "Key."}
        common:
          - {wire: fmt, doc: "Format."}
        models:
          - name: Pong
            doc: "A pong."
            fields:
              - {name: echo, type: str, doc: "What came back."}
              - {name: hops, type: int, doc: "Hops."}
        commands:
          - name: ping
            endpoint: /sys/ping.php
            doc: "Ping the service."
            error_map: ping
            params:
              - {name: word, wire: w, type: str, max_length: 5, required: true, doc: "A word."}
            reply: pong
        layouts:
          - name: pong
            model: Pong
            doc: "Pong."
            fields:
              - {key: echo, codec: str}
              - {key: hops, codec: int}
            text: "PONG {hops} {echo}"
            csv: [hops, echo]
            csv_rest: true
        replies:
          - name: pong
            layouts: [pong]
            examples:
              - {fmt: 1, raw: "3,a,b", value: {echo: "a,b", hops: 3}}
    """,
}

MINI_SPEC = {name: textwrap.dedent(text) for name, text in MINI_SPEC.items()}

USE_IT = """
import smsc
from smsc.testing import MockTransport

echo = MockTransport(default=lambda request: f"2,{request.params['w']}")
client = smsc.Client(login="a", password="b", transport=echo, response_format=smsc.ResponseFormat.CSV)
pong = client.ping("hey")
assert pong == smsc._models.Pong(echo="hey", hops=2), pong
assert [r.path for r in echo.requests] == ["/sys/ping.php"], echo.requests
try:
    client.ping("too long")
except smsc.InvalidRequest as exc:
    print("refused:", exc)
assert len(echo.requests) == 1, "refused before sending"
from smsc import _renderers, _parsers
assert _parsers.parse_pong(_renderers.render_pong(pong, 0).encode(), 0, {}) == pong
print("ok", pong.echo, pong.hops)
"""


def _write_spec(root: Path, files: dict[str, str]) -> Path:
    spec_dir = root / "spec"
    spec_dir.mkdir()
    for name, text in files.items():
        (spec_dir / name).write_text(text, encoding="utf-8")
    return spec_dir


def test_a_small_spec_generates_an_importable_working_package(tmp_path: Path) -> None:
    spec = load(_write_spec(tmp_path, MINI_SPEC))
    out = tmp_path / "out" / "smsc"
    write(render_all(spec), out)
    assert write(render_all(spec), out) == []  # idempotent: nothing changes the second time
    first_line = (out / "_parsers.py").read_text().splitlines()[0]
    assert "DO NOT EDIT" in first_line and "spec/ping.yaml" in first_line
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out")}
    done = subprocess.run([sys.executable, "-c", USE_IT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: word: has 8 characters; at most 5" in done.stdout and "ok hey 2" in done.stdout


def test_generation_is_deterministic_and_matches_the_committed_package() -> None:
    spec = load(ROOT / "spec")
    assert render_all(spec) == render_all(load(ROOT / "spec"))
    assert drift(spec, ROOT / "generated" / "smsc") is None


def _fresh_package(tmp_path: Path) -> tuple[Spec, Path]:
    spec = load(ROOT / "spec")
    out = tmp_path / "smsc"
    write(render_all(spec), out)
    assert drift(spec, out) is None
    return spec, out


def test_drift_names_the_file_and_line_of_a_hand_edit(tmp_path: Path) -> None:
    spec, out = _fresh_package(tmp_path)
    lines = (out / "_parsers.py").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = "# an edit by hand\n"
    (out / "_parsers.py").write_text("".join(lines), encoding="utf-8")
    problem = drift(spec, out)
    assert problem is not None and f"{out / '_parsers.py'}:10: differs" in problem and "an edit by hand" in problem


def test_drift_names_a_runtime_module_that_was_not_regenerated(tmp_path: Path) -> None:
    spec, out = _fresh_package(tmp_path)
    (out / "_http.py").unlink()  # as if runtime/smsc/_http.py were new and `make generate` not run
    assert drift(spec, out) == f"{out / '_http.py'}: missing (run `make generate`)"
    (out / "_http.py").write_text("copied by hand\n", encoding="utf-8")  # a copy instead of the link
    problem = drift(spec, out)
    assert problem is not None and "should link to" in problem and "runtime/smsc/_http.py" in problem
    (out / "_http.py").unlink()
    (out / "stray.py").write_text("", encoding="utf-8")
    problem = drift(spec, out)
    assert problem is not None and "_http.py: missing" in problem
    write(render_all(spec), out)  # regeneration repairs the link and removes the stray file
    assert drift(spec, out) is None and not (out / "stray.py").exists()


def test_the_runtime_is_linked_never_copied() -> None:
    package = ROOT / "generated" / "smsc"
    for rel, source in runtime_links(render_all(load(ROOT / "spec"))).items():
        assert (package / rel).is_symlink(), rel
        assert (package / rel).resolve() == source.resolve()
    assert (package / "emulator").is_symlink()  # wholly hand-written: one link for the directory
    assert not (package / "smpp").is_symlink() and (package / "smpp" / "_client.py").is_symlink()


BAD_SPECS = [
    (
        "ping.yaml",
        ("hops, codec: int}", "hops, codec: integer}"),
        "ping.yaml: $.layouts[pong].fields[1].codec: unknown codec 'integer'",
    ),
    (
        "ping.yaml",
        ("max_length: 5", "max_length: five"),
        "ping.yaml: invalid value for type, expected int | None @ $.commands[0].params[0].max_length",
    ),
    (
        "ping.yaml",
        ('doc: "Ping the service."', 'doc: "Ping."\n    colour: red'),
        "extra fields found (colour) @ $.commands[0]",
    ),
    ("ping.yaml", ("csv: [hops, echo]", "csv: [hops, echoes]"), "$.layouts[pong].csv[1]: 'echoes' is not a field key"),
    ("ping.yaml", ("reply: pong", "reply: pang"), "$.commands[ping].reply: unknown reply 'pang'"),
    ("errors.yaml", ("error: AuthError,", "error: AuthFailure,"), "$.error_maps[ping][0].error: unknown error class"),
    (
        "ping.yaml",
        ('type: int, doc: "Hops."', 'type: integer, doc: "Hops."'),
        "$.models[Pong].fields[1].type: unknown type",
    ),
]


@pytest.mark.parametrize(("file", "change", "message"), BAD_SPECS)
def test_a_malformed_spec_fails_with_file_and_key_path(
    tmp_path: Path, file: str, change: tuple[str, str], message: str
) -> None:
    files = dict(MINI_SPEC)
    assert change[0] in files[file]
    files[file] = files[file].replace(*change)
    with pytest.raises(SpecError) as caught:
        load(_write_spec(tmp_path, files))
    assert message in str(caught.value)
    assert file in str(caught.value)


def test_duplicate_names_across_files_are_refused(tmp_path: Path) -> None:
    files = {**MINI_SPEC, "zz.yaml": "models:\n  - {name: Pong, doc: x, fields: []}\n"}
    expected = r"spec/zz.yaml: \$.models\[0\]: duplicate name 'Pong', first in spec/ping.yaml"
    with pytest.raises(SpecError, match=expected):
        load(_write_spec(tmp_path, files))


def _generated_modules() -> dict[str, str]:
    return render_all(load(ROOT / "spec"))


def _dead_code(tree: ast.AST) -> list[int]:
    """Lines of statements that cannot run: after a return, raise, continue or break in the same block,
    or under a constant `if` condition."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Constant):
            lines.append(node.lineno)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list):
                continue
            for before, after in itertools.pairwise(block):
                if isinstance(before, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                    lines.append(after.lineno)
    return lines


def test_generated_code_reads_like_code_a_person_wrote() -> None:
    """Formatted by ruff, no line over 120 characters, no `if True:`, no statement that cannot run,
    no empty docstring section."""
    modules = _generated_modules()
    for rel, text in modules.items():
        assert _dead_code(ast.parse(text)) == [], f"{rel}: statements that cannot run"
    assert _dead_code(ast.parse("def f():\n    return 1\n    x = 2\n")) == [3]  # the check can fail
    assert {"_parsers.py", "_renderers.py", "_client.py", "_builders.py"} <= set(modules)
    for rel, text in modules.items():
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            assert len(line) <= 120, f"{rel}:{number} has {len(line)} characters"
            assert "if True:" not in line, f"{rel}:{number}: {line.strip()}"
            if line.strip() in ("Args:", "Attributes:", "Raises:", "Returns:"):
                following = lines[number] if number < len(lines) else ""
                assert following.strip() not in ("", '"""'), f"{rel}:{number}: empty {line.strip()} section"


def test_generated_modules_are_what_ruff_format_makes_of_them(tmp_path: Path) -> None:
    modules = _generated_modules()
    for rel, text in modules.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = str(ROOT / "pyproject.toml")
    for args in (["format", "--check"], ["check", "--no-fix"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--config", config, "--no-cache", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _assert_made_as_the_model_makes_it(value: Any, seen: set[str]) -> None:
    import attrs

    cls = type(value)
    seen.add(cls.__name__)
    kwargs = {f.name: getattr(value, f.name) for f in attrs.fields(cls)}
    for item in kwargs.values():
        if attrs.has(type(item)):
            _assert_made_as_the_model_makes_it(item, seen)
    plain = cls(**kwargs)
    assert value == plain and repr(value) == repr(plain) and hash(value) == hash(plain)
    assert attrs.asdict(value) == attrs.asdict(plain)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        value.__setattr__(attrs.fields(cls)[0].name, None)


def test_parsed_values_are_the_frozen_values_the_models_make() -> None:
    """The parsers set a new instance's attributes without attrs' __init__, for speed; what they make is
    indistinguishable from the model's own construction: every documented reply of every format."""
    from smsc import _parsers
    from tests.conftest import SPEC

    seen: set[str] = set()
    for reply in SPEC.replies.values():
        if reply.name == "error" or reply.bare:
            continue
        parse = getattr(_parsers, f"parse_{reply.name}")
        for example in reply.examples:
            raw = example.raw.encode("utf-8")
            if reply.context and not reply.multi:
                parsed = parse(raw, example.fmt, {}, example.context)
            else:
                parsed = parse(raw, example.fmt, {})
            for value in parsed if reply.multi else [parsed]:
                _assert_made_as_the_model_makes_it(value, seen)
    assert {"SendResult", "Status", "HlrInfo", "Balance", "Cost"} <= seen


def test_every_codec_kind_has_its_runtime_functions() -> None:
    """A codec kind of generator/model.py reads with p_<kind>, writes with r_<kind> and, with a JSON form, j_<kind>."""
    from generator.model import CODEC_KINDS
    from smsc import _codec

    for kind in CODEC_KINDS.values():
        wanted = [f"p_{kind.name}", f"r_{kind.name}"] + ([f"j_{kind.name}"] if kind.json else [])
        assert [name for name in wanted if not callable(getattr(_codec, name, None))] == [], kind.name


WHEN_SPEC = """
    models:
      - name: Echo
        doc: "An echo."
        fields:
          - {name: word, type: str, doc: "The word."}
          - {name: note, type: str, optional: true, doc: "A note."}
    layouts:
      - name: plain
        model: Echo
        doc: "A word."
        fields: [{key: word, codec: str}]
        text: "W {word}"
        csv: [word]
      - name: noted
        model: Echo
        doc: "A word and its note."
        when: note
        fields: [{key: word, codec: str}, {key: note, codec: str}]
        text: "W {word} N {note}"
        csv: [word, note]
    replies:
      - {name: echo, layouts: [noted, plain]}
      - {name: echo_plain_first, layouts: [plain, noted]}
      - {name: echo_noted, layouts: [noted]}
"""

USE_WHEN = """
import smsc
from smsc import _models, _parsers, _renderers
bare, noted = _models.Echo(word="a"), _models.Echo(word="a", note="b")
for render in (_renderers.render_echo, _renderers.render_echo_plain_first):
    assert render(noted, 0) == "W a N b" and render(bare, 0) == "W a" and render(noted, 1) == "a,b"
assert _parsers.parse_echo(b"W a N b", 0, {}) == noted and _parsers.parse_echo(b"a", 1, {}) == bare
assert _renderers.render_echo_noted(noted, 3) == '{"word": "a", "note": "b"}'
try:
    _renderers.render_echo_noted(bare, 0)
except ValueError as exc:
    print("refused:", exc)
"""


def test_layouts_with_when_render_first_and_a_reply_without_a_plain_layout_refuses(tmp_path: Path) -> None:
    """A layout with `when` is rendered when its attribute is set, whatever its place; one without is the rest."""
    spec = load(_write_spec(tmp_path, {**MINI_SPEC, "when.yaml": textwrap.dedent(WHEN_SPEC)}))
    modules = render_all(spec)
    for rel, text in modules.items():
        assert _dead_code(ast.parse(text)) == [], rel
    write(modules, tmp_path / "out" / "smsc")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out")}
    done = subprocess.run([sys.executable, "-c", USE_WHEN], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: no layout of the echo_noted reply fits Echo(word='a', note=None)" in done.stdout


def test_a_template_that_renders_invalid_python_is_named_with_its_line() -> None:
    from generator.format import FormatError, format_modules

    with pytest.raises(FormatError, match=r"_parsers.py:2: a template rendered invalid Python .*: def f\(:"):
        format_modules({"_parsers.py": '"""A module."""\ndef f(:\n    pass\n'})
