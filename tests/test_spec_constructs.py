"""The spec language's constructs for lists and management commands, in a small generated package.

JSON-only layouts (`formats: [3]`) and commands that request one format (`fmt:`), bare replies
(`bare: OK`), lists whose error code means "no records" (`empty_code`) or whose records sit under
a key (`records_key`), paged lists (`pages:`), grouped methods (`group:`/`method:`) and checks
across parameters (`one_of`, `any_of`, `span`, the `date` type).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.load import SpecError, load
from generator.render import render_all, write
from tests.test_generator import MINI_SPEC

ITEMS_SPEC = textwrap.dedent(
    """
    models:
      - name: Item
        doc: "An item."
        fields:
          - {name: id, type: int, doc: "Id."}
          - {name: label, type: str, optional: true, doc: "Label."}
      - name: Created
        doc: "A new id."
        fields:
          - {name: id, type: int, doc: "Id."}
    commands:
      - name: items_list
        group: items
        method: list
        endpoint: /sys/items.php
        doc: "Every item, page by page."
        error_map: ping
        fixed: {get: "1"}
        fmt: 3
        params:
          - {name: after, wire: after_id, type: int, min: 0, max: 1000000, doc: "After this id."}
          - {name: page_size, wire: cnt, type: int, min: 1, max: 3, doc: "Per page."}
          - {name: since, wire: since, type: date, doc: "Since this day."}
        pages: {cursor: after, next: id, size: page_size, max: 3}
        reply: items
      - name: items_add
        group: items
        method: add
        endpoint: /sys/items.php
        doc: "Add an item."
        error_map: ping
        fixed: {add: "1"}
        fmt: 3
        params:
          - {name: label, wire: label, type: str, max_length: 20, doc: "Label."}
          - {name: code, wire: code, type: int, min: 1, max: 9, doc: "Code."}
        one_of: [label, code]
        reply: created
        returns: id
      - name: items_touch
        group: items
        method: touch
        endpoint: /sys/items.php
        doc: "Touch items."
        error_map: ping
        params:
          - {name: start, wire: start, type: date, doc: "From."}
          - {name: end, wire: end, type: date, doc: "To."}
          - {name: note, wire: note, type: str, max_length: 5, doc: "Note."}
        any_of: [start, note]
        span: {start: start, end: end, max_days: 10}
        reply: done
      - name: zones
        endpoint: /sys/zones.php
        doc: "Zones."
        error_map: ping
        fmt: 3
        params: []
        reply: zones
    layouts:
      - name: item
        model: Item
        doc: "An item (JSON)."
        formats: [3]
        fields:
          - {key: id, codec: int}
          - {key: label, codec: str, optional: true}
      - name: created
        model: Created
        doc: "Created (JSON)."
        formats: [3]
        fields:
          - {key: id, codec: int}
    replies:
      - {name: items, layouts: [item], multi: {}, empty_code: 3}
      - {name: zones, layouts: [item], multi: {}, records_key: zones}
      - {name: created, layouts: [created]}
      - {name: done, bare: OK}
    """
)

USE_IT = """
import datetime, json
import smsc
D = datetime.date
from smsc import _renderers

ITEMS = [smsc._models.Item(id=i, label=f"n{i}") for i in range(1, 8)]
from smsc.testing import MockTransport

def answer(request):
    path, f = request.path, request.params
    assert f["fmt"] == ("3" if path != "/sys/items.php" or "add" in f or "get" in f else "0"), f
    if path == "/sys/zones.php":
        return _renderers.render_zones(ITEMS[:2], 3)
    if "get" in f:
        after, cnt = int(f.get("after_id", 0)), int(f["cnt"])
        page = [i for i in ITEMS if i.id > after][:cnt]
        if not page:
            return b'{"error": "no records", "error_code": 3}'
        return _renderers.render_items(page, 3)
    if "add" in f:
        return b'{"id": 42}'
    return _renderers.render_done(0)

