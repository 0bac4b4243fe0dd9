"""Company directory as CSV (D-4, manual §3.5.2): import and export.

The 14 columns of the manual, in its order::

    Numéro; Nom; Prénom; Email; Tél. Mobile; N° abrégé; Groupe / Service;
    Tél. Domicile; Société; Fonction; Adresse; Code Postal; Ville; Pays

Reading accepts UTF-8 (with or without BOM) and Windows-1252, comma or
semicolon, an optional header row, numbers whose leading 0 a spreadsheet
dropped and international numbers without "+" (33...). Rows of the same
person (same last name, first name, e-mail and group) become one contact
with several numbers. Column 1 is the person's number: a line of the company
is linked to the contact (the "Services" tab), any other number is kept as a
work number; column 6 is the short number dialling it.

Cells written with a ``'`` against formula injection (see :mod:`csv_format`)
read back as they were.

Importing replaces the company directory (contacts and lists; personal
entries stay), in one transaction: a file with any error imports nothing,
and every error names its row and column. Export writes the same format,
one row per number, so an exported file imports back to the same directory.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from orchestrator.domain.errors import Errors, FieldError
from orchestrator.domain.numbering import NumberError, check_short_number, normalize

from ...db.models import Line, Tenant
from .. import validation as v
from ..context import ServiceContext
from . import contacts as book
from . import csv_export
from .csv_format import COLUMN, COLUMNS, MERGED, restore
from .schema import ContactDoc, ContactKind, ContactNumberDoc
from .tree import MAX_DEPTH

_TEXT_LIMITS = {"last_name": 80, "first_name": 80, "email": 254, "company": 120, "function": 120,
                "address": 500, "postal_code": 16, "city": 80, "country": 80}
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class CsvProblem:
    """One error of the file, where a person can find it (1-based)."""

    row: int
    column: int
    error_id: str
    message: str

    @property
    def column_name(self) -> str:
        return COLUMNS[self.column - 1][1] if 1 <= self.column <= len(COLUMNS) else f"#{self.column}"

    def as_field_error(self) -> FieldError:
        key = COLUMNS[self.column - 1][0] if 1 <= self.column <= len(COLUMNS) else f"column{self.column}"
        return FieldError(self.error_id, f"rows[{self.row}].{key}", self.message)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.error_id, "field": self.as_field_error().field, "message": self.message,
                "row": self.row, "column": self.column, "column_name": self.column_name}

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column} ({self.column_name}): {self.message}"


@dataclass
class Entry:
    """One person of the file, possibly from several rows."""

    group: list[str]
    first_row: int
    values: dict[str, str | None]
    # kind, e164, short, row, col
    numbers: list[tuple[ContactKind, str, str | None, int, int]] = field(default_factory=list)
    lines: list[tuple[str, int]] = field(default_factory=list)  # e164, row

    @property
    def group_path(self) -> str:
        return " / ".join(self.group)

    @property
    def name(self) -> str:
        return f"{self.values['first_name']} {self.values['last_name']}"

    def doc(self, login: str | None = None) -> ContactDoc:
        return ContactDoc(
            first_name=self.values["first_name"] or "", last_name=self.values["last_name"] or "",
            email=self.values["email"], **{k: self.values[k] for k in MERGED},
            numbers=[ContactNumberDoc(kind=kind, number=num, short_number=short)
                     for kind, num, short, _, _ in self.numbers],
            lines=[num for num, _ in self.lines], login=login,
        )


@dataclass
class CsvPlan:
    """What a file holds, before any database check."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ";"
    rows: int = 0

    @property
    def lists(self) -> list[str]:
        paths: set[str] = set()
        for e in self.entries:
            for depth in range(1, len(e.group) + 1):
                paths.add(" / ".join(e.group[:depth]))
        return sorted(paths, key=str.casefold)


