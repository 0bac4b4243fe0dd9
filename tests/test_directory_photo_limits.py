"""Contact photos (issue 15, item 11): the size in pixels is read from the
header before decoding and refused above the bound; what is stored is a
picture written again, not the upload's bytes."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from test_webui_photos import png
from webui_helpers import ADMIN, ids, load_demo, make_app, token_for

from orchestrator.services.directory import photos


def declared(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` pixels, with one row of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" + b"\x00" * 3 * width)) + chunk(b"IEND", b""))


@pytest.fixture
def api(rt):
    load_demo(rt)
    app = make_app(rt)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(rt, ADMIN[0])}"
    return client


def _put(api, rt, data: bytes):
    return api.put(f"/api/v1/directory/contacts/{ids(rt)['c_martin']}/photo", data=data,
                   headers={"Content-Type": "image/png"})


def test_a_png_declaring_30000_by_30000_pixels_is_refused_before_decoding(rt, api):
    resp = _put(api, rt, declared(30000, 30000))
    assert resp.status_code == 422
    [err] = resp.get_json()["errors"]
    assert err["id"] == "photo.too_big" and "4096×4096" in err["message"]
    assert _put(api, rt, declared(photos.MAX_SIDE + 1, 10)).status_code == 422


def test_a_broken_picture_is_an_error_not_a_crash(rt, api):
    resp = _put(api, rt, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["id"] == "photo.unreadable"


def test_the_stored_picture_is_written_again_without_what_the_upload_carried(rt, api):
    payload = b"<script>alert(document.cookie)</script>"
    assert _put(api, rt, png(3, 2) + payload).status_code == 204
    got = api.get(f"/api/v1/directory/contacts/{ids(rt)['c_martin']}/photo")
    assert payload not in got.data
    with Image.open(io.BytesIO(got.data)) as picture:
        assert picture.format == "PNG" and picture.size == (3, 2)
    big = io.BytesIO()
    Image.new("RGB", (3000, 1500), (0, 128, 255)).save(big, "JPEG")
    kind, data = photos.reencode("jpg", big.getvalue())
    with Image.open(io.BytesIO(data)) as picture:
        assert kind == "jpg" and picture.size == (photos.STORED_SIDE, photos.STORED_SIDE // 2)
