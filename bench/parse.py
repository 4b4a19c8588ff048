"""Parsing a send reply and a status reply in each format, against a bare baseline of the same text.

Bare baselines: str.split(",") for fmt 0 and 1, xml.etree.ElementTree.fromstring for fmt 2,
json.loads for fmt 3 — what a hand-written client does before it has any typed value.
The typed baseline adds the minimum a typed client needs on top of that for fmt 1 and 3 —
int/Decimal/datetime conversion into a tuple, with no validation and no error detection.
Run: .venv/bin/python bench/parse.py
"""

from __future__ import annotations

import json
import os
import timeit
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial

from smsc import _parsers
from smsc._api_errors import ERROR_MAPS
from smsc._types import MSK

SEND = {
    0: b"OK - 2 SMS, ID - 12345, COST - 4.48, BALANCE - 1231.21",
    1: b"12345,2,4.48,1231.21",
    2: b"<result>\n<id>12345</id>\n<cnt>2</cnt>\n<cost>4.48</cost>\n<balance>1231.21</balance>\n</result>",
    3: b'{"id": 12345, "cnt": 2, "cost": "4.48", "balance": "1231.21"}',
}
STATUS = {
    0: b"Status = 1, check_time = 20.05.2024 12:00:05, err = 0",
    1: b"1,1716195605,0",
    2: b"<sms>\n<status>1</status>\n<last_date>20.05.2024 12:00:05</last_date>\n<last_timestamp>1716195605"
    b"</last_timestamp>\n<flag>0</flag>\n<err>0</err>\n</sms>",
    3: b'{"status": 1, "last_date": "20.05.2024 12:00:05", "last_timestamp": 1716195605, "flag": 0, "err": 0}',
}
BASELINES: dict[int, Callable[[bytes], object]] = {
    0: lambda raw: raw.decode().split(","),
    1: lambda raw: raw.decode().split(","),
    2: lambda raw: ET.fromstring(raw.decode()),
    3: lambda raw: json.loads(raw.decode()),
}
CTX = {"id": 5, "phone": "79991234567"}


def _send_typed_csv(raw: bytes) -> object:
    f = raw.decode().split(",")
    return int(f[0]), int(f[1]), Decimal(f[2]), Decimal(f[3])


def _send_typed_json(raw: bytes) -> object:
    d = json.loads(raw.decode())
    return int(d["id"]), int(d["cnt"]), Decimal(d["cost"]), Decimal(d["balance"])


def _status_typed_csv(raw: bytes) -> object:
    f = raw.decode().split(",")
    return int(f[0]), datetime.fromtimestamp(int(f[1]), MSK), int(f[2])


def _status_typed_json(raw: bytes) -> object:
    d = json.loads(raw.decode())
    return int(d["status"]), datetime.fromtimestamp(int(d["last_timestamp"]), MSK), int(d["err"])


TYPED = {"send": {1: _send_typed_csv, 3: _send_typed_json}, "status": {1: _status_typed_csv, 3: _status_typed_json}}


def best(*funcs: Callable[[], object], number: int = 1000, rounds: int = 60) -> list[float]:
    """Seconds per call of each function, best of `rounds`; the functions take turns within each round
    so that a load spike on a shared machine hits all sides of a ratio alike."""
    times = [float("inf")] * len(funcs)
    for _ in range(rounds):
        for i, func in enumerate(funcs):
            times[i] = min(times[i], timeit.timeit(func, number=number) / number)
    return times


def main() -> None:
    print(f"bench/parse.py: microseconds per parse, best of 60 interleaved rounds, {os.cpu_count()} CPUs")
    print(f"{'reply':<8}{'fmt':>4}{'smsc':>9}{'bare':>9}{'ratio':>8}{'typed':>9}{'ratio':>8}")
    for label, samples, parse in (
        ("send", SEND, lambda raw, fmt: _parsers.parse_send_balance(raw, fmt, ERROR_MAPS["send"])),
        ("status", STATUS, lambda raw, fmt: _parsers.parse_status_basic(raw, fmt, ERROR_MAPS["status"], CTX)),
    ):
        for fmt, raw in samples.items():
            typed = TYPED[label].get(fmt)
            funcs = [partial(parse, raw, fmt), partial(BASELINES[fmt], raw)]
            if typed is not None:
                funcs.append(partial(typed, raw))
            ours, base, *rest = best(*funcs)
            line = f"{label:<8}{fmt:>4}{ours * 1e6:>9.2f}{base * 1e6:>9.2f}{ours / base:>7.2f}x"
            for typed_time in rest:
                line += f"{typed_time * 1e6:>9.2f}{ours / typed_time:>7.2f}x"
            print(line)


if __name__ == "__main__":
    main()
