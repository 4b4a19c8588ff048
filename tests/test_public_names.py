"""The public names of `smsc` are exactly the documented ones: adding or removing one is a decision made here."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import smsc

DOCUMENTED = {
    # the client and its configuration
    "Client": "smsc._client",
    "AsyncClient": "smsc._async_client",
    "AsyncHttpTransport": "smsc._aiohttp",
    "RetryPolicy": "smsc._retry",
    "HttpTransport": "smsc._http",
    "SmtpTransport": "smsc._smtp",
    "SoapTransport": "smsc._soap",
    "AsyncSoapTransport": "smsc._soap",
    "Attachment": "smsc._attachments",
    # results
    "SendResult": "smsc._models",
    "Cost": "smsc._models",
    "Status": "smsc._models",
    "HlrInfo": "smsc._models",
    "Balance": "smsc._models",
    "Estimate": "smsc._models",
    "SentMessage": "smsc._models",
    "InboxMessage": "smsc._models",
    "Price": "smsc._models",
    "Operator": "smsc._models",
    "Contact": "smsc._models",
    "ContactGroup": "smsc._models",
    "Template": "smsc._models",
    "Sender": "smsc._models",
    "Segments": "smsc.text._segments",
    "to_dict": "smsc._convert",
    "from_dict": "smsc._convert",
    # enums and types
    "ResponseFormat": "smsc._enums",
    "MessageFormat": "smsc._enums",
    "Translit": "smsc._enums",
    "StatusDetail": "smsc._enums",
    "MessageStatus": "smsc._enums",
    "DeliveryError": "smsc._enums",
    "Encoding": "smsc._enums",
    "MSK": "smsc._types",
    "MessageId": "smsc._types",
    # text
    "segments": "smsc.text._segments",
    "transliterate": "smsc.text._translit",
    # bulk sending
    "Message": "smsc.bulk._message",
    "BulkResult": "smsc.bulk._message",
    "BulkProgress": "smsc.bulk._message",
    # callbacks
    "StatusEvent": "smsc.callbacks._events",
    "IncomingMessage": "smsc.callbacks._events",
    "CallEvent": "smsc.callbacks._events",
    "CallbackError": "smsc.callbacks._errors",
    "CallbackRejected": "smsc.callbacks._errors",
    # errors
    "SmscError": "smsc._exceptions",
    "InvalidRequest": "smsc._exceptions",
    "TransportError": "smsc._exceptions",
    "ProtocolError": "smsc._exceptions",
    "ApiError": "smsc._exceptions",
    "ParameterError": "smsc._api_errors",
    "AuthError": "smsc._api_errors",
    "InsufficientFunds": "smsc._api_errors",
    "IpBlocked": "smsc._api_errors",
    "InvalidTime": "smsc._api_errors",
    "DeleteFailed": "smsc._api_errors",
    "MessageDenied": "smsc._api_errors",
    "InvalidPhone": "smsc._api_errors",
    "Undeliverable": "smsc._api_errors",
    "TooManyRequests": "smsc._api_errors",
    "OperatorNotFound": "smsc._api_errors",
    "NoRecords": "smsc._api_errors",
}
"""Every name `from smsc import *` gives, and the module that defines it."""

SUBPACKAGES = {"bulk", "callbacks", "celery", "cli", "emulator", "smpp", "testing", "text"}
"""The public subpackages: `smsc.<name>` (each has its own documented names)."""


def test_all_is_exactly_the_documented_names() -> None:
    assert sorted(smsc.__all__) == sorted(DOCUMENTED)
    assert len(smsc.__all__) == len(set(smsc.__all__))


def test_dir_shows_the_documented_names_and_nothing_else_public() -> None:
    # isidentifier: pytest's assertion rewriting adds "@py_builtins" to the modules of every distribution with a
    # pytest11 entry point, and smsc has one (inert unless a project opts in to its fixtures)
    public = {name for name in dir(smsc) if name.isidentifier() and not name.startswith("_")}
    assert public - SUBPACKAGES == set(DOCUMENTED)  # submodules appear once imported
    assert "__version__" in dir(smsc)


def test_public_subpackages_are_the_documented_ones() -> None:
    found = {m.name for m in pkgutil.iter_modules(smsc.__path__) if not m.name.startswith("_")}
    assert found == SUBPACKAGES


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_name_loads_from_its_home_and_is_documented(name: str) -> None:
    value = getattr(smsc, name)
    home = DOCUMENTED[name]
    if isinstance(value, type) or callable(value):
        assert getattr(value, "__module__", home) == home
        assert (value.__doc__ or "").strip(), f"smsc.{name} has no docstring"
    assert sys.modules[home] is not None and getattr(sys.modules[home], name) is value


def test_star_import_gives_the_documented_names_and_import_is_lazy() -> None:
    code = (
        "import sys\n"
        "import smsc\n"
        "assert 'smsc._client' not in sys.modules and 'urllib3' not in sys.modules, sorted(sys.modules)\n"
        "namespace = {}\n"
        "exec('from smsc import *', namespace)\n"
        "print(' '.join(sorted(n for n in namespace if n != '__builtins__')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == sorted(DOCUMENTED)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = smsc.Nope
    assert not hasattr(smsc, "TYPE_CHECKING") and not hasattr(smsc, "import_module")


def test_a_subpackage_missing_an_extra_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing_extra(name: str) -> object:
        raise ModuleNotFoundError("No module named 'aiohttp'", name="aiohttp")

    monkeypatch.setattr(smsc, "_import_module", missing_extra)
    monkeypatch.delitem(vars(smsc), "emulator", raising=False)
    with pytest.raises(ModuleNotFoundError, match="aiohttp"):
        _ = smsc.emulator
