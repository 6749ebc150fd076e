"""`innovation`: the command line (thin: parse, call the application or a process, print).

The settings are read once, here, and handed to whatever the command builds.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from application import modeling
from application.assembly import build_engine
from application.settings import Settings
from cli import processes, publication
from cli import users as users_commands
from engine import EngineError, NotFound


def _engine(args):
    return build_engine(args.settings)


def _read_json(path: str | None) -> dict:
    if not path:
        return {}
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"error: {path} is not valid JSON: {exc}") from None


def _print(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _table(rows: list[dict], columns: list[str]) -> None:
    widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rows]) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c) or "").ljust(widths[c]) for c in columns))


def cmd_db(args) -> None:
    from cli.database import upgrade
    upgrade(args.settings.database_url)
    print("database is at the latest schema")


def cmd_deploy(args) -> None:
    """The files and folders named are one deployment: one version of each process in them
    (with --keep-newer, as ``make run`` deploys, never over a process owner's newer version)."""
    engine = _engine(args)
    if args.keep_newer:
        deployed, notices = modeling.deploy_checkout(engine, args.files, args.actor)
        for notice in notices:
            print(f"kept: {notice}")
    else:
        deployed = engine.deploy_files(args.files, deployed_by=args.actor)
    for d in deployed:
        state = "deployed" if d["created"] else "unchanged"
        runs = f", with {', '.join(d['files'])}" if d["files"] else ""
        print(f"{d['process_key']} version {d['version']} {state} ({d['sha256'][:12]}{runs})")


def cmd_start(args) -> None:
    instance = _engine(args).start(args.key, _read_json(args.data), actor=args.actor, business_key=args.business_key)
    print(f"started {instance['id']} ({instance['process_key']} v{instance['definition_version']})")


def cmd_tasks(args) -> None:
    _table(_engine(args).tasks(instance_id=args.instance, lane=args.lane),
           ["id", "instance_id", "element_id", "name", "lane", "due_at"])


def cmd_complete(args) -> None:
    instance = _engine(args).complete_task(args.task_id, _read_json(args.data), actor=args.actor)
    print(f"completed; instance {instance['id']} is {instance['status']}, open tasks: "
          f"{', '.join(t['element_id'] for t in instance['tasks']) or 'none'}")


def cmd_message(args) -> None:
    instance = _engine(args).correlate_message(args.name, _read_json(args.data), actor=args.actor,
                                           instance_id=args.instance, business_key=args.business_key)
    print(f"delivered; instance {instance['id']} is {instance['status']}")


def cmd_tick(args) -> None:
    done = _engine(args).tick()
    print(f"fired {done['timers']} timer(s), ran {done['jobs']} job(s)")


def cmd_instances(args) -> None:
    _table(_engine(args).instances(status=args.status, process_key=args.process),
           ["id", "process_key", "definition_version", "business_key", "status", "started_at"])


def cmd_show(args) -> None:
    engine = _engine(args)
    detail = engine.instance(args.instance)
    if args.history:
        detail["history"] = engine.history(args.instance)
    _print(detail)


def cmd_demo(args) -> None:
    from application import demo
    if not args.seed:
        demo.run(args.settings)
        return
    try:
        count = demo.seed(args.settings)
    except demo.NotEmpty as refusal:
        if args.if_empty:
            print(f"demo not seeded: {refusal}")
            return
        raise SystemExit(f"error: not seeded: {refusal}") from None
    print(f"demo: {count} initiatives in the database, {len(demo.OPEN)} of them waiting at a step today "
          "(log in as innovationsledare, chef or forvaltningsledning to work them)")


def cmd_export(args) -> None:
    """A deployed version's diagram on stdout, e.g. into processes/ to keep a modeler's version."""
    engine = _engine(args)
    versions = engine.definitions(args.key)
    chosen = [v for v in versions if args.version in (None, v["version"])]
    if not chosen:
        known = ", ".join(f"v{v['version']}" for v in versions) or "none"
        wanted = f"version {args.version}" if args.version else "deployed version"
        raise NotFound(f"{args.key} has no {wanted} (deployed: {known})")
    sys.stdout.write(engine.definition_xml(chosen[-1]["id"]))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="innovation", description="Helsingborg's innovation model on a BPMN engine")
    top.add_argument("--as", dest="actor", default=getpass.getuser(), help="who is acting (audit log)")
    sub = top.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(run=cmd_db)
    p = sub.add_parser("deploy", help="validate and deploy BPMN and DMN files and forms as one deployment")
    p.add_argument("files", nargs="+", help=".bpmn, .dmn and .json files, or folders holding them")
    p.add_argument("--keep-newer", action="store_true",
                   help="skip a diagram that did not change since it was deployed, or that someone else has "
                        "deployed a newer version of (make run)")
    p.set_defaults(run=cmd_deploy)
    p = sub.add_parser("start", help="start an instance of a deployed process")
    p.add_argument("key")
    p.add_argument("--data", help="JSON file with the start data ('-' for stdin)")
    p.add_argument("--business-key")
    p.set_defaults(run=cmd_start)
    p = sub.add_parser("tasks", help="open user tasks")
    p.add_argument("--instance")
    p.add_argument("--lane")
    p.set_defaults(run=cmd_tasks)
    p = sub.add_parser("complete", help="complete a user task with form data")
    p.add_argument("task_id")
    p.add_argument("--data", help="JSON file with the form data ('-' for stdin)")
    p.set_defaults(run=cmd_complete)
    p = sub.add_parser("message", help="deliver a BPMN message to an instance, or start the process it starts")
    p.add_argument("name")
    p.add_argument("--instance")
    p.add_argument("--business-key")
    p.add_argument("--data", help="JSON file with the payload")
    p.set_defaults(run=cmd_message)
    sub.add_parser("tick", help="fire due timers and run pending jobs in-process").set_defaults(run=cmd_tick)
    p = sub.add_parser("instances", help="list instances")
    p.add_argument("--status")
    p.add_argument("--process")
    p.set_defaults(run=cmd_instances)
    p = sub.add_parser("show", help="one instance: state, tasks, timers, jobs, data")
    p.add_argument("instance")
    p.add_argument("--history", action="store_true")
    p.set_defaults(run=cmd_show)
    p = sub.add_parser("demo", help="run realistic initiatives through every outcome")
    p.add_argument("--seed", action="store_true", help="fill an empty database with them (and a few waiting "
                                                       "today) without printing them; refused when it holds any")
    p.add_argument("--if-empty", action="store_true", help="with --seed: a database that holds instances is "
                                                           "left alone with a note, not an error (make run)")
    p.set_defaults(run=cmd_demo)
    p = sub.add_parser("export", help="print a deployed version's diagram (the latest unless --version)")
    p.add_argument("key", help="the process key, e.g. innovation")
    p.add_argument("--version", type=int)
    p.set_defaults(run=cmd_export)
    users_commands.add_commands(sub)
    processes.add_commands(sub)
    publication.add_commands(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.settings = Settings.from_environment()
    try:
        code = args.run(args)  # a command returns its exit code when it can partly fail
    except EngineError as exc:
        details = "; ".join(str(p) for p in exc.details)
        print(f"error: {exc.message}" + (f": {details}" if details else ""), file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file", file=sys.stderr)
        return 2
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
