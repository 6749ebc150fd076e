"""Which events notify whom, and how each becomes e-mail (at once, in the digest, or none)."""
from __future__ import annotations

from sqlalchemy import select

from application import notifications
from application.notifications import Notification, OutboxMessage
from innovation.driver import criteria, forced_decision, start_data
from tests.api.flows import ApiInitiative
from tests.conftest import FIXTURES

BASE = "https://innovation.helsingborg.se"


def received(engine) -> list[tuple[str, str]]:
    with engine.reading() as session:
        return [(n.username, n.kind) for n in session.scalars(select(Notification).order_by(Notification.id))]


def write(engine, work):
    with engine.db.unit_of_work(write=True) as uow:
        done = work(uow.session, engine.now())
        uow.commit()
    return done


def outbox(engine) -> list[OutboxMessage]:
    with engine.reading() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_tasks_reach_their_lane_and_decisions_reach_the_idea_owner(api, engine, clock, people):
    flow = ApiInitiative(api, engine, clock)  # ada submits: the screening goes to SOF's coordinators (not fredrik, FF)
    assert received(engine) == [("ivar", "task_available")]
    flow.screen()  # ada hears the screening; SOF has no manager, so its decision makers get beslut_tid
    assert received(engine) == [("ivar", "task_available"), ("frida", "task_available"), ("ada", "decision")]
    flow.complete("frida", "beslut_tid", {"time_decision": "go", "time_rationale": "Bra idé."})
    with engine.reading() as session:
        decision = session.scalars(select(Notification).where(Notification.kind == "decision")).all()[-1]
    assert (decision.username, decision.params["gate"], decision.params["decision"]) == ("ada", "tid", "go")
    assert notifications.render("decision", decision.params, "en")[0] == "Decision on Digital lånecykel: go ahead"
    assert notifications.render("decision", decision.params, "sv") == (
        "Beslut om Digital lånecykel: gå vidare",
        "Beslutet vid grinden Tid om ditt initiativ \"Digital lånecykel\" är: gå vidare.\nMotivering: Bra idé.")
    assert "mf_boss" not in {user for user, _ in received(engine)}  # decides for MF, not SOF


def test_pilot_rounds_and_ones_own_decisions_are_not_news(api, engine, clock, people):
    """A pilot round that goes on is no decision, and the idea owner who stops the pilot knows;
    the forced decision at the end date reaches her like a gate's."""
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("continue", [("SOF", 1_000)])
    flow.evaluate("stop", [("SOF", 1_000)])
    assert [(n.params["gate"], n.params["decision"]) for n in _decisions(engine)] == [("granskning", "go"), ("tid", "go"),
                                                                                       ("pengar", "go")]
    other = ApiInitiative(api, engine, clock)
    other.to_pilot()
    clock.advance(weeks=17)  # past the set-up's end date (16 weeks)
    other.settle()
    other.complete("frida", "tvingande_beslut", forced_decision("scale"))
    forced = _decisions(engine)[-1]
    assert (forced.username, forced.params["gate"], forced.params["decision"]) == ("ada", "pilot_slutdatum", "go")
    assert notifications.render("decision", forced.params, "sv")[1].startswith(
        "Beslutet vid grinden Pilotens slutdatum om ditt initiativ")


def _decisions(engine) -> list[Notification]:
    with engine.reading() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == "decision")
                                    .order_by(Notification.id)))


def test_an_assignment_by_someone_else_is_found_in_the_audit_log(api, engine, clock, people):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    write(engine, notifications.scan)  # the first scan starts reading the audit log here
    task = flow.task("ada", "utforska_behov")
    assert api.as_("ada").post(f"/api/tasks/{task['id']}/claim").status_code == 200  # her own claim: no news
    api.as_("ivar").post(f"/api/tasks/{task['id']}/release")
    response = api.as_("ivar").post(f"/api/tasks/{task['id']}/assign", json={"assignee": "bo"})
    assert response.status_code == 200, response.json
    assert write(engine, notifications.scan) == 1
    assert write(engine, notifications.scan) == 0  # the overlap rereads it and adds nothing
    with engine.reading() as session:
        assigned = session.scalars(select(Notification).where(Notification.kind == "task_assigned")).all()
    assert [(n.username, n.task_id, n.params["path"]) for n in assigned] == [("bo", task["id"], f"/tasks/{task['id']}")]


def test_overdue_tasks_and_the_diagram_reminder(api, engine, clock, people):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    clock.advance(days=31)
    flow.settle()  # utvardera_pilot opens, due in 7 days (its reminder timer)
    task = flow.task("ada", "utvardera_pilot")
    write(engine, notifications.scan)
    assert ("ada", "task_overdue") not in received(engine)
    clock.advance(days=7, minutes=1)
    assert write(engine, notifications.scan) == 1
    assert write(engine, notifications.scan) == 0  # told once per task
    flow.settle()  # the timer fires and innovation.remind runs: ada's address is a user's, so she is notified
    with engine.reading() as session:
        reminder = session.scalar(select(Notification).where(Notification.kind == "reminder"))
    assert (reminder.username, reminder.task_id) == ("ada", task["id"])
    assert outbox(engine) == []  # nothing written straight to the outbox for a known user


