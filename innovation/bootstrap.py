"""Composition root: the engine wired with the innovation model's operations and records."""
from __future__ import annotations

import os
from pathlib import Path

from engine.core import Engine
from engine.operations import OperationRegistry
from innovation.adapters.operations import InnovationOperations, release_when_ended
from innovation.adapters.projection import project_initiative

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'innovation.db'}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def build_engine(url: str | None = None, clock=None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    registry = OperationRegistry()
    engine = Engine(url, forms_dir=ROOT / "forms", operations=registry, clock=clock)
    InnovationOperations(engine.db).register(registry)
    engine.listeners.append(project_initiative)
    engine.listeners.append(release_when_ended)
    return engine
