"""`python -m smsc.cli`: the same as the `smsc` command."""

from __future__ import annotations

import sys

from smsc.cli import main

sys.exit(main())
