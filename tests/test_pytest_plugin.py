"""The pytest plugin, as a user's test suite sees it: test files that use only the fixtures, run by pytester.

Each run is a subprocess: an in-process run would drop the smsc modules it imported from sys.modules."""

from __future__ import annotations

import pytest

USER_TESTS = """
import pytest
import smsc


def test_send_and_assert(smsc_emulator, smsc_client):
    smsc_client.send(["+7 701 123-45-67"], "Your code is 1234", sender="Shop")
    message = smsc_emulator.assert_sent("+77011234567", text_contains="code is 1234", sender="Shop")
    assert message.cost == smsc_emulator.accounts["demo"].price
    assert [m.text for m in smsc_emulator.sent_to("87011234567")] == ["Your code is 1234"]


def test_each_test_starts_fresh(smsc_emulator, smsc_client):
    assert smsc_emulator.messages() == []
    assert smsc_client.balance() == 100


@pytest.mark.smsc(balance="3.00", rate_limits=False)
def test_marker_options(smsc_emulator, smsc_client):
    smsc_client.send(["+77011234567"], "one")
    smsc_client.send(["+77011234567"], "one")   # identical sends: fine with the limits off
    with pytest.raises(smsc.InsufficientFunds):
        smsc_client.send(["+77011234567"], "two")


@pytest.mark.smsc(smtp_port=0)
def test_an_emulator_of_its_own(smsc_emulator):
    assert smsc_emulator.smtp_port


def test_the_limits_are_back_on(smsc_emulator):
    assert smsc_emulator.limits.rate_limits and smsc_emulator.accounts["demo"].balance == 100


def test_moving_the_clock(smsc_emulator, smsc_client):
    sent = smsc_client.send(["+77011234567"], "hi")
    smsc_emulator.advance(60)
    assert smsc_client.status(sent.id, "+77011234567").status is smsc.MessageStatus.DELIVERED
"""

FAILING = """
def test_nothing_was_sent_to_this_phone(smsc_emulator, smsc_client):
    smsc_client.send(["+77011234567"], "Hello")
    smsc_emulator.assert_sent("+77019999999", text_contains="Hello")


def test_wrong_text(smsc_emulator, smsc_client):
    smsc_client.send(["+77011234567"], "Hello")
    smsc_emulator.assert_sent("+77011234567", text_contains="Goodbye")


def test_right(smsc_emulator, smsc_client):
    smsc_client.send(["+77011234567"], "Hello")
    smsc_emulator.assert_sent("+77011234567", "Hello", count=1)
"""


def test_a_users_suite_passes_with_the_fixtures_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "smsc.testing.plugin")
    result.assert_outcomes(passed=6)


def test_failed_assertions_say_what_was_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=FAILING)
    result = pytester.runpytest_subprocess("-p", "smsc.testing.plugin")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*expected a message to +77019999999 containing 'Hello', found no such message*",
            "*to 77011234567 from 'SMSC.KZ': 'Hello'*",
            "*expected a message to +77011234567 containing 'Goodbye', found no such message*",
        ]
    )


def test_inert_until_the_project_opts_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user="def test_x(smsc_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess()  # the smsc entry point is installed, but not asked for
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'smsc_emulator' not found*"])


def test_the_ini_switch_and_pytest_plugins_opt_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user="def test_x(smsc_emulator, smsc_client):\n    assert smsc_client.balance() == 100\n")
    pytester.makeini("[pytest]\nsmsc_fixtures = true\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)  # through the pytest11 entry point
    pytester.makeini("[pytest]\n")
    pytester.makeconftest('pytest_plugins = ["smsc.testing.plugin"]\n')
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_a_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="import pytest\n\n@pytest.mark.smsc(balanse='5')\ndef test_x(smsc_emulator):\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "smsc.testing.plugin")
    result.stdout.fnmatch_lines(["*unknown options ?'balanse'?*"])
    assert result.ret != 0


def test_the_async_client_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import asyncio

import smsc


def test_async(smsc_emulator, smsc_async_client):
    async def go():
        async with smsc_async_client as client:  # closed in the test's own loop
            await client.send(["+77011234567"], "async hello")
            return await client.balance()
    assert asyncio.run(go()) == 100 - smsc_emulator.accounts["demo"].price
    smsc_emulator.assert_sent("+77011234567", "async hello")


def test_closed_by_the_fixture(smsc_async_client):
    assert isinstance(smsc_async_client, smsc.AsyncClient)
    assert asyncio.run(smsc_async_client.balance()) == 100
"""
    )
    pytester.runpytest_subprocess("-p", "smsc.testing.plugin").assert_outcomes(passed=2)