mock = MockTransport(default=answer)
calls = mock.requests  # what the client asked, in order (cleared between checks)
client = smsc.Client(login="a", password="b", transport=mock, response_format=smsc.ResponseFormat.TEXT)
pages = client.items.list(page_size=3)
assert calls == []  # nothing is fetched before the first record is wanted
assert [i.id for i in pages] == [1, 2, 3, 4, 5, 6, 7]
assert [int(r.params.get("after_id", 0)) for r in calls] == [0, 3, 6]  # a short page is the last
calls.clear()
assert [i.id for i in client.items.list(after=2, limit=4)] == [3, 4, 5, 6]
assert [r.params["cnt"] for r in calls] == ["3", "1"]
calls.clear()
assert [i.id for i in client.items.list(page_size=2, limit=5)] == [1, 2, 3, 4, 5]
assert [(r.params.get("after_id"), r.params["cnt"]) for r in calls] == [(None, "2"), ("2", "2"), ("4", "1")]
calls.clear()
assert list(client.items.list(after=7)) == [] and len(calls) == 1  # error 3: no records, an empty list
calls.clear()
assert [i.id for i in client.items.list(page_size=1)] == list(range(1, 8)) and len(calls) == 8  # 7 full pages, 1 empty
assert client.items.list(since=datetime.date(2024, 5, 20), page_size=3) is not None
for bad, message in [
    (lambda: client.items.list(page_size=4), "page_size: 4 is outside 1..3"),
    (lambda: client.items.list(limit=0), "limit: 0 is outside"),
    (lambda: client.items.list(since=datetime.datetime(2024, 5, 20)), "since: give a datetime.date"),
    (lambda: client.items.add(), "give exactly one of label, code (got none)"),
    (lambda: client.items.add(label="x", code=1), "give exactly one of label, code (got label, code)"),
    (lambda: client.items.touch(), "give at least one of start, note"),
    (lambda: client.items.touch(start=D(2024, 5, 20), end=D(2024, 5, 1)), "end: 2024-05-01 is before start"),
    (lambda: client.items.touch(start=D(2024, 5, 1), end=D(2024, 5, 20)), "end: at most 10 days"),
]:
    calls.clear()
    try:
        bad()
    except smsc.InvalidRequest as exc:
        assert message in str(exc), (str(exc), message)
        assert calls == []
    else:
        raise AssertionError(message)
assert client.items.add(label="x") == 42
assert client.items.touch(note="hi") is None
assert calls[-1].params["fmt"] == "0"  # a bare reply reads in any format: the client's own is used
assert [z.id for z in client.zones()] == [1, 2]
assert json.loads(_renderers.render_zones(ITEMS[:1], 0)) == {"zones": [{"id": 1, "label": "n1"}]}
assert type(client.items).__name__ == "Items" and client.items is client.items
print("ok")
"""


def _generate(tmp_path: Path, extra: str) -> Path:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for name, text in {**MINI_SPEC, "items.yaml": extra}.items():
        (spec_dir / name).write_text(text, encoding="utf-8")
    write(render_all(load(spec_dir)), tmp_path / "out" / "smsc")
    return tmp_path / "out"


def test_list_and_management_constructs_work_in_a_generated_package(tmp_path: Path) -> None:
    out = _generate(tmp_path, ITEMS_SPEC)
    env = {**os.environ, "PYTHONPATH": str(out)}
    done = subprocess.run([sys.executable, "-c", USE_IT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    fmt: 3\n    params:\n      - {name: after",
            "    params:\n      - {name: after",
            "exists only in formats [3]: name the one to request",
        ),
        (
            "formats: [3]\n    fields:\n      - {key: id, codec: int}\n      - {key: label",
            "formats: [2, 3]\n    fields:\n      - {key: id, codec: int}\n      - {key: label",
            "in JSON only",
        ),
        ("{name: done, bare: OK}", "{name: done, bare: OK, layouts: [item]}", "without layouts or multi"),
        (
            "{name: zones, layouts: [item], multi: {}, records_key: zones}",
            "{name: zones, layouts: [item], records_key: zones}",
            "belong to multi replies",
        ),
        (
            "pages: {cursor: after, next: id, size: page_size, max: 3}",
            "pages: {cursor: after, next: nope, size: page_size, max: 3}",
            "'nope' is not an attribute",
        ),
        (
            "pages: {cursor: after, next: id, size: page_size, max: 3}",
            "pages: {cursor: since, next: id, size: page_size, max: 3}",
            "'since' is not an optional int parameter",
        ),
        (
            "pages: {cursor: after, next: id, size: page_size, max: 3}",
            "pages: {cursor: after, next: id, size: page_size, max: 4}",
            "equal the max of 'page_size'",
        ),
        ("one_of: [label, code]", "one_of: [label, nothing]", "'nothing' is not an optional parameter"),
        (
            "span: {start: start, end: end, max_days: 10}",
            "span: {start: note, end: end, max_days: 10}",
            "'note' is not a date parameter",
        ),
        ("    method: touch\n", "    method: add\n", "the same method as command 'items_add'"),
    ],
)
def test_malformed_constructs_fail_with_their_path(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in ITEMS_SPEC
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for name, text in {**MINI_SPEC, "items.yaml": ITEMS_SPEC.replace(old, new, 1)}.items():
        (spec_dir / name).write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load(spec_dir)
    assert "spec/items.yaml" in str(caught.value) and message in str(caught.value)
