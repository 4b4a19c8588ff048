"""Shared fixtures: the loaded spec and converters from spec examples to model values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import smsc
from generator.load import load
from generator.model import Spec
from tests.support.clients import make_client

__all__ = ["make_client"]  # the fixture running Client behaviour tests against AsyncClient too

ROOT = Path(__file__).resolve().parent.parent
SPEC = load(ROOT / "spec")

# The suite runs on shared, loaded machines and in parallel workers: the time one example takes is not
# what a property tests (bench/ measures speed), so there is no per-example deadline to flake on.
settings.register_profile("smsc", deadline=None)
settings.load_profile("smsc")


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
