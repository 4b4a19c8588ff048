"""The control API against its own OpenAPI description, fuzzed by an independent client (schemathesis).

Every generated request must get a documented status, a JSON reply that matches the documented
schema, and never a server error. Bounded: a fixed seed and a few examples per operation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.emulator_support import running

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_every_operation_answers_as_documented(tmp_path: Path) -> None:
    with running() as emulator:
        result = subprocess.run(
            [
                *(sys.executable, "-m", "schemathesis.cli", "run", emulator.base_url + "/_emulator/openapi.json"),
                *("--url", emulator.base_url, "--checks", CHECKS, "--max-examples", "20", "--seed", "1"),
                *("--exclude-path", "/_emulator/events", "--request-timeout", "5", "--no-color"),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failures" not in result.stdout.lower().split("summary")[-1]
