"""How fast the public database answers with 10,000 published initiatives.

1. A database: a temporary SQLite file, or DATABASE_URL=postgresql+psycopg://... (dropped and
   created afresh), migrated.
2. RECORDS public records generated (every field filled: summaries, terms, funds, impact goals,
   lessons; round-robin over the nine administrations, the kinds, phases and statuses; one
   update a minute apart) and stored with ``import_historical`` in one transaction, then ANALYZE
   (on PostgreSQL VACUUM ANALYZE, as autovacuum would after a bulk load).
3. Every page fetched REPEATS times (after two warm-up requests) through Flask's test client
   (the whole app in-process, no network, anonymous as the public is): the public list
   (first page, filtered, searched, deep), an initiative, the field page, the Atom feed and the
   WordPress list (10 and 100 a page) and one project. Median and p99 per page.
4. Downloads, apart: the CSV's first chunk (it is streamed, a batch of records at a time) and
   its whole body, and the JSON document.

Last line: ``public_pages_p99_ms: X``, the slowest page's p99 (downloads are not pages).
Goal: under 300 ms.

    .venv/bin/python bench/public_pages.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench .venv/bin/python bench/public_pages.py
"""
from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from application.assembly import build_engine  # noqa: E402
from application.publication import CONTACT, contact_for, import_historical  # noqa: E402
from bench._support import scratch  # noqa: E402
from bench.pages import p99  # noqa: E402
from innovation.domain.administrations import ADMINISTRATIONS  # noqa: E402
from innovation.domain.publication import Funds, ImpactGoal, PublicRecord, Summary  # noqa: E402
from innovation.domain.vocabulary import Kind, Phase, Status  # noqa: E402
from server import create_app  # noqa: E402

RECORDS = int(os.environ.get("PUBLIC_RECORDS", "10000"))
REPEATS = int(os.environ.get("PUBLIC_REPEATS", "40"))
DOWNLOADS = int(os.environ.get("PUBLIC_DOWNLOAD_REPEATS", "3"))
START = datetime(2021, 1, 1, tzinfo=UTC)
TEXT = ("Förskolan prövar en digital assistent som barnen kan prata med, och mäter hur mycket tid "
        "pedagogerna får tillbaka. ") * 3


def generated(count: int) -> list[PublicRecord]:
    """Public records as full as a real initiative's, spread over every filter's values."""
    plan = zip(range(count), itertools.cycle(ADMINISTRATIONS), itertools.cycle(Kind), itertools.cycle(Phase),
               itertools.cycle([Status.ACTIVE] * 5 + [Status.ON_HOLD, Status.ABORTED, Status.REALISED]))
    records = []
    for n, administration, kind, phase, status in plan:
        code, when = administration.code, START + timedelta(minutes=n)
        ended = status in (Status.ABORTED, Status.REALISED)
        records.append(PublicRecord(
            id=f"bench-{n:05d}", title=f"Initiativ {n}: digital assistent i förskolan",
            summary=Summary(TEXT, TEXT, TEXT), kind=kind.value, status=status.value,
            progress=-1 if status == Status.ABORTED else 100 if status == Status.REALISED else 40,
            phase=None if ended else phase.value, phase_reached=phase.value, administration=code,
            participating_administrations=("SLF",), partners=("Lunds universitet", "Region Skåne"),
            challenge="Ett livslångt lärande", category="digitalisering", sectors=("utbildning",),
            technologies=("ai", "iot"), global_goals=(4, 11), expected_impact=("Ökad kvalitet",),
            innovation_height="7 av 9", estimated_budget="1200000.00",
            funds_granted=(Funds(code, "250000.00", "2021-04-01"), Funds("SLF", "100000.00", "2022-01-15")),
            funds_used=(Funds(code, "98500.50", "2021-12-31"),),
            impact_goals=(ImpactGoal("Mer tid med barnen", "timmar/vecka", 0, 5, 3.5),
                          ImpactGoal("Barnen använder den dagligen", completed=True, comment="Två av tre")),
            resident_involvement=("Vårdnadshavare testade den.",), lessons_learned=("Börja i liten skala.",),
            city_wide=n % 3 == 0, contact=contact_for(code, CONTACT), start_date="2021-03-01",
            published_at=START.isoformat(), updated_at=when.isoformat(), historical=True))
    return records


