"""`innovation users …`: people, roles, passwords, API tokens and the identity provider's
claim -> role mappings (the service has no sign-up)."""
from __future__ import annotations

import getpass

from application import accounts
from application.assembly import build_engine
from innovation.domain.administrations import ADMINISTRATIONS

ADMINISTRATION_CODES = [a.code for a in ADMINISTRATIONS]


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
    print(_session_run(args, lambda s: accounts.issue_token(s, args.username, args.name, scope=args.scope,
                                                            days=args.days)))


def cmd_password(args) -> None:
    """Reset a password: a printed one-time password, or one typed at a prompt."""
    if args.prompt:
        password = getpass.getpass(f"new password for {args.username}: ")
        if password != getpass.getpass("again: "):
            raise SystemExit("error: the passwords differ")
        _session_run(args, lambda s: accounts.set_password(s, args.username, password))
        print(f"password of {args.username} set; their sessions have ended")
        return
    password = _session_run(args, lambda s: accounts.one_time_password(s, args.username))
    print(f"one-time password for {args.username} (to be changed at the first login): {password}")


def cmd_signout(args) -> None:
    _session_run(args, lambda s: accounts.end_sessions(s, args.username))
    print(f"every session of {args.username} has ended")


def cmd_list(args) -> None:
    for user in _session_run(args, accounts.list_users):
        print(f"{user['username']:<20} {', '.join(user['roles'])}")


def cmd_bootstrap(args) -> None:
    created = _session_run(args, accounts.bootstrap)
    if not created:
        print("users exist already; nothing printed again (reset a password: innovation users password NAME)")
        return
    print("One-time passwords (log in at /login; each must be changed at the first login; shown once):")
    for username, roles, password in created:
        print(f"  {username:<20} {roles:<28} {password}")


def cmd_mappings(args) -> None:
    rows = _session_run(args, accounts.list_mappings)
    print(f"{'id':<5} {'claim':<12} {'value':<40} role")
    for m in rows:
        print(f"{m['id']:<5} {m['claim']:<12} {m['value']:<40} {m['role']}"
              f"{' for ' + m['administration'] if m['administration'] else ''}")


def cmd_map(args) -> None:
    _session_run(args, lambda s: accounts.add_mapping(s, args.claim, args.value, args.role, args.administration))
    print(f"{args.claim} = {args.value} gives {args.role}"
          f"{' for ' + args.administration if args.administration else ''} at the next sign-in")


def cmd_unmap(args) -> None:
    _session_run(args, lambda s: accounts.remove_mapping(s, args.id))
    print(f"removed mapping {args.id}")


def add_commands(sub) -> None:
    top = sub.add_parser("users", help="users, roles, passwords, API tokens, single sign-on role mappings")
    commands = top.add_subparsers(dest="users_command", required=True)
    p = commands.add_parser("add", help="add a user")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--email")
    p.set_defaults(run=cmd_add)
    p = commands.add_parser("grant", help="grant a role (decision_maker, coordinator and manager are held "
                                         "per administration: --administration)")
    p.add_argument("username")
    p.add_argument("role", choices=accounts.ROLES)
    p.add_argument("--administration", choices=ADMINISTRATION_CODES)
    p.set_defaults(run=cmd_grant)
    p = commands.add_parser("token", help="issue a new API token (printed once)")
    p.add_argument("username")
    p.add_argument("--name", default="cli", help="what the token is for")
    p.add_argument("--scope", choices=accounts.TOKEN_SCOPES, default=accounts.WRITE)
    p.add_argument("--days", type=int, default=90, help=f"lifetime, 1 to {accounts.TOKEN_MAX_DAYS} days")
    p.set_defaults(run=cmd_token)
    p = commands.add_parser("password", help="reset a password: a printed one-time password, or --prompt")
    p.add_argument("username")
    p.add_argument("--prompt", action="store_true", help="type the new password instead")
    p.set_defaults(run=cmd_password)
    p = commands.add_parser("signout", help="end every web session of a user")
    p.add_argument("username")
    p.set_defaults(run=cmd_signout)
    commands.add_parser("list", help="users and their roles").set_defaults(run=cmd_list)
    commands.add_parser("bootstrap", help="first admin and one user per role, with one-time passwords "
                                          "(only when they do not exist yet)").set_defaults(run=cmd_bootstrap)
    commands.add_parser("mappings", help="single sign-on: which claim values give which roles").set_defaults(
        run=cmd_mappings)
    p = commands.add_parser("map", help="single sign-on: a claim value gives a role, e.g. map groups GUID coordinator")
    p.add_argument("claim", help="the claim to read, e.g. groups or roles")
    p.add_argument("value", help="the value it must hold, e.g. a group's name or object id")
    p.add_argument("role", choices=accounts.ROLES)
    p.add_argument("--administration", choices=ADMINISTRATION_CODES)
    p.set_defaults(run=cmd_map)
    p = commands.add_parser("unmap", help="single sign-on: remove a mapping by its id")
    p.add_argument("id", type=int)
    p.set_defaults(run=cmd_unmap)
