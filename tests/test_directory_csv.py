"""Company directory CSV (D-4): the manual's 14 columns, encodings and
separators, merged rows, errors by row and column, all or nothing, export."""

from __future__ import annotations

from sqlalchemy import func, select
from webui_helpers import load_demo

from orchestrator.db.models import Contact, ContactNumber, DirectoryList, Line
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import csv_io

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


def counts(ctx, tid):
    return book.company_counts(ctx.session, tid)


def names(ctx, tid):
    return sorted(f"{c.first_name} {c.last_name}" for c in ctx.session.scalars(
        select(Contact).where(Contact.tenant_id == tid, Contact.owner_login_id.is_(None))))


def test_good_file_replaces_the_company_directory(rt):
    load_demo(rt)
    data = (HEADER
            + "33175000101;Durand;Pierre;pierre@bauer.example;33612000001;;Direction;;;Directeur;;;Paris;France\n"
            + "33140000001;Lefèvre;Anne;;;310;RH / Recrutement / Cadres;;Talents SA;;1 rue A;75001;Paris;France\n"
            + "140000002;Roux;Éric;;;;RH / Paie;;;;;;;\n").encode("utf-8")
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        personal_before = ctx.session.scalar(select(func.count()).select_from(Contact)
                                             .where(Contact.owner_login_id.is_not(None)))
        report = csv_io.import_company_directory(ctx, tenant, data)
        assert report.ok and report.applied, [str(p) for p in report.problems]
        assert report.before == {"contacts": 6, "numbers": 4, "lists": 6}
        ctx.commit()
        assert names(ctx, tenant.id) == ["Anne Lefèvre", "Pierre Durand", "Éric Roux"]
        assert sorted(book.list_paths(ctx.session, tenant.id).values()) == [
            "Direction", "RH", "RH / Paie", "RH / Recrutement", "RH / Recrutement / Cadres"]
        anne = ctx.session.scalar(select(Contact).where(Contact.last_name == "Lefèvre"))
        assert [(n.kind, n.number, n.short_number) for n in anne.numbers] == [("work", "+33140000001", "310")]
        assert (anne.company, anne.postal_code) == ("Talents SA", "75001")
        eric = ctx.session.scalar(select(Contact).where(Contact.last_name == "Roux"))
        assert eric.numbers[0].number == "+33140000002"  # the 0 a spreadsheet dropped
        pierre = ctx.session.scalar(select(Contact).where(Contact.last_name == "Durand",
                                                          Contact.owner_login_id.is_(None)))
        assert [ln.number for ln in pierre.lines] == ["+33175000101"]  # column 1 is his line
        assert pierre.login_id is not None  # the user login of the line follows the person
        assert [(n.kind, n.number) for n in pierre.numbers] == [("mobile", "+33612000001")]
        # lines of people not in the file are free again; personal entries stay
        assert ctx.session.scalar(select(Line.contact_id).where(Line.number == "+33175000102")) is None
        assert ctx.session.scalar(select(func.count()).select_from(Contact)
                                  .where(Contact.owner_login_id.is_not(None))) == personal_before
        assert rt.notifier.calls[-1] == [tenant.id]  # short numbers changed: apply


def test_errors_name_row_and_column_and_nothing_is_imported(rt):
    load_demo(rt)
    data = (HEADER
            + "33175000199;Martin;;paul@;;;Ventes;;;;;;;\n"        # row 2: first name, e-mail
            + "abc;Petit;Jacques;;33612;1;;;;;;;;\n"              # row 3: number, mobile, short number
            + ";Sans;Numéro;;;45;;;;;;;;\n"                        # row 4: short number without a number
            + "33140000009;Bon;Jean;;;201;;;;;;;;;extra\n"         # row 5: 15 columns; 201 is Pierre's line
            ).encode("utf-8")
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        before = counts(ctx, tenant.id)
        report = csv_io.import_company_directory(ctx, tenant, data)
        found = {(p.row, p.column, p.error_id) for p in report.problems}
        assert {(2, 3, "field.required"), (2, 4, "email.invalid"), (3, 1, "number.invalid"),
                (3, 5, "number.invalid"), (3, 6, "short_number.invalid"),
                (4, 6, "short_number.needs_number"), (5, 15, "csv.columns")} <= found
        assert not report.applied
        assert counts(ctx, tenant.id) == before and len(names(ctx, tenant.id)) == 6
        assert str(report.problems[0]).startswith("row 2, column 3 (Prénom)")


def test_database_errors_are_located_too(rt):
    """A short number already used by a line: found when the file is checked
    against the database, reported at its row and column, nothing imported."""
    load_demo(rt)
    data = (HEADER + "33140000001;Lefèvre;Anne;;;310;;;;;;;;\n"
            + "33140000002;Roux;Éric;;;202;;;;;;;;\n").encode()
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        report = csv_io.import_company_directory(ctx, tenant, data)
        assert [(p.row, p.column, p.error_id) for p in report.problems] == [(3, 6, "short_number.taken")]
        assert "line +33175000102" in report.problems[0].message
        assert len(names(ctx, tenant.id)) == 6 and not rt.notifier.calls[1:]