class Visitor:
    """An anonymous member of the public."""

    def __init__(self, app):
        self.client = app.test_client()

    def time(self, path: str, repeats: int = REPEATS) -> list[float]:
        for _ in range(2):
            assert self.client.get(path).status_code == 200, path
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = self.client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
        return samples

    def stream(self, path: str) -> tuple[float, float, int]:
        """Milliseconds to the first chunk and to the last, and the bytes."""
        started = time.perf_counter()
        response = self.client.get(path, buffered=False)
        chunks = iter(response.response)
        size = len(next(chunks))
        first = (time.perf_counter() - started) * 1000
        size += sum(len(chunk) for chunk in chunks)
        response.close()
        return first, (time.perf_counter() - started) * 1000, size


def main() -> None:
    url = scratch("public_pages")
    engine = build_engine(url)
    started = time.perf_counter()
    with engine.db.unit_of_work(write=True) as uow, uow.session.no_autoflush:  # one INSERT of many rows
        count = import_historical(uow.session, generated(RECORDS))
        uow.commit()
    with engine.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # planner statistics and PostgreSQL's visibility map (index-only scans), as autovacuum keeps them
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.db.dialect == "postgresql" else "ANALYZE")
    print(f"database: {engine.db.dialect}, {count} published records (import_historical), "
          f"seeded in {time.perf_counter() - started:.1f} s")
    visitor = Visitor(create_app(engine))
    middle, deep, deep_wp = f"bench-{count // 2:05d}", max(1, count * 3 // 100), max(1, count * 9 // 100)
    pages = [
        ("public list", "/public/initiatives"),
        ("public list, filtered", "/public/initiatives?administration=SOF&status=active&phase=utveckla_pilot"),
        ("public list, searched", "/public/initiatives?q=Initiativ%209999"),
        (f"public list, page {deep}", f"/public/initiatives?page={deep}"),
        ("public initiative", f"/public/initiatives/{middle}"),
        ("field page", "/public/fields"),
        ("Atom feed (50 changes)", "/public/initiatives.atom"),
        ("WordPress list", "/api/public/wp-json/wp/v2/project"),
        ("WordPress list, 100", "/api/public/wp-json/wp/v2/project?per_page=100"),
        (f"WordPress list, page {deep_wp}", f"/api/public/wp-json/wp/v2/project?page={deep_wp}"),
        ("WordPress project", f"/api/public/wp-json/wp/v2/project/{middle}"),
    ]
    print(f"{'page':<28} {'median ms':>10} {'p99 ms':>10}   ({REPEATS} requests each)")
    worst = 0.0
    for title, path in pages:
        samples = visitor.time(path)
        worst = max(worst, p99(samples))
        print(f"{title:<28} {statistics.median(samples):>10.1f} {p99(samples):>10.1f}")
    print(f"downloads of all {count} records ({DOWNLOADS} each, the slowest shown):")
    firsts, totals, size = zip(*(visitor.stream("/public/initiatives.csv") for _ in range(DOWNLOADS)), strict=True)
    print(f"{'CSV, first chunk':<28} {max(firsts):>10.1f} ms")
    print(f"{'CSV, whole body':<28} {max(totals):>10.1f} ms   ({size[0] / 1e6:.1f} MB)")
    json_ms = max(visitor.time("/public/initiatives.json", DOWNLOADS))
    print(f"{'JSON, whole body':<28} {json_ms:>10.1f} ms")
    print(f"public_pages_p99_ms: {worst:.1f}")


if __name__ == "__main__":
    main()