@dataclass
class ImportReport:
    plan: CsvPlan
    before: dict[str, int]
    problems: list[CsvProblem]
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> dict[str, int]:
        """What the file holds: contacts, lists and numbers."""
        return {"contacts": len(self.plan.entries), "lists": len(self.plan.lists),
                "numbers": sum(len(e.numbers) + len(e.lines) for e in self.plan.entries)}

    def as_dict(self) -> dict[str, object]:
        return {
            "applied": self.applied, "encoding": self.plan.encoding, "delimiter": self.plan.delimiter,
            "rows": self.plan.rows, "replaced": self.before,
            "new": self.new,
            "contacts": [{"name": e.name, "group": e.group_path, "rows": e.first_row,
                          "numbers": [n for _, n, _, _, _ in e.numbers], "lines": [n for n, _ in e.lines]}
                         for e in self.plan.entries],
            "errors": [p.as_dict() for p in self.problems],
        }


# -- reading -------------------------------------------------------------------

class EncodingProblem(ValueError):
    """The file is not text this reader takes (UTF-16, UTF-32, binary)."""


def _utf16_or_32(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the file is (by its BOM, or by the NUL bytes
    between ASCII characters that a spreadsheet's "Unicode text" has)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4096]
    if head and head.count(0) * 4 >= len(head):
        return "UTF-32" if head[1:4] == b"\x00\x00\x00" or head[:3] == b"\x00\x00\x00" else "UTF-16"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with; raises
    :class:`EncodingProblem` for UTF-16/32 and for NUL bytes."""
    wide = _utf16_or_32(data)
    if wide is not None:
        raise EncodingProblem(f"this file is {wide}; save it as \"CSV UTF-8\" (or CSV) and import it again")
    if b"\x00" in data:
        raise EncodingProblem("this file holds NUL bytes: it is not a CSV text file; save it as \"CSV UTF-8\"")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1"), "windows-1252"


def _delimiter(text: str) -> str:
    """``;`` or ``,``: the one whose first row has a count of columns closest to 14."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    best, score = ";", None
    for delim in (";", ","):
        cells = next(csv.reader([first], delimiter=delim), [])
        s = abs(len(cells) - len(COLUMNS))
        if score is None or s < score:
            best, score = delim, s
    return best


def _fold(text: str) -> str:
    table = str.maketrans("éèêëàâîïôöùûüç", "eeeeaaiioouuuc")
    return re.sub(r"[^a-z]", "", text.casefold().translate(table))


def _is_header(cells: list[str]) -> bool:
    return len(cells) >= 3 and _fold(cells[1]) in ("nom", "lastname", "name") and \
        _fold(cells[2]) in ("prenom", "firstname")


def _number(raw: str, region: str) -> str:
    return normalize(raw, region, lenient=True)


def read(data: bytes, region: str = "FR", tenant_lines: set[str] | frozenset[str] = frozenset()) -> CsvPlan:
    """Parse and check a file on its own (no database): entries and problems.

    ``tenant_lines``: the company's line numbers (E.164); a column-1 number
    among them links the line instead of adding a work number."""
    plan = CsvPlan()
    if len(data) > MAX_BYTES:
        plan.problems.append(CsvProblem(0, 0, "csv.too_large", f"the file is larger than {MAX_BYTES // 1048576} MB"))
        return plan
    try:
        text, plan.encoding = decode(data)
    except EncodingProblem as exc:
        plan.problems.append(CsvProblem(0, 0, "csv.encoding", str(exc)))
        return plan
    plan.delimiter = _delimiter(text)
    by_key: dict[tuple[str, ...], Entry] = {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=plan.delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        plan.problems.append(CsvProblem(reader.line_num, 0, "csv.syntax", f"the file is not valid CSV: {exc}"))
        return plan
    for index, cells in enumerate(rows, start=1):
        cells = [restore(c.strip()) for c in cells]
        if not any(cells):
            continue
        if index == 1 and _is_header(cells):
            continue
        plan.rows += 1
        _read_row(plan, by_key, index, cells, region, tenant_lines)
    if plan.rows == 0 and not plan.problems:
        plan.problems.append(CsvProblem(1, 0, "csv.empty", "the file holds no contact"))
    plan.problems.sort(key=lambda p: (p.row, p.column))
    return plan


def _read_row(plan: CsvPlan, by_key: dict[tuple[str, ...], Entry], row: int, cells: list[str], region: str,
              tenant_lines: set[str] | frozenset[str]) -> None:
    problems = plan.problems
    start = len(problems)

    def bad(key: str, error_id: str, message: str) -> None:
        problems.append(CsvProblem(row, COLUMN[key], error_id, message))

    if len(cells) > len(COLUMNS) and any(cells[len(COLUMNS):]):
        problems.append(CsvProblem(row, len(COLUMNS) + 1, "csv.columns",
                                   f"the row has {len(cells)} columns; the format has {len(COLUMNS)}"))
    cells = (cells + [""] * len(COLUMNS))[:len(COLUMNS)]
    raw = {key: (cells[i] or None) for i, (key, _) in enumerate(COLUMNS)}
    for key in ("last_name", "first_name"):
        if not raw[key]:
            bad(key, "field.required", "required")
    for key, limit in _TEXT_LIMITS.items():
        value = raw[key]
        if value and len(value) > limit:
            bad(key, "field.too_long", f"{limit} characters at most")
        elif value and re.search(r"[\x00-\x1f\x7f]", value):
            bad(key, "text.control_chars", "line breaks and control characters are not allowed here")
    errors = Errors()
    v.email(errors, "email", raw["email"])
    for err in errors.items:
        bad("email", err.error_id, err.message)
    numbers: dict[str, str] = {}
    for key in ("number", "mobile", "home"):
        text = raw[key]
        if text:
            try:
                numbers[key] = _number(text, region)
            except NumberError as exc:
                bad(key, exc.error_id, exc.message)
    short = raw["short_number"]
    if short:
        problem = check_short_number(short)
        if problem:
            bad("short_number", "short_number.invalid", problem)
        elif not raw["number"]:
            bad("short_number", "short_number.needs_number", "a short number dials the number of column 1: give it")
    group = [part.strip() for part in (raw["group"] or "").split("/") if part.strip()]
    for part in group:
        if len(part) > 80:
            bad("group", "field.too_long", f"list name {part[:20]!r}...: 80 characters at most")
    if len(group) > MAX_DEPTH:
        bad("group", "list.too_deep", f"the group has {len(group)} levels; lists nest {MAX_DEPTH} deep at most "
                                      "(as in \"RH / Recrutement / Cadres\")")
    if len(problems) > start:
        return
    person = tuple(_fold_key(raw[k]) for k in ("last_name", "first_name", "email")) + (" / ".join(group).casefold(),)
    entry = by_key.get(person)
    if entry is None:
        entry = Entry(group=group, first_row=row, values={k: raw[k] for k in ("last_name", "first_name", "email",
                                                                                *MERGED)})
        by_key[person] = entry
        plan.entries.append(entry)
    else:
        for k in MERGED:
            old, new = entry.values[k], raw[k]
            if new and old and new != old:
                bad(k, "csv.conflict", f"{entry.name} has {old!r} on row {entry.first_row}: "
                                       "rows of one person must agree")
            elif new and not old:
                entry.values[k] = new
    main = numbers.get("number")
    if main is not None:
        if main in tenant_lines:
            if main not in [n for n, _ in entry.lines]:
                entry.lines.append((main, row))
            if short:  # the line's own short number is the line's; another one dials it too
                entry.numbers.append(("work", main, short, row, COLUMN["number"]))
        else:
            _add_number(entry, "work", main, short, row, COLUMN["number"])
    others: tuple[tuple[ContactKind, str], ...] = (("mobile", "mobile"), ("home", "home"))
    for kind, key_ in others:
        if numbers.get(key_):
            _add_number(entry, kind, numbers[key_], None, row, COLUMN[key_])


def _fold_key(value: str | None) -> str:
    return (value or "").strip().casefold()


def _add_number(entry: Entry, kind: ContactKind, e164: str, short: str | None, row: int, col: int) -> None:
    for i, (k, num, s, _row, _col) in enumerate(entry.numbers):
        if k == kind and num == e164:
            if short and not s:
                entry.numbers[i] = (k, num, short, row, col)
            return
    entry.numbers.append((kind, e164, short, row, col))


# -- importing ------------------------------------------------------------------

def import_company_directory(ctx: ServiceContext, tenant: Tenant, data: bytes, *, dry_run: bool = False
                             ) -> ImportReport:
    """Replace the company directory with the file's contacts.

    Everything is checked, in the file and against the database (short
    numbers, lines). With ``dry_run`` or any problem the session is rolled
    back: nothing changes. Otherwise the changes wait in the session for the
    caller's ``ctx.commit()``."""
    s = ctx.session
    lines = {ln.number: ln for ln in s.scalars(select(Line).where(Line.tenant_id == tenant.id))}
    plan = read(data, ctx.settings.default_region, frozenset(lines))
    before = book.company_counts(s, tenant.id)
    report = ImportReport(plan=plan, before=before, problems=list(plan.problems))
    if report.problems:
        return report
    # Lines that short numbers of this file give again keep theirs.
    for entry in plan.entries:
        entry.numbers = [n for n in entry.numbers
                         if not (n[1] in lines and n[2] is not None and n[2] == lines[n[1]].short_number)]
    book.clear_company(ctx, tenant)
    cache: dict[tuple[str, ...], int] = {}
    taken_logins: set[str] = set()
    for i, entry in enumerate(plan.entries):
        errors = Errors()
        list_id = book.ensure_path(ctx, tenant, entry.group, cache, errors) if entry.group else None
        login = None
        for number, _ in entry.lines:  # the user login of its line follows the person
            row = book.user_login_for_line(s, tenant.id, number)
            if row is not None and row.login not in taken_logins:
                login = row.login
                taken_logins.add(login)
                break
        if not errors:
            with errors.at(f"contacts[{i}]"):
                book.create_contact(ctx, tenant, entry.doc(login), list_id=list_id, errors=errors)
        report.problems.extend(_locate(entry, err) for err in errors.items)
    report.problems.sort(key=lambda p: (p.row, p.column))
    if dry_run or report.problems:
        ctx.rollback()
        return report
    ctx.audit(tenant.id, "import", "directory", tenant.name, rows=plan.rows, contacts=len(plan.entries),
              replaced=before["contacts"])
    ctx.changed(tenant.id)
    report.applied = True
    return report


def _locate(entry: Entry, err: FieldError) -> CsvProblem:
    """Map a field error of one contact back to the row and column it came from."""
    path = re.sub(r"^contacts\[\d+\]\.?", "", err.field)
    m = re.match(r"numbers\[(\d+)\](?:\.(\w+))?", path)
    if m and int(m.group(1)) < len(entry.numbers):
        _, _, _, row, col = entry.numbers[int(m.group(1))]
        if m.group(2) == "short_number":
            col = COLUMN["short_number"]
        return CsvProblem(row, col, err.error_id, err.message)
    m = re.match(r"lines\[(\d+)\]", path)
    if m and int(m.group(1)) < len(entry.lines):
        return CsvProblem(entry.lines[int(m.group(1))][1], COLUMN["number"], err.error_id, err.message)
    key = path.split(".")[0].split("[")[0]
    if key == "login":
        key = "number"
    if key in ("name", "list", "parent"):
        key = "group"
    return CsvProblem(entry.first_row, COLUMN.get(key, 0), err.error_id, err.message)


# -- exporting -------------------------------------------------------------------

def export_company_directory(ctx: ServiceContext, tenant: Tenant, delimiter: str = ";") -> bytes:
    """The whole CSV file at once (see :mod:`csv_export` to stream it)."""
    return csv_export.export_bytes(ctx.session, tenant.id, delimiter)
