"""« Mes infos › Administration » (A-4, manual §3.2.4.1, Figure 7): the
company's billing and technical contact e-mails and its postal address,
edited by its admin in the web UI and through the API, e-mail addresses
checked, each company seeing and changing only its own."""

from __future__ import annotations

from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import AuditEntry, Tenant


def _tenant(rt, name: str) -> Tenant:
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Tenant).where(Tenant.name == name))
        ctx.session.expunge(row)
        return row


def _bauer(rt) -> Tenant:
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Tenant).where(Tenant.sip_domain.like("%bauer%")))
        ctx.session.expunge(row)
        return row


def test_the_admin_edits_the_contacts_and_address_in_my_details(rt, app):
    client = logged_in(app, ADMIN)
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="billing_email"' in page and 'name="technical_email"' in page and 'name="postal_address"' in page
    revision = _bauer(rt).revision
    resp = post(client, "/account/contacts", {"billing_email": " factures-2026@bauer.example ",
                                              "technical_email": "it@bauer.example",
                                              "postal_address": "12 rue de la Paix\r\n75002 Paris"})
    assert resp.status_code == 302
    t = _bauer(rt)
    assert (t.billing_email, t.technical_email, t.postal_address) == (
        "factures-2026@bauer.example", "it@bauer.example", "12 rue de la Paix\n75002 Paris")
    assert t.revision == revision  # nothing for FreeSWITCH: no apply
    page = client.get("/account/password").get_data(as_text=True)
    assert 'value="factures-2026@bauer.example"' in page and "12 rue de la Paix\n75002 Paris</textarea>" in page
    with rt.context() as ctx:
        assert ctx.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "tenant_contacts")) is not None
    # cleared with an empty field
    post(client, "/account/contacts", {"billing_email": "", "technical_email": "it@bauer.example",
                                       "postal_address": ""})
    t = _bauer(rt)
    assert (t.billing_email, t.postal_address) == (None, None)


def test_a_wrong_email_is_refused_next_to_its_field_and_nothing_is_saved(rt, app):
    client = logged_in(app, ADMIN)
    before = _bauer(rt)
    resp = post(client, "/account/contacts", {"billing_email": "new-billing@bauer.example",
                                              "technical_email": "not an address", "postal_address": "x"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-technical_email")
    assert 'value="not an address"' in page  # what was typed stays in the form
    t = _bauer(rt)
    assert (t.billing_email, t.technical_email, t.postal_address) == (
        before.billing_email, before.technical_email, before.postal_address)
    assert before.billing_email != "new-billing@bauer.example"


def test_a_user_has_no_company_contacts(rt, app):
    client = logged_in(app, PIERRE)
    assert 'name="billing_email"' not in client.get("/account/password").get_data(as_text=True)
    assert post(client, "/account/contacts", {"billing_email": "x@y.example"}).status_code == 403


def test_the_api_reads_and_patches_the_company_contacts(rt, app):
    bauer = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    client = app.test_client()
    got = client.get("/api/v1/account", headers=bauer).get_json()
    before = _bauer(rt)
    assert got["name"] == before.name and got["billing_email"] == before.billing_email
    assert got["postal_address"] == before.postal_address
    resp = client.patch("/api/v1/account", headers=bauer, json={"billing_email": "factures@bauer.example",
                                                                 "postal_address": "1 place X\n69001 Lyon"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["billing_email"] == "factures@bauer.example"
    t = _bauer(rt)
    assert (t.billing_email, t.postal_address) == ("factures@bauer.example", "1 place X\n69001 Lyon")
    bad = client.patch("/api/v1/account", headers=bauer, json={"technical_email": "it@", "name": "Renamed"})
    assert bad.status_code == 422
    assert {(e["id"], e["field"]) for e in bad.get_json()["errors"]} == {("field.unknown", "name")}
    bad = client.patch("/api/v1/account", headers=bauer, json={"technical_email": "it@"})
    assert [(e["id"], e["field"]) for e in bad.get_json()["errors"]] == [("email.invalid", "technical_email")]
    assert _bauer(rt).technical_email == before.technical_email and _bauer(rt).name == before.name
    # another company's admin sees and changes only their own company
    zeta = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert client.get("/api/v1/account", headers=zeta).get_json()["name"] == "Zeta SARL"
    client.patch("/api/v1/account", headers=zeta, json={"billing_email": "z@zeta.example"})
    assert _bauer(rt).billing_email == "factures@bauer.example"
    assert _tenant(rt, "Zeta SARL").billing_email == "z@zeta.example"
    # a user may not
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert client.patch("/api/v1/account", headers=user, json={"billing_email": "u@x.example"}).status_code == 403
