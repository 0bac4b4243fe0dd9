"""C-3 and manual §3.2.1.1: « Statistiques appels sortants » (outgoing
calls per line over a period: count, answered, total duration, per day)
and the admin's view of a line's call log, in the web UI and the API;
another company's admin and a user see none of it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    ids,
    logged_in,
    token_for,
)

from orchestrator.db.models import CallRecord, Line

PIERRE_NO, PAUL_NO = "+33175000101", "+33175000102"


def _calls(rt):
    """Pierre: 3 outgoing on 2 Dec (2 answered, 60 + 125 s), one outgoing
    on 4 Dec at 23:30 UTC (5 Dec in Paris, 30 s), one incoming and one
    internal (not counted); Paul: one outgoing; Zoé (other company): one."""
    with rt.context() as ctx:
        line = {n: ctx.session.scalar(select(Line).where(Line.number == n))
                for n in (PIERRE_NO, PAUL_NO, "+33298000001")}
        rows = [
            (PIERRE_NO, "outbound", datetime(2026, 12, 2, 9, 0), "answered", 60),
            (PIERRE_NO, "outbound", datetime(2026, 12, 2, 10, 0), "answered", 125),
            (PIERRE_NO, "outbound", datetime(2026, 12, 2, 11, 0), "busy", 0),
            (PIERRE_NO, "outbound", datetime(2026, 12, 4, 23, 30), "answered", 30),
            (PIERRE_NO, "inbound", datetime(2026, 12, 3, 9, 0), "answered", 400),
            (PIERRE_NO, "internal", datetime(2026, 12, 3, 9, 5), "answered", 50),
            (PAUL_NO, "outbound", datetime(2026, 12, 3, 14, 0), "answered", 10),
            ("+33298000001", "outbound", datetime(2026, 12, 3, 14, 0), "answered", 999),
        ]
        for i, (number, direction, start, disposition, secs) in enumerate(rows):
            own = line[number]
            other = "+33145000000" if direction != "internal" else PAUL_NO
            caller, callee = (other, own.number) if direction == "inbound" else (own.number, other)
            ctx.session.add(CallRecord(
                tenant_id=own.tenant_id, line_id=own.id, call_uuid=f"oc{i}", direction=direction, caller=caller,
                callee=callee, started_at=start.replace(tzinfo=UTC),
                answered_at=start.replace(tzinfo=UTC) if disposition == "answered" else None,
                duration_s=secs, disposition=disposition))
        ctx.session.commit()


def test_outgoing_statistics_per_line_and_per_day(rt, app):
    _calls(rt)
    client = logged_in(app, ADMIN)
    assert 'id="outgoing-stats"' in client.get("/services/").get_data(as_text=True)
    page = client.get("/services/stats/outgoing?from=2026-12-01&to=2026-12-06").get_data(as_text=True)
    pierre = page.split(f'data-line="{PIERRE_NO}"')[1].split("</tr>")[0]
    assert "<td>4</td><td>3</td><td>3 min 35 s</td>" in pierre  # 60 + 125 + 30 s; busy counted, not timed
    paul = page.split(f'data-line="{PAUL_NO}"')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td>10 s</td>" in paul
    assert "999" not in page and "16 min 39 s" not in page  # the other company's call
    day = lambda d: page.split(f'data-day="{d}"')[1].split("</tr>")[0]  # noqa: E731
    assert "<td>3</td><td>2</td>" in day("2026-12-02")
    assert "<td>1</td><td>1</td><td>30 s</td>" in day("2026-12-05")  # 23:30 UTC is the 5th in Paris
    assert "<td>0</td>" in day("2026-12-04")
    bad = client.get("/services/stats/outgoing?from=2026-12-09&to=2026-12-01")
    assert bad.status_code == 422

    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    got = app.test_client().get("/api/v1/stats/outgoing?from=2026-12-01&to=2026-12-06", headers=h).get_json()
    assert got["from"] == "2026-12-01" and got["to"] == "2026-12-06"
    by_line = {x["line"]: x for x in got["lines"]}
    assert (by_line[PIERRE_NO]["calls"], by_line[PIERRE_NO]["answered"],
            by_line[PIERRE_NO]["total_duration_s"]) == (4, 3, 215)
    assert by_line["+33175000103"]["calls"] == 0  # Jacques: none, still listed
    assert got["total"]["calls"] == 5 and got["total"]["total_duration_s"] == 225
    assert [d["calls"] for d in got["days"]] == [0, 3, 1, 0, 1, 0]
    resp = app.test_client().get("/api/v1/stats/outgoing?from=nope", headers=h)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["id"] == "stats.date"


def test_the_admin_reads_a_lines_call_log(rt, app):
    _calls(rt)
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    assert f'/services/lines/{ident["pierre"]}/calls' in client.get("/services/").get_data(as_text=True)
    assert 'id="line-call-log"' in client.get(f"/services/lines/{ident['pierre']}").get_data(as_text=True)
    page = client.get(f"/services/lines/{ident['pierre']}/calls").get_data(as_text=True)
    assert page.count("data-call=") == 6  # every direction of Pierre's line, not Paul's
    assert "05/12/2026 00:30" in page  # shown in the company's time
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    got = app.test_client().get(f"/api/v1/lines/{PIERRE_NO}/calls", headers=h).get_json()
    assert len(got) == 6 and {c["line"] for c in got} == {PIERRE_NO}
    assert [c["started_at"][:10] for c in got][:2] == ["2026-12-04", "2026-12-03"]  # newest first
    assert {c["direction"] for c in got} == {"outbound", "inbound", "internal"}


def test_no_one_else_reads_them(rt, app):
    _calls(rt)
    ident = ids(rt)
    other = logged_in(app, OTHER_ADMIN)
    assert other.get(f"/services/lines/{ident['pierre']}/calls").status_code == 404
    page = other.get("/services/stats/outgoing?from=2026-12-01&to=2026-12-06").get_data(as_text=True)
    assert PIERRE_NO not in page and "16 min 39 s" in page  # their own line only
    user = logged_in(app, PIERRE)
    assert user.get(f"/services/lines/{ident['pierre']}/calls").status_code == 403
    assert user.get("/services/stats/outgoing").status_code == 403
    api = app.test_client()
    zeta = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.get(f"/api/v1/lines/{PIERRE_NO}/calls", headers=zeta).status_code == 404
    pierre = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert len(api.get(f"/api/v1/lines/{PIERRE_NO}/calls", headers=pierre).get_json()) == 6  # their own line
    assert api.get(f"/api/v1/lines/{PAUL_NO}/calls", headers=pierre).status_code == 404
    assert api.get("/api/v1/stats/outgoing", headers=pierre).status_code == 403
