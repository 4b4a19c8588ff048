"""Shared fixtures: the loaded spec, converters from spec examples to model values, hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Generator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import smsc
from generator.load import load
from generator.model import Spec
from tests.support.clients import make_client

__all__ = ["make_client"]  # the fixture running Client behaviour tests against AsyncClient too

ROOT = Path(__file__).resolve().parent.parent
SPEC = load(ROOT / "spec")

# The suite runs on shared, loaded machines: the time one example takes (hypothesis's 200 ms deadline, its
# too_slow check) is not what a property tests (bench/ measures speed), so neither is there to flake on.
# With CI set, the profile builds on hypothesis's own "ci" one (derandomized, no example database).
# HYPOTHESIS_PROFILE=name picks a registered profile instead.
settings.register_profile("smsc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("smsc-ci", settings.get_profile("ci"), deadline=None)  # "ci" has no too_slow check
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("smsc-ci" if os.environ.get("CI") else "smsc"))


def _printable(value: object) -> object:
    """`value` with every string made encodable (a lone surrogate becomes its \\udcxx escape)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_printable(item) for item in value)
    return value


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(
    config: pytest.Config, report: pytest.TestReport
) -> Generator[None, dict[str, Any] | None, object]:
    """Reports cross to the pytest-xdist controller as UTF-8: the fuzz tests' captured logs hold lone surrogates
    (request bytes decoded with surrogateescape), which would otherwise crash the worker."""
    data = yield
    return _printable(data)


@pytest.fixture(scope="session")
def spec() -> Spec:
    return SPEC


def model_value(spec: Spec, model_name: str, data: dict[str, Any]) -> Any:
    """Build a model instance from an example's plain YAML values."""
    model = spec.models[model_name]
    cls = getattr(smsc._models, model_name)
    kwargs: dict[str, Any] = {}
    unknown = set(data) - {f.name for f in model.fields}
    assert not unknown, f"example names unknown attributes {unknown}"
    for field in model.fields:
        if field.name not in data:
            continue
        value = data[field.name]
        kind, _, ref = field.type.partition(":")
        if value is None:
            kwargs[field.name] = None
        elif field.type == "money":
            kwargs[field.name] = Decimal(str(value))
        elif field.type == "datetime":
            kwargs[field.name] = datetime.fromisoformat(value)
        elif kind == "enum":
            kwargs[field.name] = getattr(smsc, ref)(value)
        elif kind == "model":
            kwargs[field.name] = model_value(spec, ref, value)
        else:
            kwargs[field.name] = value
    return cls(**kwargs)
