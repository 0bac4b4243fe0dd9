"""Issue 15 item 8: a session cookie is revoked by logout, by a password
change and by an admin's reset; a copy of it stops working too."""

from __future__ import annotations

from webui_helpers import ADMIN, PIERRE, ids, load_demo, logged_in, make_app, post, token_for


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("centrex_session", client.get_cookie("centrex_session").value)
    return thief


def _in(client, url: str) -> bool:
    resp = client.get(url)
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


def test_logout_revokes_a_copied_cookie(rt):
    load_demo(rt)
    app = make_app(rt)
    client = logged_in(app, ADMIN)
    thief = _copy(app, client)
    assert _in(thief, "/services/")
    assert post(client, "/logout").status_code == 302
    assert not _in(thief, "/services/")
    assert not _in(client, "/services/")
    # the account still works: a new login opens a new session
    assert _in(logged_in(app, ADMIN), "/services/")


def test_logout_ends_the_other_sessions_of_the_login(rt):
    load_demo(rt)
    app = make_app(rt)
    laptop, phone = logged_in(app, PIERRE), logged_in(app, PIERRE)
    assert post(phone, "/logout").status_code == 302
    assert not _in(laptop, "/account/password")


def test_password_change_revokes_other_sessions_and_keeps_this_one(rt):
    load_demo(rt)
    app = make_app(rt)
    client = logged_in(app, PIERRE)
    thief = _copy(app, client)
    other = logged_in(app, PIERRE)
    resp = post(client, "/account/password", {"old": PIERRE[1], "new": "pierre-2", "confirm": "pierre-2"})
    assert resp.status_code == 302
    assert _in(client, "/account/password")  # the session that changed it goes on
    assert not _in(other, "/account/password")
    # the copy held the old session version: a copy made before the change is revoked
    assert not _in(thief, "/account/password")


def test_admin_reset_revokes_the_users_sessions(rt):
    load_demo(rt)
    app = make_app(rt)
    ident = ids(rt)
    user = logged_in(app, PIERRE)
    thief = _copy(app, user)
    admin = logged_in(app, ADMIN)
    resp = post(admin, f"/directory/contacts/{ident['c_durand']}/credentials", {"password": "reset-123"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert not _in(user, "/account/password")
    assert not _in(thief, "/account/password")
    assert _in(admin, "/services/")  # the admin's own session is untouched


def test_logout_while_acting_as_a_user_ends_the_admins_session(rt):
    load_demo(rt)
    app = make_app(rt)
    ident = ids(rt)
    admin = logged_in(app, ADMIN)
    other_tab = logged_in(app, ADMIN)
    assert post(admin, f"/directory/contacts/{ident['c_durand']}/login-as").status_code == 302
    thief = _copy(app, admin)
    assert _in(thief, f"/me/lines/{ident['pierre']}")
    assert post(admin, "/logout").status_code == 302
    assert not _in(thief, f"/me/lines/{ident['pierre']}")
    assert not _in(other_tab, "/services/")


def test_admin_reset_through_the_api_revokes_the_users_sessions(rt):
    load_demo(rt)
    app = make_app(rt)
    ident = ids(rt)
    user = logged_in(app, PIERRE)
    token = token_for(rt, ADMIN[0])
    resp = app.test_client().post(f"/api/v1/directory/contacts/{ident['c_durand']}/credentials",
                                  json={"generate": True}, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.get_json()
    assert not _in(user, "/account/password")
