"""`innovation users …`: people, roles and API tokens (the API has no sign-up)."""
from __future__ import annotations

from application import accounts
from application.assembly import build_engine
from innovation.domain.administrations import ADMINISTRATIONS


def _session_run(args, fn):
    engine = build_engine(args.settings)
    with engine.db.unit_of_work(write=True) as uow:
        result = fn(uow.session)
        uow.commit()
    engine.db.dispose()
    return result


def cmd_add(args) -> None:
    _session_run(args, lambda s: accounts.add_user(s, args.username, args.name, args.email))
    print(f"added {args.username}")


def cmd_grant(args) -> None:
    _session_run(args, lambda s: accounts.grant(s, args.username, args.role, args.administration))
    print(f"granted {args.role}{' for ' + args.administration if args.administration else ''} to {args.username}")


def cmd_token(args) -> None:
    print(_session_run(args, lambda s: accounts.issue_token(s, args.username)))


def cmd_list(args) -> None:
    for user in _session_run(args, accounts.list_users):
        print(f"{user['username']:<20} {', '.join(user['roles'])}")


def cmd_bootstrap(args) -> None:
    print("API tokens (use as 'Authorization: Bearer TOKEN'; shown once):")
    for username, roles, token in _session_run(args, accounts.bootstrap):
        print(f"  {username:<20} {roles:<28} {token}")


def add_commands(sub) -> None:
    top = sub.add_parser("users", help="users, roles and API tokens")
    commands = top.add_subparsers(dest="users_command", required=True)
    p = commands.add_parser("add", help="add a user")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--email")
    p.set_defaults(run=cmd_add)
    p = commands.add_parser("grant", help="grant a role (decision_maker needs --administration)")
    p.add_argument("username")
    p.add_argument("role", choices=accounts.ROLES)
    p.add_argument("--administration", choices=[a.code for a in ADMINISTRATIONS])
    p.set_defaults(run=cmd_grant)
    p = commands.add_parser("token", help="issue a new API token (printed once)")
    p.add_argument("username")
    p.set_defaults(run=cmd_token)
    commands.add_parser("list", help="users and their roles").set_defaults(run=cmd_list)
    commands.add_parser("bootstrap", help="first admin and one user per role, with tokens").set_defaults(
        run=cmd_bootstrap)
