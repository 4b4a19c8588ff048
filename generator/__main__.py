"""`python -m generator [--spec DIR] [--out DIR]`: regenerate the package from the spec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.load import SpecError, load
from generator.render import ROOT, render_all, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--spec", type=Path, default=ROOT / "spec", help="spec directory (default: spec/)")
    parser.add_argument("--out", type=Path, default=ROOT / "generated" / "smsc", help="output package directory")
    args = parser.parse_args(argv)
    try:
        spec = load(args.spec)
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 1
    changed = write(render_all(spec), args.out)
    for rel in changed:
        print(f"wrote {args.out / rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
