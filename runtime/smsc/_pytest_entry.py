"""The `smsc` pytest11 entry point: does nothing unless the project opts in with `smsc_fixtures = true`.

Installing smsc never changes anyone's test run: this module only declares the ini switch and,
when a project sets it, registers smsc.testing.plugin (the fixtures). `-p smsc.testing.plugin` or
`pytest_plugins = ["smsc.testing.plugin"]` opt in without the switch.
"""

from __future__ import annotations

from typing import Any

PLUGIN = "smsc.testing.plugin"


def pytest_addoption(parser: Any) -> None:
    parser.addini("smsc_fixtures", "load smsc's fixtures (smsc_emulator, smsc_client, ...)", type="bool", default=False)


def pytest_configure(config: Any) -> None:
    if config.getini("smsc_fixtures") and not config.pluginmanager.has_plugin(PLUGIN):
        import importlib

        config.pluginmanager.register(importlib.import_module(PLUGIN), PLUGIN)
