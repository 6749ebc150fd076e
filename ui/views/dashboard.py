"""Where the work is: per-element counts on the diagram (a heatmap), time spent per phase and
per task, and the portfolio (funnel by phase, funds granted and spent per administration)."""
from __future__ import annotations

from flask import render_template, request

from application import monitoring, portfolio
from application.access import MODEL_READERS, OPERATORS
from innovation.domain.vocabulary import Phase
from innovation.model import PROCESS_KEY
from ui.auth import engine, require
from ui.blueprint import bp
from ui.i18n import term

FUNNEL = [p.value for p in Phase] + ["ended"]


def bars(rows: list[tuple[str, list[float]]]) -> list[tuple[str, list[tuple[float, float]]]]:
    """Each value with its bar length in percent of the largest value in the chart."""
    peak = max((value for _, values in rows for value in values), default=0)
    return [(label, [(value, round(100 * value / peak, 1) if peak else 0.0) for value in values])
            for label, values in rows]


def phase_bars(days: dict[str, float]):
    return bars([(term("phase", p), [days[p]]) for p in FUNNEL if p in days])


@bp.get("/monitor/activity")
@require(*MODEL_READERS)
def activity():
    with engine().db.unit_of_work() as uow:
        keys = monitoring.process_keys(uow.session)
        key = request.args.get("process_key") if request.args.get("process_key") in keys else \
            (PROCESS_KEY if PROCESS_KEY in keys else (keys[0] if keys else None))
        versions = monitoring.definitions_of(uow.session, key) if key else []
        chosen = next((d for d in versions if str(d.version) == request.args.get("version")),
                      versions[-1] if versions else None)
        counts = monitoring.element_counts(uow.session, [chosen.id]) if chosen else {}
        durations = monitoring.task_durations(uow.session, [chosen.id]) if chosen else {}
        names = monitoring.names(chosen) if chosen else {}
        days = portfolio.phase_days(uow.session)
    rows = sorted(set(counts) | set(durations), key=lambda e: (-counts.get(e, {}).get("failed", 0),
                                                               -counts.get(e, {}).get("waiting", 0), e))
    return render_template(
        "ui/activity.html", keys=keys, key=key, versions=[d.version for d in versions], chosen=chosen,
        counts=counts, durations=durations, names=names, rows=rows,
        phase_bars=phase_bars(days))


@bp.get("/monitor/dashboard")
@require(*OPERATORS)
def dashboard():
    with engine().db.unit_of_work() as uow:
        stats = portfolio.stats(uow.session)
    funds = stats["funds"]
    return render_template(
        "ui/dashboard.html", stats=stats,
        funnel=bars([(term("phase", p), [stats["by_phase"].get(p, 0)]) for p in FUNNEL]),
        statuses=bars([(term("status", s), [n]) for s, n in sorted(stats["by_status"].items())]),
        funds=bars([(term("administration", a), [v["granted"], v["spent"]]) for a, v in sorted(funds.items())]),
        phase_days=phase_bars(stats["median_days_in_phase"]))
