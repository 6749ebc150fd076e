"""`innovation demo`: realistic initiatives through every outcome on a simulated clock.

Seeds this year's budgets, then drives each scenario through the engine exactly as its
people would (tasks completed, jobs and timers run in-process) and prints what happened.
``seed`` does the same into an empty database so that a newcomer's first ``make run`` shows
a living system: the scenarios end in the past, and a few initiatives wait today at the
screening and the gates, in the inboxes of the users ``innovation users bootstrap`` creates.
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from application import publication
from application.accounts import Principal
from application.assembly import build_engine
from application.settings import Settings
from engine import ManualClock, ProcessInstance
from innovation.adapters import ledger_store
from innovation.domain.vocabulary import ABORT_CATEGORY_TITLES, Decision, Gate
from innovation.driver import Driver, start_data
from innovation.model import Role

LABELS = {"granska_initiativ": "granskning", "tilldela_idebarare": "intern idébärare", "vilande_tid": "återupptagen",
          "utforska_behov": "utforska", "bedom_kriterier": "bedöm", "beslut_tid": "beslut tid",
          "utforma_upplagg": "upplägg", "beslut_pengar": "beslut pengar", "valj_upplagg": "gå vidare",
          "vilande_pengar": "återuppta", "utvardera_pilot": "utvärdering",
          "tvingande_beslut": "slutdatum", "forbered_skalning": "skalning", "beslut_skala_upp": "beslut skala",
          "dokumentera_lardomar": "lärdomar", "avbryt": "avbryt", "vänta": "vänta",
          "bekrafta_kostnader": "kostnader bekräftade", "bekrafta_slutkostnader": "sista kostnader bekräftade",
          "bekrafta_mottagande": "mottagande bekräftar", "infor_losning": "i drift", "folj_upp_nytta": "uppföljning"}


GATE_TITLES = {"granskning": "Granskning", "tid": "Beslut tid", "pengar": "Beslut pengar", "pilot": "Pilot",
               "pilot_slutdatum": "Pilotens slutdatum", "skala_upp": "Beslut skala upp",
               "mottagande": "Mottagande förvaltning", "inforande": "Införande", "uppfoljning": "Nyttouppföljning",
               "avbrott": "Avbrott"}
DECISION_WORDS = {"go": "ja", "kill": "nej", "hold": "vilande", "recycle": "arbeta om", "extend": "förläng",
                  "on_track": "enligt plan", "action_needed": "åtgärd behövs"}


def laiban(d: Driver) -> None:
    d.screen()
    d.gate_time("go")
    d.explore_idea(3)
    d.plan([("SOF", 400_000), ("SLF", 150_000)])
    d.gate_money("grant", [("SOF", 400_000), ("SLF", 150_000)])
    d.evaluate("continue", [("SOF", 120_000)], value=2.0)
    d.evaluate("adjust", [("SOF", 90_000), ("SLF", 40_000)], value=3.5)
    d.evaluate("scale", [("SOF", 60_000)], value=5.5)
    d.scale_up()
    d.follow_up_benefit()
    d.follow_up_benefit()


def sewage(d: Driver) -> None:
    d.screen()
    d.gate_time("go")
    d.explore_idea(2)
    d.plan([("MF", 300_000), ("FF", 250_000), ("SBF", 150_000)], weeks=12)
    d.gate_money("grant", [("MF", 300_000), ("FF", 250_000)])  # SBF says no
    d.choose_after_partial_grant("proceed")
    d.evaluate("continue", [("MF", 100_000), ("FF", 80_000)])
    d.path.append("vänta")
    d.wait(days=39)  # the next evaluation is overdue: a reminder goes out
    d.wait(days=14)  # the planned end date passes: a decision is forced
    d.end_date_decision("scale", [("MF", 40_000)])
    d.scale_up("MF")
    d.follow_up_benefit()
    d.follow_up_benefit()


def activity_house(d: Driver) -> None:
    d.screen()
    d.gate_time("hold", hold_until=(d.clock.now() + timedelta(days=60)).date().isoformat())
    d.path.append("vänta")
    d.wait(days=14)
    d.resume("Lokalen blev ledig tidigare än väntat.")
    d.gate_time("go")
    d.explore_idea(2)
    d.plan([("KF", 350_000)])
    d.gate_money("grant", [("KF", 150_000)])  # in part
    d.choose_after_partial_grant("rework")
    d.plan([("KF", 200_000)])
    d.gate_money("grant", [("KF", 200_000)])
    d.evaluate("stop", [("KF", 70_000)])
    d.lessons("Utan regelbok behövs tydligare värdskap.", "kostnad_effekt")


def sensors(d: Driver) -> None:
    d.screen(kind="behovsdriven")
    d.gate_time("kill")
    d.lessons("Behovet täcktes redan av befintliga larm.", "battre_losning")


def welfare_assistant(d: Driver) -> None:
    d.screen()
    d.gate_time("go")
    d.explore_idea(2)
    d.plan([("AMF", 5_000_000)])
    d.gate_money("grant", [("AMF", 5_000_000)])  # more than the budget: back to the gate, with the reason
    d.gate_money("grant", [("AMF", 500_000)])  # in part this time
    d.choose_after_partial_grant("proceed")
    d.evaluate("continue", [("AMF", 50_000)])
    d.evaluate("continue", [("AMF", 60_000)])
    d.evaluate("continue", [("AMF", 40_000)])
    d.wait(days=20)  # the planned end date (16 weeks) comes: the pilot is extended once, without more money
    d.end_date_decision("extend", [("AMF", 20_000)],
                        new_end_date=(d.clock.now() + timedelta(days=60)).date().isoformat())
    d.evaluate("continue", [("AMF", 30_000)])
    d.abort("Ett nationellt system ersätter piloten.", "battre_losning")
    d.lessons("Bevaka nationella initiativ tidigt.")


def video_meetings(d: Driver) -> None:
    d.screen()
    d.gate_time("go")
    d.explore_idea(3)
    d.plan([("VOF", 250_000)])
    d.gate_money("grant", [("VOF", 250_000)])
    d.evaluate("scale", [("VOF", 180_000)])  # a successful pilot
    d.prepare_scaling("VOF")
    d.gate_scale("scale")
    d.confirm_receiving("accept", deadline_days=90)
    d.path.append("vänta")
    d.wait(days=91)  # nobody took it into use by the deadline: aborted, "not implemented"
    d.lessons("Säkra en mottagande verksamhet och budget för drift före skalningsbeslutet.")


def school_route(d: Driver) -> None:
    d.screen()
    d.assign_owner("idea-owner")
    d.explore_idea(2)
    d.abort("Trafikverket bygger en nationell lösning.")
    d.lessons("En invånares idé fick en ägare i staden; idén lever vidare nationellt.")


def not_an_innovation(d: Driver) -> None:
    d.screen("reject", screening_category="annat",
             screening_rationale="Ett ordinarie inköp av möbler, inte ett innovationsinitiativ.")
    d.lessons("Hänvisad till ordinarie inköp.")


SCENARIOS = [
    ("Laiban – AI-assistent i förskolan", "SOF", "idedriven", "employee", laiban),
    ("Källsorterande avloppssystem", "MF", "behovsdriven", "employee", sewage),
    ("Aktivitetshus utan regelbok", "KF", "idedriven", "employee", activity_house),
    ("Sensormätning i hemmiljön", "VOF", "mojlighetsdriven", "employee", sensors),
    ("AI-assistent för ekonomiskt bistånd", "AMF", "mojlighetsdriven", "employee", welfare_assistant),
    ("Anhörigmöte via video", "VOF", "behovsdriven", "employee", video_meetings),
    ("Säker skolväg (invånarförslag)", "SBF", "idedriven", "resident", school_route),
    ("Nya kontorsstolar", "FF", "idedriven", "employee", not_an_innovation),
]


#: What the demo's coordinators choose for each initiative's public record, by title.
CATEGORIES = {"Laiban – AI-assistent i förskolan": ("larande_utbildning", ["ai"]),
              "Källsorterande avloppssystem": ("hallbarhet_miljo", ["iot_sensorer"]),
              "Aktivitetshus utan regelbok": ("kultur_fritid", []),
              "AI-assistent för ekonomiskt bistånd": ("arbete_delaktighet", ["ai"]),
              "Anhörigmöte via video": ("halsa_omsorg", ["appar_webb"]),
              "Säker skolväg (invånarförslag)": ("stadsutveckling_mobilitet", ["oppna_data"])}


def publish(engine, driver: Driver, title: str, mailbox: str) -> bool:
    """The initiative's coordinator reviews the prefilled public record, keeps its lessons and
    publishes it; one screened out as no innovation initiative is not published. Laiban's idea
    owner consents to be named."""
    record = driver.record()
    if any(d.gate == Gate.GRANSKNING and d.decision == Decision.KILL for d in record.gate_decisions):
        return False
    coordinator = Principal("coordinator", "Innovationsledare", frozenset({Role.COORDINATOR}), frozenset(),
                            scoped=frozenset({(Role.COORDINATOR, record.administration)}))
    draft = publication.review(engine, coordinator, driver.instance_id, mailbox=mailbox)["draft"]
    category, technologies = CATEGORIES.get(title, ("digitalisering_teknik", []))
    publication.save_review(engine, coordinator, driver.instance_id, {
        **draft, "lessons_learned": list(record.lessons_learned), "category": category,
        "technologies": technologies, "sectors": ["offentlig_sektor"], "global_goals": [11]}, publish=True,
        mailbox=mailbox)
    if title.startswith("Laiban"):
        owner = Principal("idea-owner", "Idébärare", frozenset({Role.IDEA_OWNER}), frozenset())
        publication.set_consent(engine, owner, driver.instance_id, True)
    return True


def _path(steps: list[str]) -> str:
    counts, order = Counter(steps), []
    for step in steps:
        if step not in order:
            order.append(step)
    return " → ".join(LABELS.get(s, s) + (f" ×{counts[s]}" if counts[s] > 1 else "") for s in order)


def _money(values: dict) -> str:
    return ", ".join(f"{code} {int(amount):,}".replace(",", " ") for code, amount in sorted(values.items())) or "–"


def _criteria(record) -> str:
    """How many criteria the assessment that counts found met: "9 av 9"."""
    latest = record.assessment
    return f"{latest.assessment.criteria_met} av {latest.assessment.applicable}" if latest else "–"


def _decision(d) -> str:
    """One entry of the decision log as the city would write it: where, for whom, what, how
    much, why and who decided."""
    where = GATE_TITLES.get(d.gate.value, d.gate.value)
    whom = f" ({d.administration})" if d.administration else ""
    amounts = ", ".join(f"{code} {int(amount):,} kr".replace(",", " ") for code, amount in sorted(d.amounts.items()))
    category = f" [{ABORT_CATEGORY_TITLES[d.category][0]}]" if d.category else ""
    return (f"{d.decided_at:%Y-%m-%d} {where}{whom}: {DECISION_WORDS.get(d.decision.value, d.decision.value)}"
            f"{' ' + amounts if amounts else ''}{category} – {d.rationale} ({d.decided_by})")


# Waiting today, each at a step of its own: the screening, beslut tid, beslut pengar.
OPEN = [
    ("Cykelpool för hemtjänsten", "VOF", "idedriven", lambda d: None),
    ("Digital lånecykel på biblioteken", "KF", "idedriven", lambda d: d.screen()),
    ("Solceller på förskolans tak", "MF", "mojlighetsdriven",
     lambda d: (d.screen(), d.gate_time("go"), d.explore_idea(2), d.plan([("MF", 300_000)]))),
]


class NotEmpty(Exception):
    """The database holds initiatives: the demo never writes on top of real data."""


def _open_years(engine, *years: int) -> None:
    with engine.db.unit_of_work(write=True) as uow:
        for year in sorted(set(years)):
            ledger_store.open_year(uow.session, year)
        ledger_store.set_budget(uow.session, "AMF", years[0], 3_000_000)
        uow.commit()


def _drive(engine, clock, settings: Settings) -> list[dict]:
    """Every scenario, one after the other on the simulated clock: one row per initiative."""
    rows = []
    for title, administration, kind, submitter, scenario in SCENARIOS:
        start = clock.now()
        driver = Driver.submit(engine, clock, start_data(title, administration, kind, submitter))
        scenario(driver)
        published = publish(engine, driver, title, settings.public_contact_email)
        record, instance = driver.record(), driver.instance()
        rows.append({"initiative": title, "path": _path(driver.path), "outcome": instance["end_element"],
                     "decisions": [_decision(d) for d in record.gate_decisions],
                     "status": record.status.value, "criteria": _criteria(record),
                     "granted": _money(record.funds_granted), "spent": _money(record.funds_spent),
                     "days": (clock.now() - start).days, "published": published})
    return rows


def seed(settings: Settings | str | None = None, now: datetime | None = None) -> int:
    """Fill an empty database with the demo (refused, NotEmpty, when it holds any instance):
    the scenarios on a clock that ends before ``now``, then ``OPEN`` waiting at ``now``.
    Returns how many initiatives it holds."""
    settings, now = Settings.of(settings), now or datetime.now(UTC)
    clock = ManualClock(now - timedelta(days=4 * 365))
    engine = build_engine(settings, clock=clock)
    try:
        with engine.reading() as session:
            held = session.scalar(select(func.count()).select_from(ProcessInstance))
        if held:
            raise NotEmpty(f"the database holds {held} instance(s); the demo fills only an empty database")
        engine.deploy_file(settings.processes_dir / "innovation.bpmn", deployed_by="demo")
        _open_years(engine, clock.now().year, now.year)
        rows = _drive(engine, clock, settings)
        if clock.now() < now:
            clock.advance(seconds=(now - clock.now()).total_seconds())
        for title, administration, kind, steps in OPEN:
            steps(Driver.submit(engine, clock, start_data(title, administration, kind)))
        return len(rows) + len(OPEN)
    finally:
        engine.db.dispose()


def run(settings: Settings | str | None = None, out=print) -> list[dict]:
    settings, clock = Settings.of(settings), ManualClock()
    engine = build_engine(settings, clock=clock)
    engine.deploy_file(settings.processes_dir / "innovation.bpmn", deployed_by="demo")
    _open_years(engine, clock.now().year)
    rows = _drive(engine, clock, settings)
    widths = {"initiative": 36, "outcome": 16, "criteria": 8, "granted": 34, "spent": 26}
    out("  ".join(name.ljust(w) for name, w in widths.items()))
    for row in rows:
        out("  ".join(str(row[name]).ljust(w) for name, w in widths.items()))
        out(f"    path ({row['days']} simulated days): {row['path']}")
        for line in row["decisions"]:
            out(f"    - {line}")
    outcomes = Counter(row["status"] for row in rows)
    out(f"outcomes: {dict(outcomes)}")
    out(f"published in the public database: {sum(row['published'] for row in rows)} of {len(rows)}")
    engine.db.dispose()
    return rows
