"""Helpers for testing code that uses smsc, without a network: `smsc.testing.MockTransport`.

    from smsc.testing import MockTransport

    mock = MockTransport(b'{"id": 7, "cnt": 1, "cost": "1.00", "balance": "9.00"}')
    client = smsc.Client(login="demo", password="demo", transport=mock)
    client.send(["+77011234567"], "Hi")
    assert mock.last_request.params["mes"] == "Hi"

For a stateful service with real replies in every format, use smsc.emulator.Emulator instead.
"""

from __future__ import annotations

from smsc.testing._mock import MockTransport, RecordedRequest, Reply

__all__ = ["MockTransport", "RecordedRequest", "Reply"]
