"""`make demo`: an in-process emulator, three messages, their statuses pushed to a callback handler
(verified and deduplicated by smsc.callbacks), their final statuses and the balance.

Run: python -m smsc.emulator.demo (or `smsc demo`). Nothing leaves the loopback interface.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import smsc
from smsc.callbacks import CallbackEvent, Receiver, Verifier
from smsc.callbacks.wsgi import wsgi_app
from smsc.cli._output import table
from smsc.emulator import Emulator

LATIN = "Hello from smsc! Your order 1024 has shipped."
CYRILLIC = (
    "Здравствуйте! Ваш заказ № 1024 собран и передан в службу доставки. Курьер позвонит за час до "
    "приезда. Оплата картой или наличными при получении. Спасибо, что выбрали нас!"
)
UNDELIVERABLE = "+79990020001"  # a test number: ends UNDELIVERABLE (20), err 1 (subscriber not found)
MESSAGES = ((101, "+77011234567", LATIN), (102, "+79161234567", CYRILLIC), (103, UNDELIVERABLE, LATIN))


def run(out: TextIO = sys.stdout) -> list[smsc.Status]:
    """Send the three messages, show their statuses as the callback handler receives them, then the
    final statuses, and the balance."""
    pushed: list[CallbackEvent] = []
    receiver = Receiver(pushed.append, verifier=Verifier(secret="demo", algorithm="md5"))  # signed with the password
    with Emulator() as emulator, _callback_handler(receiver) as handler_url:
        currency = emulator.accounts["demo"].currency
        print(
            f"SMSC emulator on {emulator.base_url} (account demo/demo, balance "
            f"{emulator.accounts['demo'].balance} {currency})",
            file=out,
        )
        emulator.accounts.update("demo", callback_url=handler_url)
        print(f"callback handler on {handler_url} (smsc.callbacks: verified, deduplicated)", file=out)
        with smsc.Client(login="demo", password="demo", base_url=emulator.base_url) as client:
            sent = {}
            for message_id, phone, text in MESSAGES:
                sent[message_id] = client.send([phone], text, id=message_id)
                print(
                    f"sent {message_id} to {phone}: {len(text)} characters, {sent[message_id].sms_count} SMS", file=out
                )
            _wait_final(emulator, pushed)
            print("\nstatuses pushed to the handler by callback (no polling):\n", file=out)
            pushed_rows = [
                [e.at.strftime("%H:%M:%S") if e.at else "", e.id, e.phone, e.status.name, e.error.name]
                for e in pushed
                if isinstance(e, smsc.StatusEvent)
            ]
            print(table(["at (MSK)", "id", "phone", "status", "error"], pushed_rows), file=out)
            statuses = [client.status(i, phone, detail=smsc.StatusDetail.FULL) for i, phone, _ in MESSAGES]
            waited = emulator.now() - min(m.sent_at for m in emulator.messages())
            print(
                f"\nfinal statuses (status.php) after {int(waited.total_seconds())} s on the emulator's clock:\n",
                file=out,
            )
            rows = [
                [s.id, s.phone, sent[int(s.id)].sms_count, s.cost, f"{s.status.name} ({s.status_name})"]
                for s in statuses
            ]
            print(table(["id", "phone", "parts", "cost", "status"], rows), file=out)
            print(f"\nbalance: {client.balance()} {currency}", file=out)
    return statuses


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _callback_handler(receiver: Receiver) -> Iterator[str]:
    """The demo's own application: a WSGI server on a free loopback port; yields the handler URL."""
    server = make_server("127.0.0.1", 0, wsgi_app(receiver), server_class=WSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/smsc/callback?md5=1&charset=utf-8"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _wait_final(emulator: Emulator, pushed: list[CallbackEvent]) -> None:
    """Move the emulator's clock on until the handler was told every message's final status."""
    for _ in range(10):
        emulator.advance(emulator.lifecycle.final_after)
        emulator.callbacks.wait()
        final = {e.id for e in pushed if isinstance(e, smsc.StatusEvent) and e.status.is_final}
        if final >= {message_id for message_id, _, _ in MESSAGES}:
            return
    raise RuntimeError("the messages did not reach a final status")


def main() -> int:
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
