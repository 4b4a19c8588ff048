"""The package's version, in one place: pyproject.toml reads it at build time, smsc.__version__ re-exports it."""

from __future__ import annotations

import sys

__version__ = "0.1.0"

_OS_NAMES = {"linux": "Linux", "darwin": "macOS", "win32": "Windows", "cygwin": "Cygwin"}


def user_agent() -> str:
    """The User-Agent every HTTP request carries: `smsc-python/<version> (Python <x.y>; <os>)`."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = _OS_NAMES.get(sys.platform) or sys.platform.rstrip("0123456789").capitalize() or "unknown"
    return f"smsc-python/{__version__} (Python {python}; {system})"
