"""One request as the builders describe it: its form fields in order and its attached files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import Factory, frozen

from smsc._attachments import Attachment

if TYPE_CHECKING:
    from smsc._enums import MessageFormat


@frozen
class Request:
    """Wire fields (name, value) in order, and files to send as multipart."""

    fields: list[tuple[str, str]]
    files: list[Attachment] = Factory(list)

    def value(self, name: str) -> str | None:
        """The value of a field, or None."""
        return next((v for k, v in self.fields if k == name), None)

    def message_format(self) -> MessageFormat | None:
        """The kind of message the wire flags (flash=1, hlr=1, ...) ask for; None if no kind sets them."""
        from smsc._enums import MessageFormat

        names = {name for kind in MessageFormat for name, _ in kind.wire}
        flags = tuple(sorted((k, v) for k, v in self.fields if k in names))
        return next((kind for kind in MessageFormat if tuple(sorted(kind.wire)) == flags), None)

    def estimated_sms_count(self) -> int:
        """Billed SMS of a send request, counted offline: parts x recipients."""
        from smsc._enums import MessageFormat, Translit
        from smsc.text._estimate import billed_parts

        recipients = len((self.value("phones") or "").split(","))
        kind = self.message_format() or MessageFormat.SMS
        max_parts = self.value("maxsms")
        _, parts = billed_parts(
            self.value("mes") or "",
            kind,
            Translit(int(self.value("translit") or 0)),
            int(max_parts) if max_parts else None,
        )
        return parts * recipients


_new = object.__new__
_set_fields = Request.__dict__["fields"].__set__
_set_files = Request.__dict__["files"].__set__


def new_request(fields: list[tuple[str, str]], files: list[Attachment]) -> Request:
    """Request(fields, files) for the builders, without attrs' frozen __init__: equal to it and as frozen."""
    request: Request = _new(Request)
    _set_fields(request, fields)
    _set_files(request, files)
    return request
