"""`python -m generator [--spec DIR] [--out DIR] [--check] [--schema]`: regenerate the package, or check it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.load import SpecError, load
from generator.render import ROOT, drift, render_all, write
from generator.schema import schema_drift, schema_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--spec", type=Path, default=ROOT / "spec", help="spec directory (default: spec/)")
    parser.add_argument("--out", type=Path, default=ROOT / "generated" / "smsc", help="output package directory")
    parser.add_argument(
        "--schema-file",
        type=Path,
        default=ROOT / "docs" / "spec.schema.json",
        help="where the JSON Schema of a spec file is written and checked (default: docs/spec.schema.json)",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; fail if --out differs from a fresh run")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of a spec file and exit")
    args = parser.parse_args(argv)
    if args.schema:
        sys.stdout.write(schema_text())
        return 0
    try:
        spec = load(args.spec)
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        problem = drift(spec, args.out) or schema_drift(args.schema_file)
        if problem:
            print(f"drift: {problem}", file=sys.stderr)
            return 1
        print(f"{args.out} and {args.schema_file} match a fresh generation")
        return 0
    for change in write(render_all(spec), args.out):
        print(f"wrote {args.out / change}")
    if schema_drift(args.schema_file):
        args.schema_file.parent.mkdir(parents=True, exist_ok=True)
        args.schema_file.write_text(schema_text(), encoding="utf-8", newline="\n")
        print(f"wrote {args.schema_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
