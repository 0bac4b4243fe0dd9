"""Contact photos (manual §3.5.1: « Parcourir » on the contact card):
upload, show, replace, remove; checked by content; kept when the card is
saved; the API; other companies and users get nothing."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    ids,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import AuditEntry, Contact


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG, made by hand (no imaging library)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
       b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def send(client, contact_id: int, data: bytes, name: str = "photo.png"):
    return post(client, f"/directory/contacts/{contact_id}/photo", {"photo": (io.BytesIO(data), name)},
                content_type="multipart/form-data")


def photo_path(rt, contact_id: int) -> str | None:
    with rt.context() as ctx:
        return ctx.session.get(Contact, contact_id).photo_path


def test_upload_show_replace_and_remove(rt, app):
    cid = ids(rt)["c_martin"]
    client = logged_in(app, ADMIN)
    assert 'id="contact-photo"' not in client.get(f"/directory/contacts/{cid}").get_data(as_text=True)
    resp = send(client, cid, png())
    assert resp.status_code == 302 and resp.location.endswith(f"/directory/contacts/{cid}#photo")
    page = client.get(f"/directory/contacts/{cid}").get_data(as_text=True)
    assert "La photo a été enregistrée." in page and f'src="/directory/contacts/{cid}/photo"' in page
    shown = client.get(f"/directory/contacts/{cid}/photo")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    with Image.open(io.BytesIO(shown.data)) as picture:  # written again by us, the same picture
        assert picture.format == "PNG" and picture.size == (2, 2) and picture.convert("RGB").getpixel((1, 1)) == (
            255, 0, 0)
    first = photo_path(rt, cid)
    assert first.startswith("photos/") and first.endswith(".png")
    send(client, cid, GIF, "x.gif")
    assert client.get(f"/directory/contacts/{cid}/photo").mimetype == "image/gif"
    post(client, f"/directory/contacts/{cid}/photo", {"remove": "1"})
    assert photo_path(rt, cid) is None
    assert client.get(f"/directory/contacts/{cid}/photo").status_code == 404
    with rt.context() as ctx:
        actions = ctx.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "contact",
                                                                      AuditEntry.action.like("photo%"))).all()
        assert actions == ["photo", "photo", "photo_removed"]


def test_bad_pictures_are_refused_and_the_old_photo_stays(rt, app):
    cid = ids(rt)["c_martin"]
    client = logged_in(app, ADMIN)
    send(client, cid, png())
    kept = photo_path(rt, cid)
    for data, words in ((b"<svg onload=alert(1)>", "Ce n&#39;est pas une image JPEG, PNG ou GIF."),
                        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "La photo est trop grande : 1 Mo au plus."),
                        (b"", "Choisissez une image JPEG, PNG ou GIF.")):
        resp = send(client, cid, data, "x.png")
        assert resp.status_code == 302
        assert words in client.get(f"/directory/contacts/{cid}").get_data(as_text=True)
        assert photo_path(rt, cid) == kept


def test_saving_the_card_keeps_the_photo(rt, app):
    cid = ids(rt)["c_martin"]
    client = logged_in(app, ADMIN)
    send(client, cid, png())
    kept = photo_path(rt, cid)
    form = {"first_name": "Marc", "last_name": "Martin", "number_rows": "0"}
    assert post(client, f"/directory/contacts/{cid}", form).status_code == 302
    assert photo_path(rt, cid) == kept


def test_api_put_get_delete(rt, app):
    cid = ids(rt)["c_martin"]
    auth = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    api = app.test_client()
    url = f"/api/v1/directory/contacts/{cid}/photo"
    assert api.get(url, headers=auth).status_code == 404
    assert api.put(url, data=png(), headers={**auth, "Content-Type": "image/png"}).status_code == 204
    got = api.get(url, headers=auth)
    assert got.status_code == 200 and got.data.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(got.data)).size == (2, 2)
    bad = api.put(url, data=b"not a picture", headers={**auth, "Content-Type": "image/png"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["id"] == "photo.format"
    multipart = api.put(url, data={"file": (io.BytesIO(GIF), "a.gif")}, headers=auth,
                        content_type="multipart/form-data")
    assert multipart.status_code == 204 and api.get(url, headers=auth).mimetype == "image/gif"
    assert api.delete(url, headers=auth).status_code == 204 and photo_path(rt, cid) is None
    spec = api.get("/api/v1/openapi.json").get_json()
    assert set(spec["paths"]["/api/v1/directory/contacts/{contact_id}/photo"]) == {"get", "put", "delete"}


def test_other_companies_and_users_get_nothing(rt, app):
    cid = ids(rt)["c_martin"]
    send(logged_in(app, ADMIN), cid, png())
    other = logged_in(app, OTHER_ADMIN)
    assert other.get(f"/directory/contacts/{cid}/photo").status_code == 404
    assert send(other, cid, GIF).status_code == 404
    assert logged_in(app, PIERRE).get(f"/directory/contacts/{cid}/photo").status_code == 403
    token = token_for(rt, OTHER_ADMIN[0])
    resp = app.test_client().get(f"/api/v1/directory/contacts/{cid}/photo",
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404
    assert photo_path(rt, cid).endswith(".png")  # unchanged


def test_a_path_from_elsewhere_is_never_served(rt, app):
    """An imported document may name any photo path: only our own files are served."""
    cid = ids(rt)["c_martin"]
    with rt.context() as ctx:
        ctx.session.get(Contact, cid).photo_path = "../../etc/passwd"
        ctx.session.commit()
    assert logged_in(app, ADMIN).get(f"/directory/contacts/{cid}/photo").status_code == 404
