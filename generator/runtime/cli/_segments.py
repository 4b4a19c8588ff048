"""`smsc segments`: how a text splits into SMS parts, from the SDK's own counting (offline)."""

from __future__ import annotations

from typing import Any

import smsc
from smsc.cli._output import plain


def describe(text: str, *, translit: smsc.Translit, max_parts: int | None) -> dict[str, Any]:
    """The split of `text` as plain data: characters, then the fields of smsc.Segments."""
    from smsc import segments  # type: ignore[attr-defined, unused-ignore]

    result = segments(text, translit=translit, max_parts=max_parts)
    data = plain(result)
    described: dict[str, Any] = {"characters": len(text)}
    described.update(data if isinstance(data, dict) else {"count": result.count})
    return described
