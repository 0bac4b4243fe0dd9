"""A large company directory (issue 15, item 11): the page and the API
answer one page at a time (search across every page), and the CSV export
is streamed."""

from __future__ import annotations

import re

from sqlalchemy import insert
from webui_helpers import ADMIN, PIERRE, load_demo, logged_in, make_app, token_for

from orchestrator.db.models import Contact
from orchestrator.services.directory import tree

PLANTED = 250


def _plant(rt) -> None:
    load_demo(rt)
    with rt.context() as ctx:
        tid = ctx.tenant("Bauer SA").id
        ctx.session.execute(insert(Contact), [{"tenant_id": tid, "first_name": f"Bulk{i:04d}", "last_name": "Zz"}
                                              for i in range(PLANTED)])
        ctx.commit()


def test_the_directory_page_shows_one_page_with_links_and_searches_every_page(rt):
    _plant(rt)
    app = make_app(rt)
    admin = logged_in(app, ADMIN)
    first = admin.get("/directory/").get_data(as_text=True)
    shown = re.findall(r"Bulk\d{4} Zz", first)
    assert 0 < len(shown) <= tree.PAGE_SIZE
    assert 'rel="next"' in first and "page=3" in first
    last = admin.get("/directory/?page=3").get_data(as_text=True)
    assert "Bulk0249" in last and "Bulk0249" not in first
    found = admin.get("/directory/?q=bulk0249").get_data(as_text=True)
    assert re.findall(r"Bulk\d{4} Zz", found) == ["Bulk0249 Zz"]
    assert admin.get("/directory/?page=999").status_code == 200  # past the end: the last page
    user = logged_in(app, PIERRE)
    page = user.get("/me/directory").get_data(as_text=True)
    assert 0 < len(re.findall(r"Bulk\d{4} Zz", page)) <= tree.PAGE_SIZE
    assert re.findall(r"Bulk\d{4} Zz", user.get("/me/directory?q=Bulk0249").get_data(as_text=True)) == ["Bulk0249 Zz"]


def test_the_contacts_api_pages_with_a_total_and_a_next_link(rt):
    _plant(rt)
    app = make_app(rt)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp = api.get("/api/v1/directory/contacts", headers=headers)
    total = int(resp.headers["X-Total-Count"])
    assert total == PLANTED + 6 and len(resp.get_json()) == 100
    seen, url = [], "/api/v1/directory/contacts?limit=60"
    while url:
        resp = api.get(url, headers=headers)
        assert resp.status_code == 200 and len(resp.get_json()) <= 60
        seen += [c["id"] for c in resp.get_json()]
        m = re.match(r'<http://localhost(/[^>]+)>; rel="next"', resp.headers.get("Link", ""))
        url = m.group(1) if m else ""
    assert len(seen) == len(set(seen)) == total
    assert api.get("/api/v1/directory/contacts?limit=501", headers=headers).status_code == 422
    assert api.get("/api/v1/directory/contacts?offset=-1", headers=headers).status_code == 422
    found = api.get("/api/v1/directory/contacts?q=Bulk0007", headers=headers)
    assert [c["first_name"] for c in found.get_json()] == ["Bulk0007"] and found.headers["X-Total-Count"] == "1"
    doc = api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/directory/contacts"]["get"]
    assert {p["name"] for p in doc["parameters"]} >= {"limit", "offset", "q"}
    assert set(doc["responses"]["200"]["headers"]) == {"X-Total-Count", "Link"}


def test_the_export_is_streamed(rt):
    _plant(rt)
    app = make_app(rt)
    admin = logged_in(app, ADMIN)
    resp = admin.get("/directory/export.csv", buffered=False)
    pieces = list(resp.response)  # sent as it is made: the header first, then batches of rows
    assert len(pieces) > 1 and pieces[0].decode("utf-8-sig").startswith("Numéro;Nom;Prénom")
    body = b"".join(pieces).decode("utf-8-sig")
    assert len(re.findall(r"Zz;Bulk\d{4}", body)) == PLANTED
    api = app.test_client()
    resp = api.get("/api/v1/directory/export", headers={"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"},
                   buffered=False)
    pieces = list(resp.response)
    assert len(pieces) > 1 and b"".join(pieces).decode("utf-8-sig") == body
