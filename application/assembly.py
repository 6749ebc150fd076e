"""The engine wired with the innovation model: its service-task operations, its record and notifications."""
from __future__ import annotations

from pathlib import Path

from application import notifications
from application.settings import Settings
from engine import Engine, OperationRegistry, PluginHost, ScriptLimits, load_plugins, set_script_limits
from innovation.adapters.checks import check_submission
from innovation.adapters.operations import release_when_ended
from innovation.adapters.projection import project_initiative
from innovation.model import Role


def build_engine(settings: Settings | str | None = None, clock=None) -> Engine:
    """The innovation engine on ``settings`` (or a bare database URL, as tests and benchmarks pass)."""
    settings = Settings.of(settings)
    url = settings.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    set_script_limits(ScriptLimits(seconds=settings.script_seconds))
    registry = OperationRegistry()
    # a diagram's candidate groups are the application's roles
    engine = Engine(url, forms_dir=settings.forms_dir, operations=registry, clock=clock, groups=[r.value for r in Role])
    # Service-task operations and script helpers come from installed plug-ins, the innovation
    # model's own among them (pyproject.toml, entry-point group bpmn_engine.plugins).
    load_plugins(PluginHost(registry, engine.db, services={"notify": notifications.remind}))
    engine.listeners.append(check_submission)  # first: a refused submission records nothing
    engine.listeners.append(project_initiative)
    engine.listeners.append(release_when_ended)
    engine.listeners.append(notifications.record_changes)  # after the record: it reads the initiative's title
    return engine
