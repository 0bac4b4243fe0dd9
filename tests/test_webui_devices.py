"""« Mes équipements » (§3.2.1.2, §3.6.1) and « Mes accès » (§3.2.1.3): the
devices with their MAC address, model, name and the lines on their ports;
add, change and delete one (MAC checked and normalised); the provisioning
details read-only; the company's logins. Pages, API, bad input, isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    ids,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import AuditEntry, Device, Line
from orchestrator.domain.errors import ValidationFailed
from orchestrator.services.devices import service as devices

PIERRE_MAC = "000e08aa0101"
BOND_MAC = "000e08aa0102"


def admin(app):
    client = logged_in(app, ADMIN)
    client.get("/lang/en")
    return client


def device_id(rt, mac):
    with rt.context() as ctx:
        return ctx.session.scalar(select(Device.id).where(Device.mac == mac))


def ports(rt, mac):
    with rt.context() as ctx:
        numbers = {ln.id: ln.number for ln in ctx.session.scalars(select(Line))}
        dev = ctx.session.scalar(select(Device).where(Device.mac == mac))
        return {p.port: numbers[p.line_id] for p in dev.ports}


def test_update_and_delete_services_check_like_create(rt, app):
    with rt.context(actor="test") as ctx:
        dev = ctx.session.scalar(select(Device).where(Device.mac == BOND_MAC))
        with pytest.raises(ValidationFailed) as exc:
            devices.update(ctx, dev, {"mac": "00:0E:08:AA:01:01", "model": "SPA502G",
                                      "ports": [{"port": 1, "line": "+33182280007"},
                                                {"port": 2, "line": "+33175000103"}]})
        assert {(e.field, e.error_id) for e in exc.value.errors} == {("mac", "mac.taken"),
                                                                      ("ports[1].port", "port.range")}
        ctx.rollback()
        dev = ctx.session.scalar(select(Device).where(Device.mac == BOND_MAC))
        devices.update(ctx, dev, {"name": "Poste 007", "ports": [{"port": 2, "line": "+33182280007"},
                                                                 {"port": 1, "line": "+33175000103"}]})
        ctx.commit()
    assert ports(rt, BOND_MAC) == {1: "+33175000103", 2: "+33182280007"}
    with rt.context(actor="test") as ctx:
        dev = ctx.session.scalar(select(Device).where(Device.mac == BOND_MAC))
        assert (dev.name, dev.vlan_id, dev.gain_speaker) == ("Poste 007", 20, -3)  # the rest is kept
        devices.delete(ctx, dev)
        ctx.commit()
        assert ctx.session.scalar(select(func.count()).select_from(Line).where(Line.number == "+33182280007")) == 1
        assert ctx.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "device",
                                                           AuditEntry.action == "delete")).object_key == BOND_MAC


def test_equipment_list_shows_mac_model_name_and_port_lines(rt, app):
    page = admin(app).get("/services/devices").get_data(as_text=True)
    assert 'class="active" aria-current="page">My equipment' in page
    body = re.search(rf'<tbody class="device" data-mac="{PIERRE_MAC}">(.*?)</tbody>', page, re.S).group(1)
    assert "00:0E:08:AA:01:01" in body and "SPA504G" in body and "Bureau Pierre" in body and "Inactive" in body
    assert body.count("<tr>") == 4  # the SPA504G's four ports
    assert re.search(r"<td>1</td><td class=\"port-line\"><a [^>]*>01 75 00 01 01</a></td><td>Pierre</td>", body)
    bond = re.search(rf'<tbody class="device" data-mac="{BOND_MAC}">(.*?)</tbody>', page, re.S).group(1)
    assert "Active (20)" in bond and bond.count("<tr>") == 5


def test_device_page_shows_provisioning_read_only(rt, app):
    page = admin(app).get(f"/services/devices/{device_id(rt, PIERRE_MAC)}").get_data(as_text=True)
    assert 'value="00:0E:08:AA:01:01"' in page and '<option value="SPA504G" selected>' in page
    assert '<option value="+33175000101" selected>' in page  # port 1
    provisioning = page.split('id="provisioning"')[1]
    assert "Messagerie Jacques" in provisioning and "Line label" in provisioning and "<input" not in provisioning


def test_add_a_device_with_a_normalised_mac(rt, app):
    client = admin(app)
    assert 'id="f-mac"' in client.get("/services/devices/new").get_data(as_text=True)
    resp = post(client, "/services/devices/new", {"mac": "00-0e-08-aa-01-03 ", "model": "SPA502G",
                                                   "name": "Accueil", "port-1": "+33175000103"})
    assert resp.status_code == 302
    assert "The device 00:0E:08:AA:01:03 has been added." in client.get(resp.location).get_data(as_text=True)
    assert ports(rt, "000e08aa0103") == {1: "+33175000103"}
    assert rt.notifier.calls


def test_bad_input_errors_next_to_the_fields(rt, app):
    client = admin(app)
    resp = post(client, "/services/devices/new", {"mac": "00:0E:08:ZZ", "model": "", "name": "X", "port-1": ""})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-mac") == "This is not a MAC address (12 hexadecimal digits)."
    assert field_error(page, "f-model") == "Choose a model from the list."
    assert 'value="00:0E:08:ZZ"' in page and 'value="X"' in page
    dup = post(client, "/services/devices/new", {"mac": "000E08AA0101", "model": "SPA502G", "port-2": "+33175000103"})
    text = dup.get_data(as_text=True)
    assert field_error(text, "f-mac") == "A device with this MAC address is already declared."
    assert field_error(text, "f-port-2") == "This model has no such port."
    fr = logged_in(app, ADMIN)
    text = post(fr, "/services/devices/new", {"mac": "000e08aa0109", "model": "SPA502G",
                                              "port-1": "+33299999999"}).get_data(as_text=True)
    assert field_error(text, "f-port-1") == "Ligne inconnue."
    text = post(fr, "/services/devices/new", {"mac": "00:0E:08:ZZ", "model": "SPA502G"}).get_data(as_text=True)
    assert field_error(text, "f-mac") == "Ce n&#39;est pas une adresse MAC (12 chiffres hexadécimaux)."
    assert 'title="' in text and "MAC" in text  # the service's English detail stays in the tooltip
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Device)) == 2


def test_edit_and_delete_a_device(rt, app):
    client = admin(app)
    pierre = device_id(rt, PIERRE_MAC)
    # port 2 holds Paul's shortcut key: refused, and said
    resp = post(client, f"/services/devices/{pierre}", {"mac": "00:0E:08:AA:01:01", "model": "SPA504G",
                                                         "name": "Pierre", "port-1": "+33175000101",
                                                         "port-2": "+33175000103"})
    assert resp.status_code == 422 and "keys[0].position" in resp.get_data(as_text=True)
    bond = device_id(rt, BOND_MAC)
    resp = post(client, f"/services/devices/{bond}", {"mac": "00:0e:08:aa:01:0f", "model": "SPA525G",
                                                       "name": "Bureau 007", "port-1": "+33182280007",
                                                       "port-3": "+33175000103"})
    assert resp.status_code == 302
    assert device_id(rt, "000e08aa010f") == bond and ports(rt, "000e08aa010f") == {1: "+33182280007",
                                                                                  3: "+33175000103"}
    page = client.get(f"/services/devices/{bond}").get_data(as_text=True)
    assert "Your changes have been saved." in page and 'id="delete-device"' in page
    resp = post(client, f"/services/devices/{bond}/delete")
    assert resp.status_code == 302 and device_id(rt, "000e08aa010f") is None
    assert "has been deleted; its lines are kept." in client.get(resp.location).get_data(as_text=True)


def test_my_accesses_lists_the_logins_with_their_line(rt, app):
    ident = ids(rt)
    page = admin(app).get("/services/accesses").get_data(as_text=True)
    rows = re.findall(r'<tr class="access role-(\w+)" data-login="([^"]+)">', page)
    assert rows[0] == ("admin", "admin@bauer.example")
    assert [r[1] for r in rows[1:]] == ["+33175000101", "+33175000102", "+33175000103", "+33182280007"]
    pierre = page.split('data-login="+33175000101">')[1].split("</tr>")[0]
    assert "01 75 00 01 01</a> — Pierre" in pierre and "Pierre Durand" in pierre
    assert f"/directory/contacts/{ident['c_durand']}#identifiers" in pierre
    assert "boss@zeta.example" not in page


def test_isolation(rt, app):
    pierre = device_id(rt, PIERRE_MAC)
    other = logged_in(app, OTHER_ADMIN)
    assert other.get(f"/services/devices/{pierre}").status_code == 404
    assert post(other, f"/services/devices/{pierre}", {"mac": "000e08aa0101", "model": "SPA502G"}).status_code == 404
    assert post(other, f"/services/devices/{pierre}/delete").status_code == 404
    assert PIERRE_MAC not in other.get("/services/devices").get_data(as_text=True)
    # another company's line cannot be put on a port
    resp = post(other, "/services/devices/new", {"mac": "000e08bb0001", "model": "SPA502G", "port-1": "+33175000101"})
    assert resp.status_code == 422
    user = logged_in(app, PIERRE)
    assert user.get("/services/devices").status_code == 403 and user.get("/services/accesses").status_code == 403
    assert device_id(rt, PIERRE_MAC) == pierre


def test_api_devices_and_logins(rt, app):
    api = app.test_client()
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    listed = api.get("/api/v1/devices", headers=h).get_json()
    assert [d["mac"] for d in listed] == [PIERRE_MAC, BOND_MAC]
    one = api.get("/api/v1/devices/00:0E:08:AA:01:01", headers=h).get_json()
    assert one["model"] == "SPA504G" and one["ports"] == [{"port": 1, "line": "+33175000101"}]
    assert one["provisioning_password"] in (None, "***")
    made = api.post("/api/v1/devices", headers=h, json={"mac": "00.0e.08.aa.01.05", "model": "SPA502G",
                                                         "ports": [{"port": 1, "line": "+33175000103"}]})
    assert made.status_code == 201 and made.get_json()["mac"] == "000e08aa0105"
    bad = api.post("/api/v1/devices", headers=h, json={"mac": "nope", "model": "SPA502G"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["id"] == "mac.invalid"
    patched = api.patch("/api/v1/devices/000e08aa0105", headers=h, json={"name": "Accueil", "vlan": {"id": 30}})
    assert patched.status_code == 200
    assert (patched.get_json()["name"], patched.get_json()["vlan"]["id"]) == ("Accueil", 30)
    wrong = api.patch("/api/v1/devices/000e08aa0105", headers=h, json={"ports": [{"port": 9, "line": "+33175000103"}]})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "ports[0].port"
    assert api.delete("/api/v1/devices/000e08aa0105", headers=h).status_code == 204
    assert api.get("/api/v1/devices/000e08aa0105", headers=h).status_code == 404
    logins = api.get("/api/v1/logins", headers=h).get_json()
    assert logins[0]["role"] == "admin" and len(logins) == 5
    pierre = next(x for x in logins if x["login"] == "+33175000101")
    assert (pierre["line"], pierre["line_label"], pierre["contact"]) == ("+33175000101", "Pierre", "Pierre Durand")
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.get("/api/v1/devices/000e08aa0101", headers=other).status_code == 404
    assert api.delete("/api/v1/devices/000e08aa0101", headers=other).status_code == 404
    assert [x["login"] for x in api.get("/api/v1/logins", headers=other).get_json()] == ["boss@zeta.example",
                                                                                         "+33298000001"]
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert api.get("/api/v1/devices", headers=user).status_code == 403
    assert api.get("/api/v1/logins", headers=user).status_code == 403
