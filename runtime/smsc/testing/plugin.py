"""The pytest plugin of smsc: an emulator and clients bound to it as fixtures.

Opt in with any one of (the plugin is never active by merely installing smsc):

    pytest -p smsc.testing.plugin                       # on the command line, or in addopts
    pytest_plugins = ["smsc.testing.plugin"]            # in the root conftest.py
    [tool.pytest.ini_options] smsc_fixtures = true      # the ini switch the smsc entry point reads

Fixtures:

    smsc_emulator       a running smsc.emulator.Emulator, reset before every test (one per session;
                        `@pytest.mark.smsc(fresh=True)` or listener options give a test its own)
    smsc_client         smsc.Client on the emulator as demo/demo
    smsc_async_client   smsc.AsyncClient on the emulator as demo/demo

Options of one test: `@pytest.mark.smsc(balance="5", price="0.50", rate_limits=False, ...)`; see
`MARKER_OPTIONS`. Needs the `emulator` extra (`pip install 'smsc[emulator]'`).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import smsc
    from smsc.emulator import Emulator

MARKER = "smsc"
ACCOUNT_OPTIONS = ("balance", "price", "currency", "sender", "callback_url")
"""Options that change the demo account for one test."""
RESET_OPTIONS = ("rate_limits", "ip_blocking", "lifecycle", "seed", "denied_senders", "denied_words")
"""Options applied to the shared emulator for one test (undone by the next test's reset)."""
FRESH_OPTIONS = ("fresh", "smpp_port", "smtp_port", "db", "ssl_context", "control_token", "clock", "limits")
"""Options that give the test an emulator of its own, started with them and stopped after it."""
MARKER_OPTIONS = ACCOUNT_OPTIONS + RESET_OPTIONS + FRESH_OPTIONS
_MARKER_HELP = (
    "smsc(**options): options of the smsc_emulator fixture for this test: "
    "balance, price, currency, sender, callback_url (the demo account); rate_limits, ip_blocking, lifecycle, seed, "
    "denied_senders, denied_words; fresh=True, smpp_port, smtp_port, db, ssl_context, control_token, clock, "
    "limits (an emulator of the test's own)"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_HELP)


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The smsc marker's options, the closest marker (function, class, module) winning per key."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.smsc takes keyword options only, e.g. smsc(balance='5')")
        options.update(marker.kwargs)
    unknown = set(options) - set(MARKER_OPTIONS)
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.smsc: unknown options {sorted(unknown)}; known: {list(MARKER_OPTIONS)}")
    return options


def _emulator_class() -> type[Emulator]:
    try:
        from smsc.emulator import Emulator
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise pytest.UsageError(
            f"the smsc fixtures need the emulator extra: pip install 'smsc[emulator]' ({exc})"
        ) from None
    return Emulator


def _configure(emulator: Emulator, options: dict[str, Any]) -> None:
    """Apply the per-test options to a reset (or new) emulator."""
    account = {k: options[k] for k in ACCOUNT_OPTIONS if k in options}
    if account:
        for money in ("balance", "price"):
            if money in account and isinstance(account[money], float):
                raise pytest.UsageError(f"@pytest.mark.smsc: give {money} as a str or Decimal, not a float")
        emulator.accounts.update("demo", **account)
    for switch in ("rate_limits", "ip_blocking"):
        if switch in options:
            setattr(emulator.limits, switch, bool(options[switch]))
    if "lifecycle" in options:
        emulator.lifecycle = options["lifecycle"]
    if "seed" in options:
        emulator.faults.seed(int(options["seed"]))
    for name in ("denied_senders", "denied_words"):
        if name in options:
            target: set[str] = getattr(emulator, name)
            target.clear()
            target.update(options[name])


@pytest.fixture(scope="session")
def _smsc_shared_emulator() -> Iterator[Emulator]:
    with _emulator_class()() as emulator:
        yield emulator


@pytest.fixture
def smsc_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A running emulator with account demo/demo (balance 100.00), as fresh as a new one.

    The session's emulator is reset before each test; `@pytest.mark.smsc(fresh=True)` or an option that
    needs a new listener (smpp_port, smtp_port, db, ssl_context, control_token, clock, limits) starts one
    for the test alone.
    """
    options = _options(request)
    fresh = {k: v for k, v in options.items() if k in FRESH_OPTIONS and k != "fresh"}
    if options.get("fresh") or fresh:
        construct = {k: options[k] for k in ("rate_limits", "ip_blocking", "lifecycle", "seed") if k in options}
        with _emulator_class()(**fresh, **construct) as own:
            _configure(own, options)
            yield own
        return
    emulator: Emulator = request.getfixturevalue("_smsc_shared_emulator")
    from smsc.emulator import Lifecycle

    emulator.reset()
    emulator.limits.rate_limits = emulator.limits.ip_blocking = True  # what the last test changed
    emulator.lifecycle = Lifecycle()
    emulator.faults.seed(0)
    _configure(emulator, options)
    yield emulator


@pytest.fixture
def smsc_client(smsc_emulator: Emulator) -> Iterator[smsc.Client]:
    """`smsc.Client(login="demo", password="demo")` on `smsc_emulator`, closed after the test."""
    import smsc

    with smsc.Client(login="demo", password="demo", base_url=smsc_emulator.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def smsc_async_client(smsc_emulator: Emulator) -> Iterator[Any]:
    """`smsc.AsyncClient(login="demo", password="demo")` on `smsc_emulator`.

    Use it inside the test's own event loop (pytest-asyncio, anyio, or `asyncio.run`), best as
    `async with smsc_async_client as client:`. Without that its connections still close when the
    test's loop shuts down, and the fixture marks it closed after the test.
    """
    import smsc

    cls = getattr(smsc, "AsyncClient", None)
    if cls is None:
        pytest.skip("smsc.AsyncClient is not in this version of smsc")
    client = cls(login="demo", password="demo", base_url=smsc_emulator.base_url, timeout=10)
    yield client
    closer = getattr(client, "aclose", None) or getattr(client, "close", None)
    if closer is not None:
        result = closer()
        if inspect.isawaitable(result):
            import asyncio
            import contextlib

            with contextlib.suppress(RuntimeError):  # bound to a loop that is gone: nothing left to close
                asyncio.run(_await(result))


async def _await(awaitable: Any) -> None:
    await awaitable


__all__ = ["MARKER_OPTIONS", "smsc_async_client", "smsc_client", "smsc_emulator"]
