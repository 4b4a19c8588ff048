# Copied from generator/runtime/cli/__main__.py by `make generate`. DO NOT EDIT: edit the source.
"""`python -m smsc.cli`: the same as the `smsc` command."""

from __future__ import annotations

import sys

from smsc.cli import main

sys.exit(main())
