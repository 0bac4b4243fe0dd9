"""CSV formula injection (issue 15, item 6): the directory export never
writes a cell a spreadsheet runs as a formula (OWASP: a leading ``'``), and
an exported file imports back to exactly the same values."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from webui_helpers import load_demo

from orchestrator.db.models import Contact
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import csv_io
from orchestrator.services.directory.csv_format import FORMULA_START, neutralise, restore
from orchestrator.services.directory.schema import ContactDoc

HOSTILE = {
    "last_name": "=cmd|' /C calc'!A0", "first_name": "+SUM(1+1)", "company": "-2+3", "function": "@SUM(A1:A9)",
    "city": "'=already quoted", "country": "'plain", "address": "''+twice", "postal_code": "=1",
}


@pytest.mark.parametrize("value", ["=1+1", "+33 1 23", "-x", "@x", "\tx", "\rx", "'=x", "''-x", "'x", "x", "", "'",
                                   "=", "'\t"])
def test_neutralise_never_starts_a_formula_and_restore_undoes_it(value):
    cell = neutralise(value)
    assert not cell.startswith(FORMULA_START)
    assert restore(cell) == value


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_export_neutralises_formulas_and_imports_back_exactly(rt):
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        row = book.add_list(ctx, tenant, "=HYPERLINK(\"evil\")", None)
        book.add_contact(ctx, tenant, ContactDoc(**HOSTILE), row.id)
        ctx.commit()
        exported = csv_io.export_company_directory(ctx, tenant)
        rows = _cells(exported)
        hostile = [r for r in rows if "calc" in r[1]]
        assert hostile, exported
        cells = dict(zip([k for k, _ in csv_io.COLUMNS], hostile[0], strict=True))
        assert cells["last_name"] == "'=cmd|' /C calc'!A0"
        assert cells["first_name"] == "'+SUM(1+1)" and cells["company"] == "'-2+3"
        assert cells["function"] == "'@SUM(A1:A9)" and cells["postal_code"] == "'=1"
        assert cells["group"] == "'=HYPERLINK(\"evil\")"
        assert cells["city"] == "''=already quoted" and cells["country"] == "'plain" and cells["address"] == "'''+twice"
        assert not [c for r in rows for c in r if c.startswith(FORMULA_START)]
        report = csv_io.import_company_directory(ctx, tenant, exported)
        assert report.applied, [str(p) for p in report.problems]
        ctx.commit()
        back = ctx.session.scalar(select(Contact).where(Contact.first_name == HOSTILE["first_name"]))
        assert {k: getattr(back, k) for k in HOSTILE} == HOSTILE
        assert book.list_paths(ctx.session, tenant.id)[back.list_id] == "=HYPERLINK(\"evil\")"
        assert csv_io.export_company_directory(ctx, tenant) == exported


def test_planted_tab_and_carriage_return_cells_are_neutralised(rt):
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        ctx.session.add(Contact(tenant_id=tenant.id, first_name="\t=1+1", last_name="\r@x", city="-1"))
        ctx.commit()
        rows = _cells(csv_io.export_company_directory(ctx, tenant))
        planted = [r for r in rows if r[1].endswith("@x")][0]
        assert planted[1] == "'\r@x" and planted[2] == "'\t=1+1" and planted[12] == "'-1"