def test_windows_1252_with_semicolons_and_no_header(rt):
    load_demo(rt)
    data = ("33140000001;Lefèvre;Hélène;;;;Comptabilité;;Société Générale;Trésorière;;;Orléans;France\r\n"
            "33140000002;Çelik;Noël;;;;Comptabilité;;;;;;;\r\n").encode("cp1252")
    plan = csv_io.read(data)
    assert plan.encoding == "windows-1252" and plan.delimiter == ";" and not plan.problems
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        report = csv_io.import_company_directory(ctx, tenant, data)
        assert report.applied
        ctx.commit()
        helene = ctx.session.scalar(select(Contact).where(Contact.first_name == "Hélène"))
        assert (helene.company, helene.function, helene.city) == ("Société Générale", "Trésorière", "Orléans")
        assert book.list_paths(ctx.session, tenant.id)[helene.list_id] == "Comptabilité"


def test_comma_separated_utf8_with_bom_and_quotes():
    data = ("\ufeffNuméro,Nom,Prénom,Email,Tél. Mobile,N° abrégé,Groupe / Service,Tél. Domicile,Société,Fonction,"
            "Adresse,Code Postal,Ville,Pays\n"
            '33140000001,Durand,Pierre,,,,RH,,"Durand, fils et Cie",,"12, rue X",,,\n').encode("utf-8")
    plan = csv_io.read(data)
    assert (plan.encoding, plan.delimiter, plan.rows) == ("utf-8", ",", 1)
    [entry] = plan.entries
    assert entry.values["company"] == "Durand, fils et Cie" and entry.values["address"] == "12, rue X"


def test_rows_of_one_person_become_one_contact_with_several_numbers(rt):
    load_demo(rt)
    data = (HEADER
            + "33175000101;Durand;Pierre;pierre@bauer.example;33612000001;;Direction;;Bauer SA;;;;;\n"
            + "33175000103;Durand;Pierre;pierre@bauer.example;;;Direction;33145000001;;;;;;\n"
            + "0140000005;Durand;Pierre;pierre@bauer.example;;305;Direction;;;;;;;\n"
            + "33140000006;Durand;Pierre;autre@bauer.example;;;Direction;;;;;;;\n").encode()
    plan = csv_io.read(data, tenant_lines={"+33175000101", "+33175000103"})
    assert [(e.name, len(e.lines), len(e.numbers)) for e in plan.entries] == [
        ("Pierre Durand", 2, 3), ("Pierre Durand", 0, 1)]  # another e-mail: another person
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        report = csv_io.import_company_directory(ctx, tenant, data)
        assert report.applied, [str(p) for p in report.problems]
        ctx.commit()
        first = ctx.session.scalar(select(Contact).where(Contact.email == "pierre@bauer.example"))
        assert sorted(ln.number for ln in first.lines) == ["+33175000101", "+33175000103"]
        assert [(n.kind, n.number, n.short_number) for n in first.numbers] == [
            ("mobile", "+33612000001", None), ("home", "+33145000001", None), ("work", "+33140000005", "305")]
        assert first.company == "Bauer SA"
        assert ctx.session.scalar(select(func.count()).select_from(Contact)
                                  .where(Contact.owner_login_id.is_(None))) == 2


def test_conflicting_rows_of_one_person_are_an_error():
    data = (HEADER + "33140000001;Durand;Pierre;;;;RH;;Bauer SA;;;;;\n"
            + "33140000002;Durand;Pierre;;;;RH;;Autre SA;;;;;\n").encode()
    plan = csv_io.read(data)
    assert [(p.row, p.column, p.error_id) for p in plan.problems] == [(3, 9, "csv.conflict")]


def test_export_is_the_same_format_and_imports_back_to_the_same_directory(rt):
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        exported = csv_io.export_company_directory(ctx, tenant)
        text = exported.decode("utf-8-sig")
        lines = text.splitlines()
        assert lines[0] == HEADER.strip()
        assert "33175000102;Martin;Paul;paul@bauer.example;33612345678;202;RH;;;Responsable RH;;;;" in lines
        assert "33140000000;Fontaine;Claire;;;301;RH / Recrutement;;Cabinet Talents;;;;;" in lines
        before = {n: sorted((x.kind, x.number, x.short_number) for x in ctx.session.scalars(
            select(ContactNumber).join(Contact).where(Contact.last_name == n))) for n in ("Client", "Fontaine")}
        report = csv_io.import_company_directory(ctx, tenant, exported)
        assert report.applied, [str(p) for p in report.problems]
        ctx.commit()
        assert csv_io.export_company_directory(ctx, tenant) == exported
        after = {n: sorted((x.kind, x.number, x.short_number) for x in ctx.session.scalars(
            select(ContactNumber).join(Contact).where(Contact.last_name == n))) for n in ("Client", "Fontaine")}
        assert after == before
        assert ctx.session.scalar(select(func.count()).select_from(DirectoryList)) == 6


def test_dry_run_changes_nothing(rt):
    load_demo(rt)
    data = (HEADER + "33140000001;Neuf;Contact;;;;;;;;;;;\n").encode()
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        report = csv_io.import_company_directory(ctx, tenant, data, dry_run=True)
        assert report.ok and not report.applied
        assert report.as_dict()["new"] == {"contacts": 1, "lists": 0, "numbers": 1}
        assert len(names(ctx, tenant.id)) == 6


def test_empty_file():
    assert [p.error_id for p in csv_io.read(HEADER.encode()).problems] == ["csv.empty"]
