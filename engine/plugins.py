"""Plug-ins: service-task operations and script helpers from installed Python packages.

A package offers a plug-in by naming a callable under the entry-point group ``GROUP`` in
its own metadata (``[project.entry-points."bpmn_engine.plugins"]`` in pyproject.toml).
At start-up the application calls ``load_plugins`` once; each plug-in receives a
``PluginHost`` and registers what it brings. So a city adds an operation (a call to its
case system, say) by installing a package, without editing this project, and deploy
then accepts diagrams that name it and the modeler offers it.
"""
from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import sandbox
from engine.operations import Operation, OperationRegistry, RetryPolicy

GROUP = "bpmn_engine.plugins"


class PluginError(Exception):
    """A plug-in could not be loaded or registered something it may not."""


@dataclass
class PluginHost:
    """What a plug-in gets to register into, and the services the application lends it.

    ``services`` holds what the application chooses to offer (for example a function that
    sends notifications); the engine itself knows nothing of them.
    """

    operations: OperationRegistry
    db: Any
    services: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""

    def operation(self, name: str, function: Operation, policy: RetryPolicy | None = None) -> None:
        if name in self.operations:
            raise PluginError(f"plug-in {self.plugin or '?'}: operation {name!r} is already registered")
        self.operations.register(name, function, policy or RetryPolicy())

    def script_helper(self, name: str, function: Callable) -> None:
        """A function diagram scripts and conditions may call by ``name``; it runs inside the
        restricted engine's time budget, so it must not block (no I/O, no sleeping)."""
        try:
            sandbox.register_helper(name, function)
        except ValueError as exc:
            raise PluginError(f"plug-in {self.plugin or '?'}: {exc}") from None


def load_plugins(host: PluginHost, entry_points: Iterable | None = None) -> list[str]:
    """Call every installed plug-in with ``host``; the names loaded, in load order.

    A plug-in that fails to import or to register stops the start-up with its name: a
    service that silently lacks an operation would refuse diagrams that worked yesterday.
    """
    found = importlib.metadata.entry_points(group=GROUP) if entry_points is None else entry_points
    loaded = []
    for entry in sorted(found, key=lambda e: e.name):
        try:
            plugin = entry.load()
        except Exception as exc:
            raise PluginError(f"plug-in {entry.name} ({entry.value}) cannot be imported: "
                              f"{type(exc).__name__}: {exc}") from exc
        host.plugin = entry.name
        try:
            plugin(host)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plug-in {entry.name} failed to register: {type(exc).__name__}: {exc}") from exc
        loaded.append(entry.name)
    host.plugin = ""
    return loaded
