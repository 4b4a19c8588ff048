"""Test helpers of the emulator: `emulator.sent_to(phone)` and `emulator.assert_sent(phone, ...)`."""

from __future__ import annotations

from smsc._params import PHONE_NOISE
from smsc.emulator._records import Message


def _recipient(phone: str) -> str:
    """A phone as the emulator stores it (digits, national 8... as 7...); e-mail and Telegram unchanged."""
    compact = phone.strip().translate(PHONE_NOISE)
    digits = compact.removeprefix("+")
    if not digits.isdigit():
        return phone.strip()
    if not compact.startswith("+") and len(digits) == 11 and digits[0] == "8":
        return "7" + digits[1:]
    return digits


class SentMessages:
    """Mixed into Emulator: questions a test asks about what was sent."""

    def messages(self, login: str | None = None) -> list[Message]:
        raise NotImplementedError  # Emulator's

    def sent_to(self, phone: str, *, login: str | None = None) -> list[Message]:
        """The messages to this recipient, oldest first (`+7 701 123-45-67`, `77011234567` and `87011234567` alike)."""
        wanted = _recipient(phone)
        return [m for m in self.messages(login) if m.phone == wanted]

    def assert_sent(
        self,
        phone: str,
        text_contains: str | None = None,
        *,
        text: str | None = None,
        sender: str | None = None,
        count: int | None = None,
        login: str | None = None,
    ) -> Message:
        """Assert that a message matching everything given went to `phone`; returns the latest such message.

        `count` asks for exactly that many matching messages. The AssertionError lists what was sent instead.
        """
        sent = self.sent_to(phone, login=login)
        matching = [
            m
            for m in sent
            if (text_contains is None or text_contains in m.text)
            and (text is None or m.text == text)
            and (sender is None or m.sender == sender)
        ]
        if matching and (count is None or len(matching) == count):
            return matching[-1]
        wanted = [f"to {phone}"]
        if text_contains is not None:
            wanted.append(f"containing {text_contains!r}")
        if text is not None:
            wanted.append(f"with text {text!r}")
        if sender is not None:
            wanted.append(f"from {sender!r}")
        found = f"{len(matching)} such messages" if matching else "no such message"
        expected = f"{count} messages" if count is not None else "a message"
        lines = [f"expected {expected} {' '.join(wanted)}, found {found}"]
        everything = self.messages(login)
        if everything:
            lines.append("sent:")
            lines += [f"  to {m.phone} from {m.sender!r}: {m.text!r}" for m in everything[-20:]]
        else:
            lines.append("nothing was sent")
        raise AssertionError("\n".join(lines))
