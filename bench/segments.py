"""Counting the SMS parts of a 1000-character text, against str.encode("utf-16-be") of the same text.

The baseline is the least any counter must do: look at every character once (UTF-16 encoding is
also how a UCS-2 text's units are counted). Measured: smsc.text.count_parts() (the counting
routine client.estimate() and the emulator use), smsc.segments() (which also builds the parts),
and transliteration first. The baseline and every candidate are timed in turn, round after round,
and each keeps its best round: a busy machine slows all of them alike.
Goal: count_parts() of pure GSM-7 and pure UCS-2 texts within 3x the baseline.
Run: .venv/bin/python bench/segments.py
"""

from __future__ import annotations

import os
import timeit
from collections.abc import Callable
from functools import partial

import smsc
from smsc.text import count_parts

LENGTH = 1000
TEXTS = {
    "GSM-7, ASCII": "Hello! Your order #12345 is on its way; track it at example.com/t/ABC. " * 15,
    "GSM-7, Latin-1 accents": "Grüße aus Köln: Ihre Bestellung ist unterwegs, à la carte! Ñoño, Øresund, Åland. " * 15,
    "GSM-7, with € and {}": "Ihre Rechnung: 10€ {Bestellung 12345}; Grüße aus Köln, Øresund, ΔΣ. " * 15,
    "UCS-2, Cyrillic": "Здравствуйте! Ваш заказ №12345 отправлен, отследить его можно на сайте. " * 15,  # noqa: RUF001
    "UCS-2, emoji": "Спасибо за заказ! 😀 Доставка завтра 🚚 " * 30,
}
ROUNDS, NUMBER = 30, 1000


def best(fns: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Seconds per call of each function: the best of ROUNDS rounds that time them in turn."""
    timers = {label: timeit.Timer(fn) for label, fn in fns.items()}
    seconds = dict.fromkeys(fns, float("inf"))
    for _ in range(ROUNDS):
        for label, timer in timers.items():
            seconds[label] = min(seconds[label], timer.timeit(NUMBER) / NUMBER)
    return seconds


def main() -> None:
    print(
        f"bench/segments.py: {LENGTH}-character texts, best of {ROUNDS} rounds x {NUMBER} calls, {os.cpu_count()} CPUs"
    )
    print(f"{'text':24} {'measured':34} {'chars/s':>12} {'µs':>8} {'x baseline':>11}")
    for name, base_text in TEXTS.items():
        text = base_text[:LENGTH]
        assert len(text) == LENGTH
        seg = smsc.segments(text)
        runs: dict[str, Callable[[], object]] = {
            'str.encode("utf-16-be")': partial(text.encode, "utf-16-be"),
            "count_parts()": partial(count_parts, text),
            "segments()": partial(smsc.segments, text),
        }
        if seg.encoding is smsc.Encoding.UCS2:
            runs["count_parts(translit=LATIN)"] = partial(count_parts, text, translit=smsc.Translit.LATIN)
        seconds = best(runs)
        baseline = seconds['str.encode("utf-16-be")']
        for label, took in seconds.items():
            print(f"{name:24} {label:34} {LENGTH / took:12,.0f} {took * 1e6:8.2f} {took / baseline:10.2f}x")
        print(f"{'':24} -> {seg.encoding.name}, {seg.count} parts, {seg.units} {seg.unit}s")
    print("goal: count_parts() <= 3x baseline for pure GSM-7 and pure UCS-2 texts")


if __name__ == "__main__":
    main()
