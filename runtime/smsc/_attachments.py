"""Files attached to a message (MMS, e-mail): paths, bytes or (name, bytes, content type)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from attrs import frozen

from smsc._exceptions import InvalidRequest

MAX_FILE_BYTES = 3 * 1024 * 1024


@frozen
class Attachment:
    """One file: its name, its bytes and its MIME type."""

    name: str
    data: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:
        return f"Attachment({self.name!r}, {len(self.data)} bytes, {self.content_type!r})"


FileLike: TypeAlias = "str | os.PathLike[str] | bytes | tuple[str, bytes] | tuple[str, bytes, str] | Attachment"


def attachments(value: Sequence[FileLike], name: str) -> list[Attachment]:
    """Read and check the files of a message."""
    if isinstance(value, (str, bytes, os.PathLike)) or not isinstance(value, Sequence):
        raise InvalidRequest(f"{name}: give a list of files")
    out = []
    for index, item in enumerate(value):
        if isinstance(item, Attachment):
            file = item
        elif isinstance(item, bytes):
            file = Attachment(f"file{index}", item)
        elif isinstance(item, (str, os.PathLike)):
            path = Path(item)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InvalidRequest(f"{name}: cannot read {str(path)!r}: {exc.strerror}") from None
            except (UnicodeError, ValueError) as exc:  # a lone surrogate or a NUL in the path
                raise InvalidRequest(f"{name}: {str(path)!r} is not a usable file name ({exc})") from None
            file = Attachment(path.name, data, mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        elif (
            isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str) and isinstance(item[1], bytes)
        ):
            kind = item[2] if len(item) == 3 else mimetypes.guess_type(item[0])[0] or "application/octet-stream"
            file = Attachment(item[0], item[1], str(kind))
        else:
            raise InvalidRequest(f"{name}: {item!r:.60} is not a path, bytes or (name, bytes[, content type])")
        if len(file.data) > MAX_FILE_BYTES:
            raise InvalidRequest(f"{name}: {file.name!r} has {len(file.data)} bytes; at most {MAX_FILE_BYTES}")
        out.append(file)
    return out
