"""Directory depth (issue 15, item 4): lists nest 10 deep at most at every
entry point (CSV, form, YAML), and lists planted deeper before the rule
still display, page, export and import back without RecursionError."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from webui_helpers import ADMIN, PIERRE, load_demo, logged_in, make_app, post, token_for

from orchestrator.db.models import Contact, DirectoryList
from orchestrator.domain.errors import Errors, ValidationFailed
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import csv_io, service, tree
from orchestrator.services.directory.schema import DirectoryDoc, ListDoc
from orchestrator.tenantdoc import export, importer

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


def _csv(group: str) -> bytes:
    return (HEADER + f"33140000001;Roux;Éric;;;;{group};;;;;;;\n").encode()


def test_a_csv_group_deeper_than_ten_levels_is_refused_by_row_and_column(rt):
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        before = book.company_counts(ctx.session, tenant.id)
        for depth in (11, 300):
            report = csv_io.import_company_directory(ctx, tenant, _csv(" / ".join(f"L{i}" for i in range(depth))))
            assert [(p.row, p.column, p.error_id) for p in report.problems] == [(2, 7, "list.too_deep")]
            assert f"{depth} levels" in report.problems[0].message and "10 deep at most" in report.problems[0].message
        assert book.company_counts(ctx.session, tenant.id) == before
        report = csv_io.import_company_directory(ctx, tenant, _csv(" / ".join(f"L{i}" for i in range(10))))
        assert report.ok, [str(p) for p in report.problems]


def test_the_service_says_which_list_of_a_document_is_too_deep(rt):
    """Behind the schema, the service checks too (lists made one by one)."""
    load_demo(rt)
    doc = DirectoryDoc.model_construct(contacts=[], lists=[ListDoc.model_validate(_nested(10))])
    deepest = doc.lists[0]
    for _ in range(9):
        deepest = deepest.lists[0]
    deepest.lists.append(ListDoc(name="Eleven"))
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        errors = Errors()
        service.import_tree(ctx, tenant, doc, errors)
        assert [(e.field, e.error_id) for e in errors.items] == [(".".join(["lists[0]"] * 11) + ".parent",
                                                                   "list.too_deep")]


def test_the_form_refuses_a_list_inside_a_list_ten_deep(rt):
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        parent = None
        for i in range(10):
            parent = book.add_list(ctx, tenant, f"L{i}", parent.id if parent else None)
        ctx.commit()
        deepest = parent.id
    app = make_app(rt)
    client = logged_in(app, ADMIN)
    resp = post(client, "/directory/lists", {"name": "Eleven", "parent": str(deepest)})
    assert resp.status_code == 422
    assert "10 deep at most" in resp.get_data(as_text=True)
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(DirectoryList)
                                  .where(DirectoryList.name == "Eleven")) == 0


def _nested(depth: int) -> dict:
    node: dict = {"name": f"L{depth - 1}", "contacts": [{"first_name": "Deep", "last_name": "Down"}]}
    for i in range(depth - 2, -1, -1):
        node = {"name": f"L{i}", "lists": [node]}
    return node


def test_yaml_import_refuses_lists_deeper_than_ten(rt):
    load_demo(rt)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
    for depth in (11, 300, 5000):
        data["directory"]["lists"] = [_nested(depth)]
        with rt.context() as ctx, pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, data, replace=True)
        assert [(e.field, e.error_id) for e in exc.value.errors] == [("directory", "list.too_deep")]
        assert f"these are {depth} deep" in exc.value.errors[0].message
    data["directory"]["lists"] = [_nested(10)]
    with rt.context() as ctx:
        importer.import_document(ctx, data, replace=True)


def _plant(rt, depth: int) -> None:
    """Lists ``depth`` deep and a contact at the bottom, written straight
    into the database (as before the rule existed)."""
    load_demo(rt)
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        parent = None
        for i in range(depth):
            row = DirectoryList(tenant_id=tenant.id, parent_id=parent, name=f"P{i}", position=0)
            ctx.session.add(row)
            ctx.session.flush()
            parent = row.id
        ctx.session.add(Contact(tenant_id=tenant.id, list_id=parent, first_name="Abyss", last_name="Bottom"))
        ctx.commit()


def test_lists_planted_300_deep_still_display_and_the_api_answers(rt):
    _plant(rt, 300)
    app = make_app(rt)
    admin = logged_in(app, ADMIN)
    page = admin.get("/directory/")
    assert page.status_code == 200 and "Abyss Bottom" in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count('<li class="list">') >= 300
    user = logged_in(app, PIERRE)
    page = user.get("/me/directory")
    assert page.status_code == 200 and "Abyss Bottom" in page.get_data(as_text=True)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp = api.get("/api/v1/directory", headers=headers)
    assert resp.status_code == 200
    assert "Abyss" in resp.get_data(as_text=True)
    resp = api.get("/api/v1/directory/contacts", headers=headers)
    assert resp.status_code == 200
    bottom = [c for c in resp.get_json() if c["last_name"] == "Bottom"]
    assert bottom and bottom[0]["list"].count(" / ") == 299
    assert admin.get("/directory/export.csv").status_code == 200


def test_lists_planted_300_deep_export_and_import_back(rt):
    _plant(rt, 300)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
    depth, node, found = 0, {"lists": data["directory"]["lists"]}, False
    stack = [(n, 1) for n in node["lists"]]
    while stack:  # no list of the document is deeper than the rule
        n, d = stack.pop()
        depth = max(depth, d)
        found = found or any(c["last_name"] == "Bottom" for c in n.get("contacts", []))
        stack += [(c, d + 1) for c in n.get("lists", [])]
    assert depth == tree.MAX_DEPTH and found
    text = export.dump(data)
    with rt.context() as ctx:  # `tenant import --replace` exports the tenant first (for its diff)
        result = importer.import_document(ctx, importer.load_yaml(text), replace=True)
    assert result.tenant == "Bauer SA"
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(DirectoryList)
                                  .where(DirectoryList.name.like("P%"))) == 300
        bottom = ctx.session.scalar(select(Contact).where(Contact.last_name == "Bottom"))
        assert tree.depth_of(ctx.session, bottom.list_id) == tree.MAX_DEPTH
