"""`python -m generator [--spec DIR] [--out DIR] [--check]`: regenerate the package, or check it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.load import SpecError, load
from generator.render import ROOT, drift, render_all, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--spec", type=Path, default=ROOT / "spec", help="spec directory (default: spec/)")
    parser.add_argument("--out", type=Path, default=ROOT / "generated" / "smsc", help="output package directory")
    parser.add_argument("--check", action="store_true", help="write nothing; fail if --out differs from a fresh run")
    args = parser.parse_args(argv)
    try:
        spec = load(args.spec)
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        problem = drift(spec, args.out)
        if problem:
            print(f"drift: {problem}", file=sys.stderr)
            return 1
        print(f"{args.out} matches a fresh generation")
        return 0
    for change in write(render_all(spec), args.out):
        print(f"wrote {args.out / change}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
