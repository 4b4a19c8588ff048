"""The builders' shortcuts for the usual send give what the general checks give, errors in the same order."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
from attrs import evolve
from hypothesis import example, given, settings
from hypothesis import strategies as st

import smsc
from generator.load import load
from generator.render import render_all, write
from generator.views import param_views
from smsc import _builders, _params
from smsc._request import Request, new_request
from smsc.text._estimate import estimate
from tests.conftest import ROOT


def _general_phones(value: Any, kind: str) -> str:
    """The recipients as the general path of _params.phones gives them (one _one_recipient per item)."""
    items = [value] if isinstance(value, str) else value
    if not items:
        raise _params._bad("phones", "no recipients")
    out = []
    for item in items:
        if isinstance(item, str) and ("," in item or ";" in item):
            raise _params._bad("phones", f"{item!r} holds several recipients: pass them as a list")
        out.append(_params._one_recipient(item, "phones", kind))
    return ",".join(out)


def _outcome(call: Any, *args: Any) -> tuple[str, str]:
    try:
        return ("ok", call(*args))
    except smsc.InvalidRequest as exc:
        return ("error", str(exc))


class _Text(str):
    """A str subclass: never taken by the shortcuts (they test the exact type)."""


RECIPIENT = st.text(alphabet="+0123456789 -()٣²\n,;@#Gab", max_size=18)


@settings(max_examples=300, deadline=None)
@given(recipient=RECIPIENT, kind=st.sampled_from(["phone", "mail", "telegram"]))
@example(recipient="+77011234567", kind="phone")
@example(recipient="77011234567", kind="phone")
@example(recipient="+123456", kind="phone")  # 6 digits: too short
@example(recipient="1234567", kind="phone")
@example(recipient="+1234567890123456", kind="phone")  # 16 digits: too long
@example(recipient="٣٣٣٣٣٣٣٣", kind="phone")  # digits of another script
@example(recipient=" +77011234567", kind="phone")
@example(recipient="+77011234567\n", kind="phone")
def test_phones_shortcut_equals_the_general_check(recipient: str, kind: str) -> None:
    for value in (recipient, [recipient], (recipient,), [recipient, recipient], [_Text(recipient)]):
        assert _outcome(_params.phones, value, "phones", kind) == _outcome(_general_phones, value, kind)


@pytest.mark.parametrize("value", [12345, 1, _params.MAX_ID, 0, -1, _params.MAX_ID + 1, True, False, "abc", "0", None])
def test_message_id_shortcut_keeps_every_refusal(value: Any) -> None:
    expected = {12345: "12345", 1: "1", _params.MAX_ID: str(_params.MAX_ID), "abc": "abc"}
    if value in expected and not isinstance(value, bool):
        assert _params.message_id(value, "id") == expected[value]
    else:
        with pytest.raises(smsc.InvalidRequest, match=r"^id: "):
            _params.message_id(value, "id")


@pytest.mark.parametrize("text", ["Hello", "Привет", "", "x" * 1000, "x" * 1001, "a\ud800b"])
@pytest.mark.parametrize("allow_empty", [False, True])
def test_message_checks(text: str, allow_empty: bool) -> None:
    refused = (not text and not allow_empty) or len(text) > 1000 or "\ud800" in text
    if refused:
        with pytest.raises(smsc.InvalidRequest, match=r"^message: "):
            _params.message(text, "message", allow_empty)
    else:
        assert _params.message(text, "message", allow_empty) is text


@pytest.mark.parametrize("kind", list(smsc.MessageFormat))
def test_every_format_sets_its_wire_fields_and_its_recipients(kind: smsc.MessageFormat) -> None:
    recipient = {smsc.MessageFormat.MAIL: "user@example.com", smsc.MessageFormat.TELEGRAM: "@some_user"}
    phone = recipient.get(kind, "+77011234567")
    text = "" if kind in (smsc.MessageFormat.HLR, smsc.MessageFormat.PING) else "Hi"
    for build in (_builders.build_send, _builders.build_cost):
        request = build([phone], text, format=kind)
        assert request.fields == [("cost", request.fields[0][1]), ("phones", phone), ("mes", text), *kind.wire]
    if not text:
        with pytest.raises(smsc.InvalidRequest, match="message: is empty"):
            _builders.build_send([phone], "", format=smsc.MessageFormat.SMS)


@pytest.mark.parametrize("bad", [0, 1, "sms", None, 1.0, [0]])  # 0 and 1 equal MessageFormat members as ints
def test_a_format_that_is_not_a_message_format_is_refused(bad: Any) -> None:
    refusal = f"format: {bad!r} is not a smsc.MessageFormat"
    for build in (_builders.build_send, _builders.build_cost):
        with pytest.raises(smsc.InvalidRequest) as caught:
            build(["+77011234567"], "Hi", format=bad)
        assert str(caught.value) == refusal
    with pytest.raises(smsc.InvalidRequest) as caught:
        _builders.build_mailings_create("m", ["+77011234567"], message="Hi", format=bad)
    assert str(caught.value) == refusal
    with pytest.raises(smsc.InvalidRequest) as caught:
        estimate(["+77011234567"], "Hi", format=bad)
    assert str(caught.value) == refusal


def test_the_format_is_checked_where_it_was_first_needed() -> None:
    # after the arguments checked before the recipients, before the recipients and everything after them
    with pytest.raises(smsc.InvalidRequest, match=r"^files: "):
        _builders.build_send(["12"], "", format="x", files="a.txt")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match=r"^name: "):
        _builders.build_mailings_create("n" * 201, ["12"], message="", format="x")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match=r"^give exactly one of message, template"):
        _builders.build_mailings_create("n", ["12"], format="x")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match=r"^format: "):
        _builders.build_send(["12"], "", sender="TwelveChars1", id=0, format="x")  # type: ignore[arg-type]


def test_new_request_equals_the_attrs_constructor_and_is_as_frozen() -> None:
    fields = [("cost", "3"), ("phones", "+77011234567")]
    files = [smsc.Attachment("a.txt", b"1", "text/plain")]
    for made, expected in ((new_request(fields, files), Request(fields, files)), (new_request([], []), Request([]))):
        assert made == expected and repr(made) == repr(expected) and type(made) is Request
    request = new_request(fields, [])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.fields = []  # type: ignore[misc]
    assert not hasattr(request, "__dict__")
    assert request.value("phones") == "+77011234567" and request.files == []


def test_client_methods_pass_the_builder_its_arguments_in_its_order() -> None:
    from smsc.testing import MockTransport

    rec = MockTransport(b'{"id": 7, "cnt": 1, "cost": "1.00", "balance": "9.00"}')
    with smsc.Client(login="demo", password="pw", transport=rec) as client:
        client.send(
            "+77011234567", "Hi", sender="Shop", tz=3, time="0101301200", max_parts=2, tinyurl=True, id=7, subject="S"
        )
    sent = dict(rec.requests[0].fields)
    assert {k: sent[k] for k in ("phones", "mes", "sender", "tz", "time", "maxsms", "tinyurl", "id", "subj")} == {
        "phones": "+77011234567",
        "mes": "Hi",
        "sender": "Shop",
        "tz": "3",
        "time": "0101301200",
        "maxsms": "2",
        "tinyurl": "1",
        "id": "7",
        "subj": "S",
    }


SENDER_FIRST = textwrap.dedent(
    """
    from smsc import _builders as b
    for args in ({"sender": "Shop"}, {}):
        try:
            b.build_send(["12"], "", format="x", **args)
        except Exception as exc:
            print(type(exc).__name__, exc)
    print(b.build_send(["user@example.com"], "Hi", sender="shop@example.com", format=b.MessageFormat.MAIL).fields)
    """
)


def test_an_optional_use_before_the_check_checks_the_format_itself(tmp_path: Path) -> None:
    spec = load(ROOT / "spec")
    send = spec.commands["send"]
    params = sorted(send.params, key=lambda p: p.name != "sender")  # an optional sender before the recipients
    spec = evolve(spec, commands={**spec.commands, "send": evolve(send, params=params)})
    views = param_views(spec.commands["send"])
    assert [v.name for v in views if v.checks_format] == ["phones"]
    assert [v.name for v in views if not v.format_checked] == ["sender"]
    write(render_all(spec), tmp_path / "smsc")
    source = (tmp_path / "smsc" / "_builders.py").read_text()
    assert '_p.sender(sender, "sender", _format_facts(format)[0])' in source
    done = subprocess.run(
        [sys.executable, "-c", SENDER_FIRST],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "InvalidRequest format: 'x' is not a smsc.MessageFormat",
        "InvalidRequest format: 'x' is not a smsc.MessageFormat",
        "[('cost', '3'), ('sender', 'shop@example.com'), ('phones', 'user@example.com'), ('mes', 'Hi'), ('mail', '1')]",
    ]
