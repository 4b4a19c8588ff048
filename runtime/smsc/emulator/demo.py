"""`make demo`: an in-process emulator, three messages, their final statuses and the balance.

Run: python -m smsc.emulator.demo (or `smsc demo`). Nothing leaves the loopback interface.
"""

from __future__ import annotations

import sys
from typing import TextIO

import smsc
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
    """Send the three messages, wait for their final statuses, print the table and the balance."""
    with Emulator() as emulator:
        currency = emulator.accounts["demo"].currency
        print(
            f"SMSC emulator on {emulator.base_url} (account demo/demo, balance "
            f"{emulator.accounts['demo'].balance} {currency})",
            file=out,
        )
        with smsc.Client(login="demo", password="demo", base_url=emulator.base_url) as client:
            sent = {}
            for message_id, phone, text in MESSAGES:
                sent[message_id] = client.send([phone], text, id=message_id)
                print(
                    f"sent {message_id} to {phone}: {len(text)} characters, {sent[message_id].sms_count} SMS", file=out
                )
            statuses = _wait_final(client, emulator)
            waited = emulator.now() - min(m.sent_at for m in emulator.messages())
            print(f"\nfinal statuses after {int(waited.total_seconds())} s on the emulator's clock:\n", file=out)
            rows = [
                [s.id, s.phone, sent[int(s.id)].sms_count, s.cost, f"{s.status.name} ({s.status_name})"]
                for s in statuses
            ]
            print(table(["id", "phone", "parts", "cost", "status"], rows), file=out)
            print(f"\nbalance: {client.balance()} {currency}", file=out)
    return statuses


def _wait_final(client: smsc.Client, emulator: Emulator) -> list[smsc.Status]:
    for _ in range(10):
        statuses = [client.status(i, phone, detail=smsc.StatusDetail.FULL) for i, phone, _ in MESSAGES]
        if all(s.status.is_final for s in statuses):
            return statuses
        emulator.advance(emulator.lifecycle.final_after)
    raise RuntimeError("the messages did not reach a final status")


def main() -> int:
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
