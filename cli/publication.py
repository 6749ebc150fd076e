"""`innovation import-projects FILE`: the city's earlier innovation database as historical records.

FILE is what ``/wp-json/wp/v2/project`` of the city's api-project-manager answers (a JSON
list of projects; several pages may be joined into one list). Every project is checked first;
the ones that can be read are imported (read-only, public at once), the broken ones are listed
with the fields that are wrong and left out.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from application import publication
from application.assembly import build_engine
from engine import Conflict
from innovation.adapters.wordpress import WordPressFormatError, read_projects


def _store(engine, records) -> int:
    with engine.db.unit_of_work(write=True) as uow:
        count = publication.import_historical(uow.session, records)
        uow.commit()
    return count


def _import(engine, records) -> tuple[int, list[tuple[str, str]]]:
    """All in one transaction; if one is refused (an id of this service's own initiatives),
    one by one, so the others still go in."""
    try:
        return _store(engine, records), []
    except Conflict:
        pass
    imported, refused = 0, []
    for record in records:
        try:
            imported += _store(engine, [record])
        except Conflict as conflict:
            refused.append((record.id, conflict.message))
    return imported, refused


def cmd_import_projects(args) -> int:
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
        records, broken = read_projects(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SystemExit(f"error: {args.file} is not JSON: {exc}") from None
    except WordPressFormatError as exc:
        raise SystemExit(f"error: {args.file}: {exc}") from None
    for position, ident, error in broken:
        for where, what in error.problems:
            print(f"item {position + 1} (id {ident or '?'}): {where}: {what}", file=sys.stderr)
    engine = build_engine(args.settings)
    imported, refused = _import(engine, records) if records else (0, [])
    engine.db.dispose()
    for ident, why in refused:
        print(f"id {ident}: {why}", file=sys.stderr)
    left_out = len(broken) + len(refused)
    print(f"imported {imported} of {len(data)} projects as historical records"
          + (f"; {left_out} not imported (see above)" if left_out else ""))
    return 1 if left_out else 0


def add_commands(sub) -> None:
    p = sub.add_parser("import-projects", help="import the city's earlier database (api-project-manager's "
                                               "/wp-json/wp/v2/project as JSON) as historical, read-only records")
    p.add_argument("file", help="a JSON list of projects, as the city's API answers")
    p.set_defaults(run=cmd_import_projects)