def test_each_person_gets_mail_as_they_chose(api, engine, clock, people):
    with engine.db.unit_of_work(write=True) as uow:
        notifications.save_preferences(uow.session, "ivar", "en", {"task_available": "immediate"})
        notifications.save_preferences(uow.session, "frida", "sv", {"task_available": "daily"})
        uow.commit()
    flow = ApiInitiative(api, engine, clock, owner="bo")  # bo has no e-mail address
    flow.screen()
    assert write(engine, lambda s, now: notifications.plan_mail(s, now, BASE)) == 3
    [message] = outbox(engine)
    task = flow.task("frida", "beslut_tid")
    assert (message.recipient, message.subject) == ("ivar@helsingborg.se", "New task: Granska initiativ")
    assert "\nOpen: https://innovation.helsingborg.se/tasks/" in message.body
    assert message.message_id.startswith("<") and message.message_id.endswith("@helsingborg.se>")
    assert write(engine, lambda s, now: notifications.send_digests(s, now, 6, BASE)) == 0  # before 06:00
    clock.advance(days=1)
    assert write(engine, lambda s, now: notifications.send_digests(s, now, 6, BASE)) == 1
    digest = outbox(engine)[-1]
    assert (digest.recipient, digest.subject) == ("frida@helsingborg.se", "Sammanfattning 2026-01-06: 1")
    assert f"- Ny uppgift: Beslut tid: {BASE}/tasks/{task['id']}" in digest.body
    assert write(engine, lambda s, now: notifications.send_digests(s, now, 6, BASE)) == 0


def test_no_address_or_no_mail_chosen_means_in_the_app_only(api, engine, clock, people):
    with engine.db.unit_of_work(write=True) as uow:
        notifications.save_preferences(uow.session, "ivar", "sv", {"task_available": "off"})
        uow.commit()
    flow = ApiInitiative(api, engine, clock, owner="bo")  # bo has no e-mail address
    flow.screen()
    flow.complete("frida", "beslut_tid", {"time_decision": "kill", "time_rationale": "Nej."})
    assert ("bo", "decision") in received(engine)
    write(engine, lambda s, now: notifications.plan_mail(s, now, BASE))
    assert [m.recipient for m in outbox(engine)] == []  # ivar chose none, bo has no address, frida's is daily
    with engine.reading() as session:
        assert notifications.unread_count(session, "bo") == 2  # the screening and the time gate



def test_an_idea_owner_lane_task_reaches_the_submitter_only_while_they_hold_the_role(engine, people):
    """An admin may submit an initiative, but only idea owners work in its lane (the access rules)."""
    instance = engine.start("innovation", start_data("Öppna skolgårdar"), actor="admin")["id"]
    steps = [("granska_initiativ", "ivar", {"screening_decision": "accept", "kind": "idedriven",
                                            "administration": "SOF", "screening_rationale": "Ja."}),
             ("beslut_tid", "frida", {"time_decision": "go", "time_rationale": "Ja."}),
             ("utforska_behov", "ada", {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1,
                                        "estimated_effects": "e"}),
             ("bedom_kriterier", "ivar", criteria(3))]
    for element_id, actor, data in steps:
        engine.tick()
        [task] = [t for t in engine.tasks(instance_id=instance) if t["element_id"] == element_id]
        engine.complete_task(task["id"], data, actor=actor)
    engine.tick()
    assert [t["element_id"] for t in engine.tasks(instance_id=instance)] == ["utforma_upplagg"]
    assert ("admin", "decision") in received(engine)
    assert ("admin", "task_available") not in received(engine)


def test_a_new_task_reaches_the_candidates_the_diagram_names(api, engine, people):
    """Lane Granskare's coordinators, then the task's own groups, then the assignee its expression names."""
    engine.deploy((FIXTURES / "assignment.bpmn").read_bytes(), deployed_by="owner", filename="granskning.bpmn")
    instance_id = engine.start("granskning", {"review_group": "process_owner", "owner": "bo"}, actor="x")["id"]
    # a process of no administration: every coordinator, whichever administrations they coordinate
    assert sorted(received(engine)) == [("fredrik", "task_available"), ("ivar", "task_available")]
    engine.complete_task(engine.tasks(instance_id=instance_id)[0]["id"], {}, actor="ivar")
    assert set(received(engine)[2:]) == {("owner", "task_available"), ("admin", "task_available")}
    engine.complete_task(engine.tasks(instance_id=instance_id)[0]["id"], {}, actor="owner")
    assert received(engine)[4:] == [("bo", "task_available")]
