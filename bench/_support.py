"""What the benchmarks share: a throw-away database to measure on."""
from __future__ import annotations

import os
import tempfile

from tests.databases import recreate


def scratch(name: str) -> str:
    """A recreated database for a benchmark: DATABASE_URL if it names PostgreSQL, else a
    SQLite file called ``name`` in a fresh temporary folder."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        url = f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    recreate(url)
    return url
