"""Makes docs/inbox.png: the emulator's web inbox with a few messages, in headless Chromium.

.venv/bin/python docs/inbox_screenshot.py [--width 390 --height 1100]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import smsc
from smsc.emulator import Emulator
from tests.support.browser import chromium, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description="Make docs/inbox.png in headless Chromium.")
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=1100)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "inbox.png")
    args = parser.parse_args()
    with Emulator(rate_limits=False) as emulator:
        emulator.accounts.add("shop", "secret", balance="250.00", price="2.10")
        with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5) as client:
            client.send(["+77011234567"], "Your code is 482913. It expires in 5 minutes.", sender="Shop")
            client.send(["+79990003006"], "Привет! Ваш заказ №1042 собран и ждёт вас в пункте выдачи до пятницы.")
            emulator.advance(60)
            client.send(["+77017654321"], "Sale: 20% off {everything} this weekend only. Reply STOP to opt out.")
        emulator.receive("+77017654321", "STOP", to="+77000000001")
        with chromium(args.width, args.height) as driver:
            driver.get(emulator.base_url + "/")
            wait_for(driver, lambda d: d.find_element("id", "live").text == "live", what="the live stream")
            driver.execute_script("document.querySelector('details.history').open = true")
            driver.save_screenshot(str(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
