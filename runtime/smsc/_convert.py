"""Results to plain JSON-ready data and back, with cattrs (imported on first use)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")


@cache
def _converter() -> cattrs.Converter:
    import cattrs

    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(str(v)))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    conv.register_unstructure_hook_func(lambda t: isinstance(t, type) and issubclass(t, IntEnum), int)
    conv.register_structure_hook(int | str, lambda v, _: v if isinstance(v, (int, str)) else int(v))
    return conv


def to_dict(value: Any) -> dict[str, Any]:
    """A result (SendResult, Status, ...) as JSON-ready data: Decimals as strings, times as ISO 8601."""
    data: dict[str, Any] = _converter().unstructure(value)
    return data


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """The inverse of to_dict."""
    return _converter().structure(data, cls)
