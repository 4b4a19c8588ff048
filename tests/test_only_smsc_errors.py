"""Property: whatever a caller passes to a public constructor or method, it returns or raises an SmscError."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smsc
from smsc import _redact, smpp
from tests.support.http_server import Script, serve

TEXT = st.text(st.characters(codec=None, categories=None), max_size=30) | st.text(
    st.characters(categories=["Cs", "Cc", "Lu", "Nd"]), max_size=5
)
NUMBER = st.integers(-(2**40), 2**40) | st.floats(allow_nan=True, allow_infinity=True)
ANYTHING: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | NUMBER
    | TEXT
    | st.binary(max_size=20)
    | st.decimals(allow_nan=True)
    | st.datetimes(timezones=st.none() | st.just(UTC))
    | st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=2))
    | st.sampled_from([*smsc.MessageFormat, *smsc.Translit, *smsc.StatusDetail, *smsc.ResponseFormat])
    | st.sampled_from(["+77011234567", "http://127.0.0.1:9", "POST", "GET", "https://smsc.kz"]),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=4,
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


def keyword_arguments(
    func: Callable[..., Any], skip: frozenset[str] = frozenset()
) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the function's parameters (by name), each any value."""
    names = [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.name not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"
    ]
    return st.fixed_dictionaries({}, optional={n: ANYTHING for n in names})


def returns_or_smsc_error(call: Callable[[], object]) -> None:
    try:
        result = call()
    except smsc.SmscError:
        return
    close = getattr(result, "close", None)
    if callable(close) and not inspect.iscoroutinefunction(close):
        close()


@pytest.fixture(scope="module", autouse=True)
def _forget_fuzzed_secrets() -> Iterator[None]:
    """The registry of secrets to mask is process-wide: a fuzzed password such as "False" would be masked in
    every later test's messages ("must be True or ***"), so the module's registrations go with it."""
    known, pattern = _redact._known, _redact._pattern
    yield
    with _redact._lock:
        _redact._known, _redact._pattern = known, pattern


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(Script()) as url:
        yield url


_INJECTED = frozenset({"clock", "sleep", "rand", "transport"})


@SETTINGS
@given(keyword_arguments(smsc.Client, _INJECTED))
def test_client_constructor(kwargs: dict[str, Any]) -> None:
    returns_or_smsc_error(lambda: smsc.Client(**kwargs))


@SETTINGS
@given(keyword_arguments(smsc.RetryPolicy))
def test_retry_policy(kwargs: dict[str, Any]) -> None:
    returns_or_smsc_error(lambda: smsc.RetryPolicy(**kwargs))


@SETTINGS
@given(keyword_arguments(smsc.HttpTransport))
def test_http_transport(kwargs: dict[str, Any]) -> None:
    returns_or_smsc_error(lambda: smsc.HttpTransport(**kwargs))


@SETTINGS
@given(ANYTHING, keyword_arguments(smsc.SmtpTransport, frozenset({"host"})))
def test_smtp_transport(host: Any, kwargs: dict[str, Any]) -> None:
    returns_or_smsc_error(lambda: smsc.SmtpTransport(host, **kwargs))


@SETTINGS
@given(ANYTHING, st.fixed_dictionaries({"system_id": ANYTHING, "password": ANYTHING}))
def test_smpp_client(host: Any, kwargs: dict[str, Any]) -> None:
    returns_or_smsc_error(lambda: smpp.SmppClient(host, **kwargs))


@SETTINGS
@given(st.dictionaries(st.sampled_from(["SMSC_LOGIN", "SMSC_PASSWORD", "SMSC_API_KEY", "SMSC_BASE_URL"]), TEXT))
def test_from_env(environ: dict[str, str]) -> None:
    returns_or_smsc_error(lambda: smsc.Client.from_env(environ))


@pytest.mark.parametrize("method", ["send", "cost", "status", "balance", "estimate"])
def test_client_methods(method: str, base_url: str) -> None:
    client = smsc.Client(login="demo", password="pw", base_url=base_url, retry=smsc.RetryPolicy(attempts=1))
    func = getattr(client, method)
    required = [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    ]

    @SETTINGS
    @given(st.fixed_dictionaries({n: ANYTHING for n in required}), keyword_arguments(func, frozenset(required)))
    def check(positional: dict[str, Any], optional: dict[str, Any]) -> None:
        returns_or_smsc_error(lambda: func(**positional, **optional))

    with client:
        check()


def test_the_property_sees_a_foreign_exception() -> None:
    """The checker itself: a TypeError is not swallowed."""

    def broken() -> None:
        raise TypeError("not ours")

    with pytest.raises(TypeError):
        returns_or_smsc_error(broken)


_ = (Decimal, datetime)
