#!/usr/bin/env python
"""Benchmark: a company directory of 100,000 contacts (prints figures; not a test).

Plants the contacts with one bulk insert (half with a number, spread over 20
lists) in the demo tenant of a SQLite database (or DATABASE_URL), then times
the admin page ``/directory/``, one page of ``GET /api/v1/directory/contacts``
and the whole CSV export (web), with the peak memory the export added.

    .venv/bin/python bench/directory_pages.py [--contacts 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import insert, select  # noqa: E402
from webui_helpers import ADMIN, load_demo, logged_in, make_app, token_for  # noqa: E402

from orchestrator.config import Settings  # noqa: E402
from orchestrator.db import migrate  # noqa: E402
from orchestrator.db.models import Contact, ContactNumber, DirectoryList  # noqa: E402
from orchestrator.runtime import Runtime  # noqa: E402


def plant(rt: Runtime, count: int) -> None:
    with rt.context() as ctx:
        tid = ctx.tenant("Bauer SA").id
        lists = [DirectoryList(tenant_id=tid, name=f"Site {i}", position=10 + i) for i in range(20)]
        ctx.session.add_all(lists)
        ctx.session.flush()
        ids = [row.id for row in lists]
        ctx.session.execute(insert(Contact), [
            {"tenant_id": tid, "list_id": ids[i % 20] if i % 3 else None, "first_name": f"Prénom{i}",
             "last_name": f"Nom{i % 997}", "company": "Bulk SA", "city": "Paris"} for i in range(count)])
        first = ctx.session.scalar(select(Contact.id).where(Contact.first_name == "Prénom0"))
        ctx.session.execute(insert(ContactNumber), [
            {"contact_id": first + i, "kind": "mobile", "number": f"+336{10000000 + i}", "position": 0}
            for i in range(0, count, 2)])
        ctx.commit()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="centrex-dir-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite3'}"
    rt = Runtime(Settings(var_dir=work / "var", database_url=url))
    migrate.upgrade(rt.engine)
    load_demo(rt)
    _, t = timed(lambda: plant(rt, args.contacts))
    print(f"planted {args.contacts} contacts in {t:.1f} s ({url.split(':')[0]})")
    app = make_app(rt)
    admin = logged_in(app, ADMIN)
    resp, t = timed(lambda: admin.get("/directory/"))
    print(f"GET /directory/: {resp.status_code}, {t:.2f} s, {len(resp.data) / 1e3:.0f} kB")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp, t = timed(lambda: api.get("/api/v1/directory/contacts", headers=headers))
    print(f"GET /api/v1/directory/contacts: {resp.status_code}, {t:.2f} s, {len(resp.get_json())} contacts, "
          f"X-Total-Count {resp.headers.get('X-Total-Count')}")
    resp, t = timed(lambda: admin.get("/directory/?page=700"))
    print(f"GET /directory/?page=700: {resp.status_code}, {t:.2f} s")
    resp, t = timed(lambda: admin.get("/directory/?q=Pr%C3%A9nom99999"))
    print(f"GET /directory/?q=Prénom99999 (search): {resp.status_code}, {t:.2f} s")

    def export() -> int:
        resp = admin.get("/directory/export.csv", buffered=False)
        return sum(len(piece) for piece in resp.response)

    size, t = timed(export)
    print(f"GET /directory/export.csv: {t:.2f} s, {size / 1e6:.1f} MB")
    tracemalloc.start()
    _, t = timed(export)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  again under tracemalloc (slower): {t:.2f} s, peak Python memory {peak / 1e6:.0f} MB")
    resp, t = timed(lambda: api.get("/api/v1/directory", headers=headers))
    print(f"GET /api/v1/directory (the whole tree, not paged): {resp.status_code}, {t:.2f} s, "
          f"{len(resp.data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
