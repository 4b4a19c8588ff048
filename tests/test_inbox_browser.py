"""The web inbox in real headless Chromium: messages arrive live, the page moves the clock, delivers
incoming SMS and switches faults; it fits a phone's screen. One browser for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import smsc
from smsc.emulator import Emulator
from tests.support.browser import PHONE_SIZE, chromium, wait_for
from tests.support.emulator_support import running


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def page(browser: Any, emulator: Emulator) -> Any:
    """The inbox of a reset emulator, open and live."""
    emulator.reset()
    browser.get(emulator.base_url + "/")
    wait_for(browser, lambda d: d.find_element("id", "live").text == "live", what="the live event stream")
    browser.execute_script("window.notReloaded = true")
    return browser


def _client(emulator: Emulator) -> smsc.Client:
    return smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5)


def _card(driver: Any, phone: str) -> Any:
    cards = [c for c in driver.find_elements("css selector", "article.message") if phone in c.text]
    return cards[0] if cards else None


def _badge(driver: Any, phone: str) -> str | None:
    card = _card(driver, phone)
    return None if card is None else str(card.find_element("css selector", ".badge").get_attribute("data-status"))


def test_a_sent_message_appears_without_a_reload_and_moves_on_with_the_clock(page: Any, emulator: Emulator) -> None:
    text = "Your code is 123456. Never tell anyone, not even us: " + "x" * 120  # two GSM-7 parts
    with _client(emulator) as client:
        sent = client.send(["+77011234567"], text, sender="Shop")
    card = wait_for(page, lambda d: _card(d, "77011234567"), what="the sent message")
    assert page.execute_script("return window.notReloaded") is True
    assert "Shop" in card.text and "3.00 KZT" in card.text and f"id {sent.id}" in card.text
    parts = card.find_elements("css selector", ".part")
    assert [p.find_element("css selector", ".enc").text for p in parts] == [
        "part 1/2 · GSM-7",
        f"part 2/2 · GSM-7 · {153 * 2 - len(text)} left",
    ]
    assert "".join(p.find_element("css selector", ".bubble").text for p in parts) == text
    assert _badge(page, "77011234567") == "-1"
    balance = page.find_element("css selector", '[data-balance="demo"]')
    assert balance.text == "97.00 KZT"

    page.find_element("css selector", '[data-advance="60"]').click()
    wait_for(page, lambda d: _badge(d, "77011234567") == "1", what="the status to become delivered")
    assert emulator.messages()[0].status is smsc.MessageStatus.DELIVERED

    def history(d: Any) -> list[str] | None:  # the live view may redraw the card: find it afresh each time
        details = _card(d, "77011234567").find_element("css selector", "details.history")
        if details.get_attribute("open") is None:
            details.find_element("css selector", "summary").click()
        items = [li.text for li in details.find_elements("css selector", "li")]
        return items if len(items) == 3 and all(items) else None

    statuses = wait_for(page, history, what="the message's three statuses")
    assert statuses is not None and "Доставлено" in statuses[-1]
    assert page.execute_script("return window.notReloaded") is True


def test_an_incoming_sms_is_delivered_from_the_page(page: Any, emulator: Emulator) -> None:
    form = page.find_element("id", "receive")
    form.find_element("name", "phone").send_keys("+77017654321")
    form.find_element("name", "to").send_keys("+77000000001")
    form.find_element("name", "text").send_keys("STOP, please")
    form.find_element("css selector", "button").click()
    wait_for(page, lambda d: "STOP, please" in d.find_element("id", "incoming").text, what="the incoming SMS")
    [received] = emulator.incoming()
    assert (received.phone, received.to, received.text, received.login) == (
        "77017654321",
        "77000000001",
        "STOP, please",
        "demo",
    )


def test_a_fault_is_switched_on_and_off_from_the_page(page: Any, emulator: Emulator) -> None:
    form = page.find_element("id", "fault")
    form.find_element("css selector", 'select[name="kind"] option[value="http_error"]').click()
    form.find_element("css selector", 'select[name="command"] option[value="balance"]').click()
    form.find_element("css selector", "button").click()
    off = wait_for(page, lambda d: d.find_element("css selector", "#faults [data-fault-off]"), what="the fault rule")
    retry = smsc.RetryPolicy(attempts=1)
    with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5, retry=retry) as client:
        for _ in range(2):  # on until switched off
            with pytest.raises(smsc.TransportError):
                client.balance()
        off.click()
        wait_for(page, lambda d: not d.find_elements("css selector", "#faults [data-fault-off]"), what="no rules")
        assert client.balance() == emulator.accounts["demo"].balance


def test_filters_by_phone_and_status(page: Any, emulator: Emulator) -> None:
    with _client(emulator) as client:
        client.send(["+77011112233"], "first")
        client.send(["+79990099000"], "stays waiting")  # a test number that never leaves the queue
    emulator.advance(60)
    wait_for(page, lambda d: len(d.find_elements("css selector", "article.message")) == 2, what="two messages")
    status = page.find_element("css selector", 'select[name="status"]')
    status.find_element("css selector", 'option[value="waiting"]').click()
    page.find_element("css selector", "#filters button").click()
    wait_for(
        page,
        lambda d: (
            [c.find_element("css selector", ".to").text for c in d.find_elements("css selector", "article")]
            == ["+79990099000"]
        ),
        what="only the waiting message",
    )
    assert page.current_url.endswith("/?phone=&status=waiting")
    page.get(emulator.base_url + "/?phone=1112")  # the same filters work without JavaScript
    assert [c.text for c in page.find_elements("css selector", "article .to")] == ["+77011112233"]


def test_the_page_fits_a_phone_and_needs_nothing_from_elsewhere(page: Any, emulator: Emulator) -> None:
    with _client(emulator) as client:
        client.send(["+77011234567"], "Привет! " * 40)
    wait_for(page, lambda d: _card(d, "77011234567"), what="the message")
    width = page.execute_script("return window.innerWidth")
    assert width <= PHONE_SIZE[0]
    assert page.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways scrolling
    resources = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(emulator.base_url) for url in resources)


def test_statuses_move_on_with_the_running_clock_alone(page: Any, emulator: Emulator) -> None:
    from smsc.emulator import Lifecycle

    emulator.lifecycle = Lifecycle(transfer_after=0.2, final_after=0.5)
    try:
        with _client(emulator) as client:
            client.send(["+77019876543"], "on the wall clock")
        wait_for(page, lambda d: _card(d, "77019876543"), what="the message")
        wait_for(page, lambda d: _badge(d, "77019876543") == "1", timeout=10, what="delivered, with no click")
        assert page.execute_script("return window.notReloaded") is True
    finally:
        emulator.lifecycle = Lifecycle()
