"""F-1, manual Figures 26-27: a fax line's label and the e-mail address
receiving its faxes are changed from its page (« Mes services › Lignes de
fax par mail ») and through the API; the address is checked; another
company's admin and a user reach neither."""

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

from orchestrator.db.models import FaxLine, Tenant

FAX = "+33175000110"


def _fax(rt) -> tuple[int, str, str, int]:
    with rt.context() as ctx:
        row = ctx.session.scalar(select(FaxLine).where(FaxLine.number == FAX))
        return row.id, row.label, row.email, ctx.session.get(Tenant, row.tenant_id).revision


def test_the_admin_changes_label_and_email_on_the_fax_page(rt, app):
    fax_id, label, email, revision = _fax(rt)
    client = logged_in(app, ADMIN)
    page = client.get(f"/services/fax/{fax_id}").get_data(as_text=True)
    assert f'value="{label}"' in page and f'value="{email}"' in page
    resp = post(client, f"/services/fax/{fax_id}", {"label": "Fax Compta", "email": " compta-fax@bauer.example "})
    assert resp.status_code == 302
    _, label2, email2, revision2 = _fax(rt)
    assert (label2, email2) == ("Fax Compta", "compta-fax@bauer.example")
    assert revision2 > revision  # applied like every configuration change
    # a wrong address is shown next to its field, nothing saved
    resp = post(client, f"/services/fax/{fax_id}", {"label": "Autre", "email": "compta-fax@"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "f-email")
    resp = post(client, f"/services/fax/{fax_id}", {"label": "", "email": "x@bauer.example"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "f-label")
    assert _fax(rt)[1:3] == ("Fax Compta", "compta-fax@bauer.example")


def test_the_api_reads_and_patches_a_fax_line(rt, app):
    client = app.test_client()
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    fax_id, label, email, _ = _fax(rt)
    assert client.get(f"/api/v1/fax-lines/{FAX}", headers=h).get_json() == {
        "id": fax_id, "number": FAX, "label": label, "email": email}
    resp = client.patch(f"/api/v1/fax-lines/{FAX}", headers=h, json={"email": "recu@bauer.example"})
    assert resp.status_code == 200 and resp.get_json()["email"] == "recu@bauer.example"
    assert resp.get_json()["label"] == label
    bad = client.patch(f"/api/v1/fax-lines/{FAX}", headers=h, json={"email": "nope", "number": "+33175000111"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"number"}
    bad = client.patch(f"/api/v1/fax-lines/{FAX}", headers=h, json={"email": "nope"})
    assert [(e["id"], e["field"]) for e in bad.get_json()["errors"]] == [("email.invalid", "email")]
    assert _fax(rt)[2] == "recu@bauer.example"


def test_another_company_and_a_user_cannot_change_it(rt, app):
    fax_id, label, email, _ = _fax(rt)
    other = logged_in(app, OTHER_ADMIN)
    assert post(other, f"/services/fax/{fax_id}", {"label": "x", "email": "a@b.example"}).status_code == 404
    assert post(logged_in(app, PIERRE), f"/services/fax/{fax_id}",
                {"label": "x", "email": "a@b.example"}).status_code == 403
    client = app.test_client()
    zeta = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert client.patch(f"/api/v1/fax-lines/{FAX}", headers=zeta, json={"label": "x"}).status_code == 404
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert client.patch(f"/api/v1/fax-lines/{FAX}", headers=user, json={"label": "x"}).status_code == 403
    assert _fax(rt)[1:3] == (label, email)
