"""The last step of generation: ruff drops unused imports, sorts the rest and formats every module."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "pyproject.toml"


class FormatError(Exception):
    """ruff refused the rendered text: a template produced code that does not parse."""


def _ruff(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise FormatError(f"ruff {args[0]} failed on the rendered modules:\n{done.stdout}{done.stderr}")


def format_modules(files: dict[str, str], config: Path = CONFIG) -> dict[str, str]:
    """Rendered modules (relative path -> text) with unused imports dropped, imports sorted, `ruff format`ted.

    Templates import every enum or model a module might need; ruff removes what a given spec leaves
    unused (F401) and sorts the rest (isort rules). One ruff run per step for all modules, with the
    project's pyproject.toml, so that the output is what `ruff format --check` expects and the same
    on every machine with the pinned ruff.
    """
    for rel, text in files.items():
        try:
            ast.parse(text, filename=rel)
        except SyntaxError as exc:  # name the template's mistake before ruff gives up on it
            line = (exc.text or "").rstrip()
            raise FormatError(f"{rel}:{exc.lineno}: a template rendered invalid Python ({exc.msg}): {line}") from None
    with tempfile.TemporaryDirectory(prefix="smsc-format-") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        common = ("--config", str(config), "--no-cache", "--quiet")
        _ruff("check", *common, "--select", "I,F401", "--fix", "--exit-zero", str(root))
        _ruff("format", *common, str(root))
        return {rel: (root / rel).read_text(encoding="utf-8") for rel in files}
