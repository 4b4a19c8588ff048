"""The emulator's endpoints beyond send, status and balance: their paths, handlers, error maps and state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from smsc.emulator import _contacts, _mailings, _queries, _senders, _subaccounts, _templates
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._records import Account
    from smsc.emulator._service import ApiCall, Service

Handler = Callable[["Service", "Account", "ApiCall", int, float], str]

ENDPOINTS = {
    "/sys/get.php": "get",
    "/sys/info.php": "info",
    "/sys/phones.php": "phones",
    "/sys/senders.php": "senders",
    "/sys/jobs.php": "jobs",
    "/sys/templates.php": "templates",
    "/sys/users.php": "users",
}
HANDLERS: dict[str, Handler] = {
    "get": _queries.get,
    "info": _queries.info,
    "phones": _contacts.handle,
    "senders": _senders.handle,
    "jobs": _mailings.handle,
    "templates": _templates.handle,
    "users": _subaccounts.handle,
}


def error_map(command: str, params: Mapping[str, str]) -> str:
    """The spec's error map for a request: a new mailing answers as send.php does."""
    if command in ("get", "info"):
        return command
    if command == "jobs" and params.get("add", "").strip() == "1":
        return "send"
    return "manage"


class Features:
    """The state of those endpoints, in the emulator's store."""

    def __init__(self, store: Store) -> None:
        self.contacts = _contacts.AddressBook(store)
        self.templates = _templates.Templates(store)
        self.senders = _senders.Senders(store)
        self.mailings = _mailings.Mailings(store)
        self.subaccounts = _subaccounts.Subaccounts(store)

    def clear(self) -> None:
        """Forget everything these endpoints keep (Emulator.reset)."""
        for table in ("group_members", "contacts", "contact_groups", "blacklist", "templates", "senders", "mailings"):
            self.contacts.db.execute(f"DELETE FROM {table}")
        self.contacts.db.execute("DELETE FROM subaccounts")
