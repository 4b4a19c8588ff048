"""docs/spec.schema.json: exported from generator/model.py, current, and every spec file validates against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.__main__ import main
from generator.schema import schema_text, spec_schema
from tests.conftest import ROOT
from tests.test_generator import MINI_SPEC

SCHEMA_FILE = ROOT / "docs" / "spec.schema.json"
SPEC_FILES = sorted((ROOT / "spec").rglob("*.yaml"))


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_checked_in_schema_is_the_model_s() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()
    assert set(spec_schema()["properties"]) >= {"commands", "layouts", "replies", "models", "enums", "smpp", "text"}


@pytest.mark.parametrize("path", SPEC_FILES, ids=[str(p.relative_to(ROOT)) for p in SPEC_FILES])
def test_every_spec_file_validates(path: Path) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(yaml.safe_load(path.read_text()))
    ]
    assert errors == []


def test_the_schema_describes_what_the_model_says() -> None:
    defs = spec_schema()["$defs"]
    layout_field = defs["LayoutField"]
    assert layout_field["required"] == ["key"] and layout_field["additionalProperties"] is False
    assert "JSON key" in layout_field["properties"]["key"]["description"]  # the comment beside the field
    assert "money" in defs["Codec"]["pattern"] and "enum:" in defs["Codec"]["pattern"]


BAD = [
    ("ping.yaml", ("hops, codec: int}", "hops, codec: integer}"), ["layouts", 0, "fields", 1, "codec"]),
    ("ping.yaml", ('doc: "Ping the service."', 'doc: "Ping."\n    colour: red'), ["commands", 0]),
    ("ping.yaml", ("max_length: 5", "max_length: five"), ["commands", 0, "params", 0, "max_length"]),
]


def test_the_small_spec_validates() -> None:
    validator = _validator()
    for name, text in MINI_SPEC.items():
        assert list(validator.iter_errors(yaml.safe_load(text))) == [], name


@pytest.mark.parametrize(("file", "change", "where"), BAD)
def test_a_malformed_file_is_refused_where_it_is_wrong(file: str, change: tuple[str, str], where: list[Any]) -> None:
    assert change[0] in MINI_SPEC[file]
    document = yaml.safe_load(MINI_SPEC[file].replace(*change))
    paths = [list(e.absolute_path) for e in _validator().iter_errors(document)]
    # an item of a list that YAML aliases may nest is an anyOf: its error is reported at the item
    assert any(len(path) >= 2 and where[: len(path)] == path for path in paths), paths


def test_a_stale_schema_is_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "spec.schema.json"
    stale.write_text(schema_text().replace('"LayoutField"', '"Field"', 1), encoding="utf-8")
    assert main(["--check", "--schema-file", str(stale)]) == 1
    assert f"drift: {stale}: not the schema of generator/model.py" in capsys.readouterr().err
    stale.unlink()
    assert main(["--check", "--schema-file", str(stale)]) == 1
    assert "missing (run `make generate`)" in capsys.readouterr().err
