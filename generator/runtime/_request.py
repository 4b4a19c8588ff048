"""One request as the builders describe it: its form fields in order and its attached files."""

from __future__ import annotations

from attrs import Factory, frozen

from smsc._attachments import Attachment


@frozen
class Request:
    """Wire fields (name, value) in order, and files to send as multipart."""

    fields: list[tuple[str, str]]
    files: list[Attachment] = Factory(list)

    def value(self, name: str) -> str | None:
        """The value of a field, or None."""
        return next((v for k, v in self.fields if k == name), None)

    def estimated_sms_count(self) -> int:
        """Billed SMS of a send request, counted offline: parts x recipients."""
        from smsc._enums import MessageFormat, Translit
        from smsc._estimate import billed_parts

        recipients = len((self.value("phones") or "").split(","))
        kind = next((f for f in MessageFormat if f.wire and all(self.value(k) == v for k, v in f.wire)),
                    MessageFormat.SMS)
        max_parts = self.value("maxsms")
        _, parts = billed_parts(self.value("mes") or "", kind, Translit(int(self.value("translit") or 0)),
                          int(max_parts) if max_parts else None)
        return parts * recipients
