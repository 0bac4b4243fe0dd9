"""The company directory as CSV (D-4), streamed: the file is produced a few
hundred contacts at a time, with plain column reads (no objects kept in the
session), so memory stays flat whatever the size of the directory.

Order: the lists by path (the contacts outside any list first), then last
name, first name. One row per number, as the manual's format; every cell
goes through :func:`csv_format.neutralise` (no formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import Contact, ContactNumber, Line
from . import contacts as book
from .csv_format import COLUMNS, MERGED, neutralise

BATCH = 500
_CARD = (Contact.id, Contact.last_name, Contact.first_name, Contact.email,
         *(getattr(Contact, k) for k in MERGED))


def _international(e164: str | None) -> str:
    return (e164 or "").lstrip("+")


def _groups(paths: dict[int, str]) -> list[tuple[str, list[int | None]]]:
    """(path, list ids) by path: the contacts outside any list first."""
    by_path: dict[str, list[int | None]] = {"": [None]}
    for list_id, path in paths.items():
        by_path.setdefault(path.casefold(), []).append(list_id)
    return sorted(by_path.items())


def iter_rows(session: Session, tenant_id: int) -> Iterator[list[str]]:
    """The company directory as rows of the 14 columns (no header)."""
    paths = book.list_paths(session, tenant_id)
    for _path, list_ids in _groups(paths):
        ids = [i for i in list_ids if i is not None]
        where = Contact.list_id.in_(ids) if None not in list_ids else Contact.list_id.is_(None)
        keys = session.execute(select(Contact.id, Contact.last_name, Contact.first_name).where(
            Contact.tenant_id == tenant_id, Contact.owner_login_id.is_(None), where)).all()
        order = [k[0] for k in sorted(keys, key=lambda k: (k[1].casefold(), k[2].casefold(), k[0]))]
        del keys
        for at in range(0, len(order), BATCH):
            yield from _batch(session, order[at:at + BATCH], paths)


def _batch(session: Session, ids: list[int], paths: dict[int, str]) -> Iterator[list[str]]:
    cards = {row[0]: row for row in session.execute(select(*_CARD, Contact.list_id).where(Contact.id.in_(ids)))}
    firsts: dict[int, list[tuple[str, str | None]]] = {i: [] for i in ids}
    for cid, number, short in session.execute(select(Line.contact_id, Line.number, Line.short_number)
                                              .where(Line.contact_id.in_(ids)).order_by(Line.number)):
        if cid is not None:
            firsts[cid].append((number, short))
    numbers: dict[int, list[tuple[str, str, str | None]]] = {i: [] for i in ids}
    for cid, kind, number, short in session.execute(
            select(ContactNumber.contact_id, ContactNumber.kind, ContactNumber.number, ContactNumber.short_number)
            .where(ContactNumber.contact_id.in_(ids)).order_by(ContactNumber.position, ContactNumber.id)):
        numbers[cid].append((kind, number, short))
    for cid in ids:
        card = cards[cid]
        values = dict(zip(("id", "last_name", "first_name", "email", *MERGED, "list_id"), card, strict=True))
        work = firsts[cid] + [(n, s) for k, n, s in numbers[cid] if k == "work"]
        mobiles = [n for k, n, _ in numbers[cid] if k == "mobile"]
        homes = [n for k, n, _ in numbers[cid] if k == "home"]
        group = paths.get(values["list_id"], "") if values["list_id"] is not None else ""
        for i in range(max(1, len(work), len(mobiles), len(homes))):
            number, short = work[i] if i < len(work) else ("", None)
            row = {
                "number": _international(number), "last_name": values["last_name"],
                "first_name": values["first_name"], "email": values["email"] or "",
                "mobile": _international(mobiles[i] if i < len(mobiles) else None), "short_number": short or "",
                "group": group, "home": _international(homes[i] if i < len(homes) else None),
                **{k: values[k] or "" for k in MERGED},
            }
            yield [neutralise(row[key]) for key, _ in COLUMNS]


def stream(session: Session, tenant_id: int, delimiter: str = ";") -> Iterator[bytes]:
    """The CSV file in pieces: UTF-8 with BOM (spreadsheets read it as
    UTF-8), a header row of the manual's column names, ``;`` separated."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([label for _, label in COLUMNS])
    head = b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
    yield head
    rows = 0
    for row in iter_rows(session, tenant_id):
        if rows == 0:
            out.seek(0)
            out.truncate()
        writer.writerow(row)
        rows += 1
        if rows == BATCH:
            yield out.getvalue().encode("utf-8")
            rows = 0
    if rows:
        yield out.getvalue().encode("utf-8")


def export_bytes(session: Session, tenant_id: int, delimiter: str = ";") -> bytes:
    return b"".join(stream(session, tenant_id, delimiter))
