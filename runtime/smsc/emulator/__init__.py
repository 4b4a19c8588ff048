"""A local, stateful SMSC for tests and demos: `smsc.emulator.Emulator` (needs the `emulator` extra).

    from smsc.emulator import Emulator

    with Emulator() as emulator:
        client = smsc.Client(login="demo", password="demo", base_url=emulator.base_url)
        ...

Accounts, messages and statuses live in SQLite (in memory, or a file with `db=`); replies are
rendered by the generated renderers, so they are exactly what the client parses.
"""

from __future__ import annotations

from smsc.emulator._callbacks import CallbackAttempt, Callbacks, PushedCallback
from smsc.emulator._directory import Network, network
from smsc.emulator._emulator import Accounts, Emulator
from smsc.emulator._faults import Fault, FaultHit, Faults
from smsc.emulator._incoming import Incoming
from smsc.emulator._limits import Limits
from smsc.emulator._records import Account, Lifecycle, Message, StatusChange, StoredFile

__all__ = [
    "Account",
    "Accounts",
    "CallbackAttempt",
    "Callbacks",
    "PushedCallback",
    "StoredFile",
    "Emulator",
    "Fault",
    "FaultHit",
    "Faults",
    "Incoming",
    "Lifecycle",
    "Limits",
    "Message",
    "Network",
    "StatusChange",
    "network",
]
